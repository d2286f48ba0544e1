// Operators that exist only to exercise the engine in tests: a counting source that
// records its acks, and a transform whose failures are scripted. Not installed.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <trestle/sdk.hpp>

namespace {

/// Rows id = 0, 1, 2... (int64) and x = id * 0.5 (float64), `rows` of them (0 = until
/// stopped), sleeping `sleep_ms` before each batch. Appends each ack to `ack_file`.
class Sequence final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("sequence", "Counting rows for tests.")
        .param<int64_t>("rows", "rows in all; 0 = endless", 100).min(0)
        .param<int64_t>("sleep_ms", "pause before each batch", 0).min(0)
        .param<std::string>("ack_file", "file that receives one line per ack", "")
        .output_doc("id int64, x float64");
  }
  explicit Sequence(const trestle::Options& o)
      : rows_(o.get<int64_t>("rows")), sleep_ms_(o.get<int64_t>("sleep_ms")), ack_file_(o.get<std::string>("ack_file")) {}
  trestle::Schema open() override {
    return trestle::Schema({{"id", trestle::Type::Int64, false}, {"x", trestle::Type::Float64, true}});
  }
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override {
    if (rows_ > 0 && next_ >= rows_) return std::nullopt;
    for (int64_t slept = 0; slept < sleep_ms_ && !ctx.cancelled(); slept += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    int64_t n = rows_ > 0 ? std::min(max_rows, rows_ - next_) : max_rows;
    trestle::ColumnBuilder id(trestle::Type::Int64, n), x(trestle::Type::Float64, n);
    for (int64_t i = 0; i < n; ++i, ++next_) id.append_i64(next_), x.append_f64(static_cast<double>(next_) * 0.5);
    if (rows_ > 0) ctx.progress(static_cast<double>(next_), static_cast<double>(rows_));
    return trestle::Batch(open(), {id.finish(), x.finish()});
  }
  void ack(uint64_t seq, trestle::Context&) override {
    if (ack_file_.empty()) return;
    std::ofstream(ack_file_, std::ios::app) << seq << "\n";
  }

 private:
  int64_t rows_, sleep_ms_;
  std::string ack_file_;
  int64_t next_ = 0;
};

/// Passes batches through; fails as scripted: `unavailable_calls` first calls return
/// UNAVAILABLE, rows whose id is a multiple of `reject_every` are rejected, a batch
/// containing id `data_error_id` fails with DATA_ERROR, one containing `throw_id` throws
/// a std::runtime_error, and every call sleeps `sleep_ms` (ignoring cancellation).
class Scripted final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("scripted", "A transform that fails on purpose, for tests.")
        .param<int64_t>("unavailable_calls", "calls that fail with UNAVAILABLE first", 0).min(0)
        .param<int64_t>("reject_every", "reject rows whose id is a multiple of this; 0 = none", 0).min(0)
        .param<int64_t>("data_error_id", "a batch holding this id fails with DATA_ERROR; -1 = none", -1)
        .param<int64_t>("throw_id", "a batch holding this id throws; -1 = none", -1)
        .param<int64_t>("sleep_ms", "pause in every call", 0).min(0)
        .input_doc("id int64");
  }
  explicit Scripted(const trestle::Options& o)
      : unavailable_(o.get<int64_t>("unavailable_calls")), reject_every_(o.get<int64_t>("reject_every")),
        data_error_id_(o.get<int64_t>("data_error_id")), throw_id_(o.get<int64_t>("throw_id")),
        sleep_ms_(o.get<int64_t>("sleep_ms")) {}
  trestle::Schema open(const trestle::Schema& in) override {
    in.require("id", trestle::Type::Int64);
    return in;
  }
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override {
    if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    if (calls_++ < unavailable_) throw trestle::Unavailable("scripted outage " + std::to_string(calls_));
    const trestle::Column& id = in.column("id");
    std::vector<uint8_t> keep(static_cast<size_t>(in.num_rows()), 1);
    for (int64_t r = 0; r < in.num_rows(); ++r) {
      int64_t v = id.i64(r);
      if (v == data_error_id_) throw trestle::DataError("scripted bad batch at id " + std::to_string(v));
      if (v == throw_id_) throw std::runtime_error("scripted crash at id " + std::to_string(v));
      if (reject_every_ > 0 && v % reject_every_ == 0) {
        ctx.reject(r, "id " + std::to_string(v) + " is a multiple of " + std::to_string(reject_every_));
        keep[static_cast<size_t>(r)] = 0;
      }
    }
    return in.filter(keep);
  }

 private:
  int64_t unavailable_, reject_every_, data_error_id_, throw_id_, sleep_ms_;
  int64_t calls_ = 0;
};

}  // namespace

TRESTLE_PLUGIN("testkit", "0.1.0", Sequence, Scripted)
