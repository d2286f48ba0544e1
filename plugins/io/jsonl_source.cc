#include "jsonl_source.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "schema_option.h"
#include "timestamp_text.hpp"
#include "type_inference.h"

namespace trestle_io {

namespace {

// (A fuzzing build may define TRESTLE_IO_MAX_SAMPLE_BYTES smaller.)
#ifdef TRESTLE_IO_MAX_SAMPLE_BYTES
constexpr size_t kMaxSampleBytes = TRESTLE_IO_MAX_SAMPLE_BYTES;
#else
constexpr size_t kMaxSampleBytes = size_t{16} << 20;
#endif
// Rows reserved up front per batch: max_rows may be huge, and so may the number of
// columns; builders grow past this.
constexpr int64_t kReserveRows = 65536;
constexpr int64_t kReserveCells = int64_t{1} << 20;

int64_t rows_to_reserve(int64_t max_rows, size_t columns) {
  const int64_t per_column = kReserveCells / std::max<int64_t>(1, static_cast<int64_t>(columns));
  return std::max<int64_t>(1, std::min({max_rows, kReserveRows, per_column}));
}

// An inferred schema has at most this many columns, and a sampled line this many
// fields: the sample's bookkeeping stays bounded. (A fuzzing build may define
// TRESTLE_IO_MAX_COLUMNS smaller.)
#ifdef TRESTLE_IO_MAX_COLUMNS
constexpr size_t kMaxColumns = TRESTLE_IO_MAX_COLUMNS;
#else
constexpr size_t kMaxColumns = 100000;
#endif

bool blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

// The sampled values of one key by JSON kind: how many of each, and the first of each
// (as a message shows it) with its line. Picks the column type by type_inference.h's
// rule with the candidates int64 (integers), float64 (numbers) and bool; without one
// the column is utf8, which takes every scalar (numbers and bools as their text).
struct KindSeen {
  enum Kind { kBool, kInt, kFloat, kString, kNested, kKinds };
  int64_t count[kKinds] = {};
  std::string first[kKinds];
  int64_t first_line[kKinds] = {};

  int64_t total() const {
    int64_t t = 0;
    for (int64_t c : count) t += c;
    return t;
  }
  // ABI 1 has no nested types: a key that only ever held objects or arrays is no column.
  bool only_nested() const { return count[kNested] > 0 && count[kNested] == total(); }

  InferredType infer() const {
    const int64_t n = total();
    const int64_t ints = count[kInt], numbers = count[kInt] + count[kFloat], bools = count[kBool];
    const Candidate candidates[] = {{trestle::Type::Int64, ints, n - ints},
                                    {trestle::Type::Float64, numbers, n - numbers},
                                    {trestle::Type::Bool, bools, n - bools}};
    // The kinds each candidate (and utf8, last) refuses.
    static constexpr unsigned kRefused[] = {
        1u << kBool | 1u << kFloat | 1u << kString | 1u << kNested, 1u << kBool | 1u << kString | 1u << kNested,
        1u << kInt | 1u << kFloat | 1u << kString | 1u << kNested, 1u << kNested};
    InferredType out;
    out.values = n;
    int pick = pick_candidate(candidates, 3);
    out.type = pick < 0 ? trestle::Type::Utf8 : candidates[pick].type;
    const unsigned refused = kRefused[pick < 0 ? 3 : pick];
    int first_kind = -1;
    for (int k = 0; k < kKinds; ++k) {
      if (!(refused >> k & 1u) || count[k] == 0) continue;
      out.misfits += count[k];
      if (first_kind < 0 || first_line[k] < first_line[first_kind]) first_kind = k;
    }
    if (first_kind >= 0) {
      out.first_misfit = first[first_kind];
      out.first_misfit_line = first_line[first_kind];
    }
    return out;
  }
};

// nlohmann SAX handler that samples one line for inference without building a JSON
// document (a DOM of a long line with many keys would cost quadratic time). What a line
// holds counts only once it has parsed as one JSON object.
class SampleHandler {
 public:
  using json = nlohmann::json;

  SampleHandler(std::map<std::string, KindSeen>* seen, std::vector<std::string>* order) : seen_(seen), order_(order) {}

  /// Whether `text` is one JSON object; then its top-level values are counted.
  bool sample(std::string_view text, int64_t line) {
    pending_.clear();
    depth_ = 0;
    if (!json::sax_parse(text.begin(), text.end(), this)) return false;
    for (auto& p : pending_) {
      auto [it, fresh] = seen_->try_emplace(p.key);
      if (fresh) order_->push_back(p.key);
      if (p.kind < 0) continue;  // null: the key exists, no kind
      KindSeen& k = it->second;
      ++k.count[p.kind];
      if (k.first[p.kind].empty() && !p.text.empty()) {
        k.first[p.kind] = std::move(p.text);
        k.first_line[p.kind] = line;
      }
    }
    if (seen_->size() > kMaxColumns) too_many_ = true;
    return true;
  }
  /// The line had more than kMaxColumns fields, or the keys so far are more than that.
  bool too_many() const { return too_many_; }

  // ---- nlohmann SAX interface
  bool null() { return value(-1, nullptr); }
  bool boolean(bool v) { return value(KindSeen::kBool, [&] { return std::string(v ? "true" : "false"); }); }
  bool number_integer(json::number_integer_t v) {
    return value(KindSeen::kInt, [&] { return std::to_string(v); });
  }
  bool number_unsigned(json::number_unsigned_t v) {
    return value(v <= static_cast<uint64_t>(INT64_MAX) ? KindSeen::kInt : KindSeen::kFloat,
                 [&] { return std::to_string(v); });
  }
  bool number_float(json::number_float_t, const std::string& text) {
    return value(KindSeen::kFloat, [&] { return text; });
  }
  bool string(std::string& v) { return value(KindSeen::kString, [&] { return quote_excerpt(v); }); }
  bool binary(json::binary_t&) { return false; }
  bool start_object(std::size_t) {
    if (depth_ > 0 && !value(KindSeen::kNested, [] { return std::string("an object"); })) return false;
    ++depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ == 0) return false;  // not an object
    if (!value(KindSeen::kNested, [] { return std::string("an array"); })) return false;
    ++depth_;
    return true;
  }
  bool end_object() { return --depth_, true; }
  bool end_array() { return --depth_, true; }
  bool key(std::string& k) {
    if (depth_ == 1) key_ = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception&) { return false; }

 private:
  struct Pending {
    std::string key;
    int kind;          // KindSeen::Kind, or -1 for null
    std::string text;  // only when it may become the key's first of its kind
  };

  // A value at depth_ (before entering it, for objects and arrays).
  template <typename Text>
  bool value(int kind, Text text) {
    if (depth_ == 0) return false;  // a scalar line: not an object
    if (depth_ != 1) return true;
    if (pending_.size() >= kMaxColumns) {
      too_many_ = true;
      return false;
    }
    Pending p{key_, kind, {}};
    if constexpr (!std::is_same_v<Text, std::nullptr_t>) {
      auto it = seen_->find(key_);
      if (it == seen_->end() || it->second.first[kind].empty()) p.text = text();
    }
    pending_.push_back(std::move(p));
    return true;
  }

  std::map<std::string, KindSeen>* seen_;
  std::vector<std::string>* order_;
  std::vector<Pending> pending_;
  std::string key_;
  int depth_ = 0;
  bool too_many_ = false;
};

}  // namespace

// nlohmann SAX handler that turns one line into the cells of one row, without building
// a JSON document. Returns false (stopping the parse) at the first value that does not
// fit its column, with the reason in error().
class JsonRowHandler {
 public:
  using json = nlohmann::json;

  struct Cell {
    bool null = true;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    std::string s;  // reused: no allocation once warm
  };

  /// `inferred`: the schema's types were inferred (the reasons then say how to declare them).
  JsonRowHandler(const trestle::Schema& schema, bool inferred)
      : schema_(schema), cells_(schema.size()), inferred_(inferred) {
    for (size_t c = 0; c < schema.size(); ++c) {
      index_.emplace(schema.field(c).name, static_cast<int>(c));
      types_.push_back(schema.field(c).type);
    }
  }

  void reset() {
    for (auto& c : cells_) c.null = true;
    depth_ = 0;
    col_ = -1;
    unknown_ = 0;
    error_.clear();
  }
  const std::vector<Cell>& cells() const { return cells_; }
  const std::vector<trestle::Type>& types() const { return types_; }
  const std::string& error() const { return error_; }
  int64_t unknown_fields() const { return unknown_; }

  // ---- nlohmann SAX interface
  bool null() {
    if (depth_ == 0) return not_object();
    if (target()) cells_[static_cast<size_t>(col_)].null = true;
    return true;
  }
  bool boolean(bool v) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Bool: c.b = v; break;
      case trestle::Type::Utf8: c.s.assign(v ? "true" : "false"); break;
      default: return mismatch(v ? "true" : "false");
    }
    c.null = false;
    return true;
  }
  bool number_integer(json::number_integer_t v) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Int64: c.i = v; break;
      case trestle::Type::Int32:
        if (v < INT32_MIN || v > INT32_MAX) return mismatch(std::to_string(v));
        c.i = v;
        break;
      case trestle::Type::Float32:
      case trestle::Type::Float64: c.d = static_cast<double>(v); break;
      case trestle::Type::Utf8: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        c.s.assign(buf, r.ptr);
        break;
      }
      default: return mismatch(std::to_string(v));
    }
    c.null = false;
    return true;
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (v <= static_cast<uint64_t>(INT64_MAX)) return number_integer(static_cast<int64_t>(v));
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Float32:
      case trestle::Type::Float64: c.d = static_cast<double>(v); break;
      case trestle::Type::Utf8: c.s = std::to_string(v); break;
      default: return mismatch(std::to_string(v));
    }
    c.null = false;
    return true;
  }
  bool number_float(json::number_float_t v, const std::string& text) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      // nlohmann refuses numbers beyond a double (1e400); one beyond a float (1e39) is
      // refused here as the CSV reader refuses it, not read as inf.
      case trestle::Type::Float32:
        if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) return mismatch(text);
        c.d = v;
        break;
      case trestle::Type::Float64: c.d = v; break;
      case trestle::Type::Utf8: c.s.assign(text); break;
      default: return mismatch(text);
    }
    c.null = false;
    return true;
  }
  bool string(std::string& v) {
    if (depth_ == 0) return not_object();
    if (!target()) return true;
    Cell& c = cell();
    switch (type()) {
      case trestle::Type::Utf8: c.s.assign(v); break;
      case trestle::Type::TimestampUs:
        if (!trestle_support::parse_timestamp(v, &c.i)) return mismatch(quote_excerpt(v));
        break;
      default: return mismatch(quote_excerpt(v));
    }
    c.null = false;
    return true;
  }
  bool binary(json::binary_t&) { return mismatch("a binary value"); }
  bool start_object(std::size_t) { return open_nested("an object"); }
  bool start_array(std::size_t) {
    if (depth_ == 0) return not_object();
    return open_nested("an array");
  }
  bool end_object() { return --depth_, true; }
  bool end_array() { return --depth_, true; }
  bool key(std::string& k) {
    if (depth_ != 1) return true;
    auto it = index_.find(k);
    if (it == index_.end()) {
      col_ = -1;
      ++unknown_;
    } else {
      col_ = it->second;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (!what.empty() && what[0] == '[') {
      size_t close = what.find("] ");
      if (close != std::string::npos) what.erase(0, close + 2);
    }
    error_ = "invalid JSON: " + what;
    return false;
  }

 private:
  bool target() const { return depth_ == 1 && col_ >= 0; }
  Cell& cell() { return cells_[static_cast<size_t>(col_)]; }
  trestle::Type type() const { return types_[static_cast<size_t>(col_)]; }
  bool not_object() {
    error_ = "the line is not a JSON object";
    return false;
  }
  bool mismatch(const std::string& value) {
    error_ = misfit_reason(schema_.field(static_cast<size_t>(col_)).name, value, type(), inferred_);
    return false;
  }
  bool open_nested(const char* what) {
    if (depth_ == 1 && col_ >= 0) return mismatch(what);
    ++depth_;
    return true;
  }

  const trestle::Schema& schema_;
  std::unordered_map<std::string, int> index_;
  std::vector<trestle::Type> types_;
  std::vector<Cell> cells_;
  int depth_ = 0;
  int col_ = -1;
  int64_t unknown_ = 0;
  std::string error_;
  bool inferred_;
};

trestle::OperatorSpec JsonlSource::spec() {
  return trestle::OperatorSpec("jsonl_source",
                               "Reads a file of JSON objects, one per line, in batches. Column types come from "
                               "the `schema` option or are inferred from the first infer_rows lines: a key is "
                               "int64, float64 or bool when all its sampled values are, or when at most 1% of them "
                               "are not and at least 99 are (then a warning names the column and the first such "
                               "value); else utf8. Lines that are not valid JSON objects or hold a wrongly typed "
                               "value are dead-lettered with file:line and a reason; fields outside the schema are "
                               "ignored and counted. With shard_count > 1 (a sharded run) it keeps only the "
                               "lines of shard shard_index.")
      .param<std::string>("path", "JSONL file to read").required().input_path()
      .param<trestle::StringMap>("schema",
                                 "column -> type (bool, int32, int64, float32, float64, utf8, timestamp); when "
                                 "given, exactly these columns, in name order")
      .param<int64_t>("infer_rows", "lines sampled at open() to infer the schema when none is declared",
                      int64_t{1000})
      .min(1)
      .param<int64_t>("shard_index", kShardIndexDoc, int64_t{0})
      .min(0)
      .param<int64_t>("shard_count", kShardCountDoc, int64_t{1})
      .min(1)
      .output_doc("the declared columns, or the keys of the sampled lines in order of first appearance; every "
                  "column nullable")
      .serial();
}

JsonlSource::JsonlSource(const trestle::Options& o)
    : path_(o.get<std::string>("path")),
      infer_rows_(o.get_or<int64_t>("infer_rows", 1000)),
      declared_(parse_schema_option(o)),
      shard_(RecordShard::from_options(o)) {
  if (path_.empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  if (infer_rows_ < 1) throw trestle::InvalidArgument("option \"infer_rows\" must be at least 1");
}

JsonlSource::~JsonlSource() = default;

trestle::Schema JsonlSource::infer_schema() {
  std::vector<std::string> order;
  std::map<std::string, KindSeen> seen;
  SampleHandler sampler(&seen, &order);
  int64_t objects = 0;
  Line line;
  for (int64_t n = 0; n < infer_rows_ && reader_.bytes_since_mark() <= kMaxSampleBytes && reader_.next(&line);) {
    if (blank(line.text)) continue;
    ++n;
    if (line.too_long) continue;
    if (sampler.sample(line.text, line.number)) ++objects;
    if (sampler.too_many())
      throw trestle::InvalidArgument(location(line.number) + ": the sampled lines have more than " +
                                     std::to_string(kMaxColumns) +
                                     " fields to make columns of; declare the columns with the \"schema\" option");
  }
  if (objects == 0) {
    if (reader_.stopped_at_limit())
      throw trestle::InvalidArgument("\"" + path_ + "\" has no JSON object to infer a schema from before line " +
                                     std::to_string(reader_.line()) + ", which exceeds the " +
                                     byte_size_text(LineReader::kMaxLineBytes) +
                                     " limit; declare one with the \"schema\" option");
    throw trestle::InvalidArgument("\"" + path_ + "\" has no JSON object in its first " + std::to_string(infer_rows_) +
                                   " lines to infer a schema from; declare one with the \"schema\" option");
  }
  std::vector<trestle::Field> fields;
  for (const auto& key : order) {
    const KindSeen& k = seen.at(key);
    if (k.only_nested()) continue;  // ignored like unknown fields
    if (key.find('\0') != std::string::npos) {
      // Column names cross the ABI as C strings (Arrow), which a NUL would cut short.
      warnings_.push_back("key \"" + key.substr(0, key.find('\0')) +
                          "\\u0000...\" has a NUL character and cannot name a column: ignored like fields outside "
                          "the schema");
      continue;
    }
    InferredType it = k.infer();
    if (it.misfits > 0)
      warnings_.push_back("column \"" + key + "\" is inferred as " + trestle::type_name(it.type) + " although " +
                          std::to_string(it.misfits) + " of its " + std::to_string(it.values) +
                          " sampled values are not (the first: " + it.first_misfit + " at " +
                          location(it.first_misfit_line) +
                          "); their lines are dead-lettered. To read them, declare the column types with the "
                          "\"schema\" option");
    fields.push_back(trestle::Field{key, it.type, true});
  }
  if (fields.empty())
    throw trestle::InvalidArgument("\"" + path_ + "\": the sampled objects have no scalar field to make a column of");
  return trestle::Schema(std::move(fields));
}

trestle::Schema JsonlSource::open() {
  reader_.open(path_);
  done_ = false;
  pending_rows_ = 0;
  warnings_.clear();
  shard_.rewind();
  if (declared_.empty()) {
    reader_.set_mark();
    trestle::Schema s = infer_schema();
    reader_.reset_to_mark();
    schema_ = std::move(s);
  } else {
    std::vector<trestle::Field> fields;
    for (const auto& [name, type] : declared_) fields.push_back(trestle::Field{name, type, true});
    schema_ = trestle::Schema(std::move(fields));
  }
  handler_ = std::make_unique<JsonRowHandler>(schema_, declared_.empty());
  builders_.clear();
  for (const auto& f : schema_.fields()) builders_.emplace_back(f.type);
  opened_ = true;
  return schema_;
}

std::optional<trestle::Batch> JsonlSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (!opened_) throw trestle::Internal("jsonl_source: next() before open()");
  // A drain or an abort ends the read, also one waiting on a pipe or skipping a huge line.
  const std::function<bool()> stop = [&ctx] { return ctx.cancelled(); };
  InterruptScope<LineReader> interrupt(reader_, &stop);
  const int64_t limit = std::max<int64_t>(1, max_rows);
  // DataSource::open() has no Context: the warnings of open() are logged here, once.
  for (const auto& w : warnings_) ctx.warning(w);
  warnings_.clear();
  if (pending_rows_ == 0)
    for (auto& b : builders_) b.reserve(rows_to_reserve(limit, builders_.size()));
  JsonRowHandler& h = *handler_;
  const auto& cells = h.cells();
  const auto& types = h.types();
  int64_t unknown = 0, blank_lines = 0, other_shards = 0;
  Line line;
  while (!done_ && pending_rows_ < limit) {
    if (!reader_.next(&line)) {
      done_ = true;
      break;
    }
    if (blank(line.text)) {
      ++blank_lines;
      continue;
    }
    // Before anything else: a bad line is dead-lettered by its own shard alone.
    if (!shard_.keep_next()) {
      ++other_shards;
      continue;
    }
    if (line.too_long) {
      ctx.reject_record(std::string(line.text), location(line.number),
                        "line exceeds the " + byte_size_text(LineReader::kMaxLineBytes) + " limit");
      continue;
    }
    h.reset();
    if (!nlohmann::json::sax_parse(line.text.begin(), line.text.end(), &h)) {
      ctx.reject_record(std::string(line.text), location(line.number),
                        h.error().empty() ? std::string("invalid JSON") : h.error());
      continue;
    }
    unknown += h.unknown_fields();
    for (size_t c = 0; c < builders_.size(); ++c) {
      const auto& cell = cells[c];
      trestle::ColumnBuilder& b = builders_[c];
      if (cell.null) {
        b.append_null();
        continue;
      }
      switch (types[c]) {
        case trestle::Type::Bool: b.append_bool(cell.b); break;
        case trestle::Type::Int32: b.append_i32(static_cast<int32_t>(cell.i)); break;
        case trestle::Type::Int64: b.append_i64(cell.i); break;
        case trestle::Type::Float32: b.append_f32(static_cast<float>(cell.d)); break;
        case trestle::Type::Float64: b.append_f64(cell.d); break;
        case trestle::Type::TimestampUs: b.append_ts(cell.i); break;
        case trestle::Type::Utf8: b.append_str(cell.s); break;
      }
    }
    ++pending_rows_;
  }
  if (unknown > 0) ctx.count("unknown_fields", static_cast<double>(unknown));
  if (blank_lines > 0) ctx.count("blank_lines", static_cast<double>(blank_lines));
  if (other_shards > 0) ctx.count("other_shards_records", static_cast<double>(other_shards));
  ctx.progress(static_cast<double>(reader_.offset()), static_cast<double>(reader_.file_size()));
  if (pending_rows_ == 0) return std::nullopt;
  std::vector<trestle::Column> cols;
  cols.reserve(builders_.size());
  for (auto& b : builders_) cols.push_back(b.finish());
  pending_rows_ = 0;
  return trestle::Batch(schema_, std::move(cols));
}

void JsonlSource::close(trestle::Context&) { reader_.close(); }

}  // namespace trestle_io
