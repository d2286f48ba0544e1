#pragma once
/// In-process test harness for plugin authors: runs one operator class through the
/// same C trampolines the runtime uses, with a recording host instead of the runtime.
///
///   trestle::testing::Harness<Clip> h(trestle::Options().set("column", std::string("x")));
///   h.open(trestle::testing::BatchBuilder().f64("x", {-1.0, 0.5}).build().schema());
///   trestle::Batch out = h.process(trestle::testing::BatchBuilder().f64("x", {-1.0, 0.5}).build());
///
/// Failures surface as trestle::Error with the operator's code and message.

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trestle/plugin.hpp"

namespace trestle::testing {

/// Builds a batch column by column; std::nullopt is a null.
class BatchBuilder {
 public:
  BatchBuilder& boolean(const std::string& n, const std::vector<std::optional<bool>>& v) { return add(n, Type::Bool, v, [](ColumnBuilder& b, bool x) { b.append_bool(x); }); }
  BatchBuilder& i32(const std::string& n, const std::vector<std::optional<int32_t>>& v) { return add(n, Type::Int32, v, [](ColumnBuilder& b, int32_t x) { b.append_i32(x); }); }
  BatchBuilder& i64(const std::string& n, const std::vector<std::optional<int64_t>>& v) { return add(n, Type::Int64, v, [](ColumnBuilder& b, int64_t x) { b.append_i64(x); }); }
  BatchBuilder& f32(const std::string& n, const std::vector<std::optional<float>>& v) { return add(n, Type::Float32, v, [](ColumnBuilder& b, float x) { b.append_f32(x); }); }
  BatchBuilder& f64(const std::string& n, const std::vector<std::optional<double>>& v) { return add(n, Type::Float64, v, [](ColumnBuilder& b, double x) { b.append_f64(x); }); }
  BatchBuilder& str(const std::string& n, const std::vector<std::optional<std::string>>& v) { return add(n, Type::Utf8, v, [](ColumnBuilder& b, const std::string& x) { b.append_str(x); }); }
  BatchBuilder& ts(const std::string& n, const std::vector<std::optional<int64_t>>& v) { return add(n, Type::TimestampUs, v, [](ColumnBuilder& b, int64_t x) { b.append_ts(x); }); }
  Batch build() const { return Batch(Schema(fields_), columns_); }

 private:
  template <typename V, typename F>
  BatchBuilder& add(const std::string& n, Type t, const std::vector<std::optional<V>>& vals, F&& append) {
    ColumnBuilder b(t, static_cast<int64_t>(vals.size()));
    for (const auto& v : vals) {
      if (v) append(b, *v);
      else b.append_null();
    }
    fields_.push_back(Field{n, t, true});
    columns_.push_back(b.finish());
    return *this;
  }
  std::vector<Field> fields_;
  std::vector<Column> columns_;
};

/// What the operator told its host.
struct Recorded {
  struct Rejection { int64_t row; int32_t code; std::string reason; };
  struct Record { std::string record, location, reason; };
  struct Event { std::string kind, json; };
  std::vector<std::pair<int32_t, std::string>> logs;
  std::map<std::string, double> counters, gauges;
  std::vector<Event> events;
  std::vector<Rejection> rejections;   ///< of the last process/write/observe call
  std::vector<Record> rejected_records;
  double progress_done = 0, progress_total = 0;
  bool cancel = false;                 ///< set to make ctx.cancelled() true
  int32_t error_code = TRESTLE_OK;     ///< of the last failed call
  std::string error_message;
};

template <typename T>
class Harness {
 public:
  /// Validates `options` like the runtime would (unknown, required) after filling
  /// the spec's defaults, then creates the operator. Throws the operator's Error.
  explicit Harness(Options options = {}) : compiled_(detail::CompiledOperator::make<T>()) {
    const OperatorSpec& spec = compiled_->spec();
    for (const auto& [name, value] : options.values()) {
      bool known = false;
      for (const auto& p : spec.params()) known = known || p.name == name;
      if (!known) throw InvalidArgument("unknown option \"" + name + "\" for operator \"" + spec.name() + "\"");
    }
    for (const auto& p : spec.params()) {
      if (!options.has(p.name) && p.default_value) options.set(p.name, *p.default_value);
      if (!options.has(p.name) && p.required) throw InvalidArgument("missing required option \"" + p.name + "\"");
    }
    OptionsTable table(options);
    check(def()->lifecycle->create(table.get(), &host_, &instance_));
  }
  ~Harness() {
    if (instance_ != nullptr) def()->lifecycle->destroy(instance_);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  /// Opens with the input schema (ignored for sources) and returns the output schema.
  Schema open(const Schema& input = Schema()) {
    ArrowSchema in{}, out{};
    input.export_to(&in);
    int32_t rc = def()->lifecycle->open(instance_, &host_, &in, &out);
    in.release(&in);
    check(rc);
    if (out.release == nullptr) return Schema();
    output_ = Schema::import_from(&out);
    out.release(&out);
    return output_;
  }
  Batch process(const Batch& input) {
    rec_.rejections.clear();
    ArrowArray in{}, out{};
    input.export_to(&in);
    check(def()->process->process(instance_, &host_, &in, &out));
    return Batch::import_from(&out, output_);
  }
  std::optional<Batch> next(int64_t max_rows = 1024) {
    ArrowArray out{};
    int32_t eos = 0;
    check(def()->source->next(instance_, &host_, max_rows, &out, &eos));
    if (eos) return std::nullopt;
    return Batch::import_from(&out, output_);
  }
  /// An aggregating transform's next result batch (as the runtime calls it once every
  /// input batch went through process()); nullopt at the end of the result.
  std::optional<Batch> finish(int64_t max_rows = 1024) {
    if (def()->process == nullptr || def()->process->finish == nullptr)
      throw InvalidArgument("finish(): operator \"" + compiled_->spec().name() + "\" is not aggregating");
    ArrowArray out{};
    int32_t eos = 0;
    check(def()->process->finish(instance_, &host_, max_rows, &out, &eos));
    if (eos) return std::nullopt;
    return Batch::import_from(&out, output_);
  }
  /// Every batch of a source until end of stream.
  std::vector<Batch> drain(int64_t max_rows = 1024) {
    std::vector<Batch> all;
    while (auto b = next(max_rows)) all.push_back(std::move(*b));
    return all;
  }
  void ack(uint64_t seq) { check(def()->source->ack(instance_, &host_, seq)); }
  void write(const Batch& b) {
    rec_.rejections.clear();
    ArrowArray in{};
    b.export_to(&in);
    check(def()->sink->write(instance_, &host_, &in));
  }
  /// As the runtime ends a run whose only sink this is: the final commit of a sink that
  /// publishes in two phases (it overrides Sink::publish) is followed by its publish.
  void commit(bool final_commit = true) {
    check(def()->sink->commit(instance_, &host_, final_commit ? 1 : 0));
    if (final_commit && def()->sink->publish != nullptr) publish();
  }
  /// The first phase alone: the final commit, without publishing (as when another sink
  /// of the run then fails).
  void prepare() { check(def()->sink->commit(instance_, &host_, 1)); }
  /// The second phase: publish() of a two-phase sink (a no-op for other sinks).
  void publish() {
    if (def()->sink->publish != nullptr) check(def()->sink->publish(instance_, &host_));
  }
  void observe(const Batch& b) {
    rec_.rejections.clear();
    ArrowArray in{};
    b.export_to(&in);
    check(def()->monitor->observe(instance_, &host_, &in));
  }
  void close() { check(def()->lifecycle->close(instance_, &host_)); }

  Recorded& recorded() { return rec_; }
  const TrestleOperatorDef* def() const { return compiled_->def(); }

 private:
  void check(int32_t rc) {
    if (rc == TRESTLE_OK) return;
    throw Error(rc, rec_.error_message.empty() ? "operator failed without a message" : rec_.error_message);
  }
  static Recorded& R(void* self) { return *static_cast<Recorded*>(self); }
  static void log(void* s, int32_t sev, const char* m) { R(s).logs.emplace_back(sev, m); }
  static void counter_add(void* s, const char* n, double d) { R(s).counters[n] += d; }
  static void gauge_set(void* s, const char* n, double v) { R(s).gauges[n] = v; }
  static void emit_event(void* s, const char* k, const char* j) { R(s).events.push_back({k, j ? j : ""}); }
  static void set_error(void* s, int32_t c, const char* m) { R(s).error_code = c, R(s).error_message = m; }
  static void reject_row(void* s, int64_t row, int32_t c, const char* r) { R(s).rejections.push_back({row, c, r}); }
  static void reject_record(void* s, const char* rec, const char* loc, int32_t, const char* r) { R(s).rejected_records.push_back({rec, loc, r}); }
  static void reject_record_bytes(void* s, const char* rec, size_t len, const char* loc, int32_t, const char* r) {
    R(s).rejected_records.push_back({std::string(rec, len), loc, r});
  }
  static int32_t cancelled(void* s) { return R(s).cancel ? 1 : 0; }
  static void progress(void* s, double d, double t) { R(s).progress_done = d, R(s).progress_total = t; }

  static constexpr TrestleHostApi kApi = {sizeof(TrestleHostApi), &log, &counter_add, &gauge_set, &emit_event, &set_error, &reject_row, &reject_record, &cancelled, &progress, &reject_record_bytes};

  std::unique_ptr<detail::CompiledOperator> compiled_;
  Recorded rec_;
  TrestleHost host_{sizeof(TrestleHost), &kApi, &rec_};
  void* instance_ = nullptr;
  Schema output_;
};

/// Every value of a numeric column as double (bool as 0/1); a null reads as NaN.
inline std::vector<double> doubles(const Column& c) {
  std::vector<double> v;
  v.reserve(static_cast<size_t>(c.size()));
  for (int64_t r = 0; r < c.size(); ++r) v.push_back(c.is_null(r) ? std::numeric_limits<double>::quiet_NaN() : c.as_double(r));
  return v;
}

/// Every value of an int32 or int64 column (a null reads as 0; check is_null).
inline std::vector<int64_t> ints(const Column& c) {
  std::vector<int64_t> v;
  v.reserve(static_cast<size_t>(c.size()));
  for (int64_t r = 0; r < c.size(); ++r) v.push_back(c.is_null(r) ? 0 : c.type() == Type::Int32 ? c.i32(r) : c.i64(r));
  return v;
}

/// The Error that creating operator T with `options` and opening it on `input` throws,
/// or nullopt when both succeed.
template <typename T>
std::optional<Error> open_error(const Options& options, const Schema& input = Schema()) {
  try {
    Harness<T> h(options);
    h.open(input);
  } catch (const Error& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace trestle::testing
