// Operators that exist only to exercise the engine in tests: a counting source that
// records its acks, a transform whose failures are scripted, and a monitor that reports
// fixed windows and findings. Not installed.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <trestle/sdk.hpp>

#include <trestle/findings.hpp>

namespace {

/// Appends the calling thread's id (gettid) as one line to `path`; nothing when empty.
void RecordThread(const std::string& path) {
  if (path.empty()) return;
  std::ofstream(path, std::ios::app) << ::gettid() << "\n";
}

/// Rows id = 0, 1, 2... (int64) and x = id * 0.5 (float64), `rows` of them (0 = until
/// stopped), sleeping `sleep_ms` before each batch. Appends each ack to `ack_file`, and
/// the id of the thread of each next() call to `thread_file`.
/// With `idle_after` rows > 0 it then goes idle as a drained stream does: each call
/// waits `idle_ms` and returns an empty batch, until stopped; each ack line then also
/// says how many such idle calls came before it.
class Sequence final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("sequence", "Counting rows for tests.")
        .param<int64_t>("rows", "rows in all; 0 = endless", 100).min(0)
        .param<int64_t>("sleep_ms", "pause before each batch", 0).min(0)
        .param<std::string>("ack_file", "file that receives one line per ack", "")
        .param<std::string>("thread_file", "file that receives the calling thread's id, one line per next()", "")
        .param<int64_t>("idle_after", "rows after which every call returns an empty batch; 0 = never", 0).min(0)
        .param<int64_t>("idle_ms", "how long an idle call waits before its empty batch", 100).min(0)
        .output_doc("id int64, x float64");
  }
  explicit Sequence(const trestle::Options& o)
      : rows_(o.get<int64_t>("rows")),
        sleep_ms_(o.get<int64_t>("sleep_ms")),
        idle_after_(o.get<int64_t>("idle_after")),
        idle_ms_(o.get<int64_t>("idle_ms")),
        ack_file_(o.get<std::string>("ack_file")),
        thread_file_(o.get<std::string>("thread_file")) {}
  trestle::Schema open() override {
    return trestle::Schema({{"id", trestle::Type::Int64, false}, {"x", trestle::Type::Float64, true}});
  }
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override {
    RecordThread(thread_file_);
    if (rows_ > 0 && next_ >= rows_) return std::nullopt;
    if (idle_after_ > 0 && next_ >= idle_after_) {
      for (int64_t slept = 0; slept < idle_ms_ && !ctx.cancelled(); slept += 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (ctx.cancelled()) return std::nullopt;
      ++idle_calls_;
      return trestle::Batch(open(), {trestle::ColumnBuilder(trestle::Type::Int64, 0).finish(),
                                     trestle::ColumnBuilder(trestle::Type::Float64, 0).finish()});
    }
    if (idle_after_ > 0) max_rows = std::min(max_rows, idle_after_ - next_);
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
    std::ofstream out(ack_file_, std::ios::app);
    out << seq;
    if (idle_after_ > 0) out << " " << idle_calls_;
    out << "\n";
  }

 private:
  int64_t rows_, sleep_ms_, idle_after_, idle_ms_;
  std::string ack_file_, thread_file_;
  int64_t next_ = 0;
  int64_t idle_calls_ = 0;
};

/// Passes batches through; fails as scripted: `unavailable_calls` first calls return
/// UNAVAILABLE, rows whose id is a multiple of `reject_every` are rejected, a batch
/// containing id `data_error_id` fails with DATA_ERROR, one containing `throw_id` throws
/// a std::runtime_error, and every call sleeps `sleep_ms` (ignoring cancellation). Each
/// call appends its thread's id to `thread_file`.
class Scripted final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("scripted", "A transform that fails on purpose, for tests.")
        .param<int64_t>("unavailable_calls", "calls that fail with UNAVAILABLE first", 0).min(0)
        .param<int64_t>("reject_every", "reject rows whose id is a multiple of this; 0 = none", 0).min(0)
        .param<int64_t>("data_error_id", "a batch holding this id fails with DATA_ERROR; -1 = none", -1)
        .param<int64_t>("throw_id", "a batch holding this id throws; -1 = none", -1)
        .param<int64_t>("sleep_ms", "pause in every call", 0).min(0)
        .param<std::string>("thread_file", "file that receives the calling thread's id, one line per call", "")
        .input_doc("id int64");
  }
  explicit Scripted(const trestle::Options& o)
      : unavailable_(o.get<int64_t>("unavailable_calls")), reject_every_(o.get<int64_t>("reject_every")),
        data_error_id_(o.get<int64_t>("data_error_id")), throw_id_(o.get<int64_t>("throw_id")),
        sleep_ms_(o.get<int64_t>("sleep_ms")), thread_file_(o.get<std::string>("thread_file")) {}
  trestle::Schema open(const trestle::Schema& in) override {
    in.require("id", trestle::Type::Int64);
    return in;
  }
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override {
    RecordThread(thread_file_);
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
  std::string thread_file_;
  int64_t calls_ = 0;
};

/// An aggregating transform (ABI 1.3): counts rows by `column` % `groups` (an int64
/// column, default id) and, at the end,
/// emits (key int64, rows int64) for every key seen, ascending, at most max_rows per
/// finish() call. Rejects rows whose id is a multiple of `reject_every`; finish() fails
/// with DATA_ERROR when `fail_finish` is set.
class ModuloCount final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("modulo_count", "Counts rows by id modulo `groups`, for tests of aggregation.")
        .param<int64_t>("groups", "number of keys", 3).min(1)
        .param<std::string>("column", "the int64 column to group by", std::string("id"))
        .param<int64_t>("reject_every", "reject rows whose id is a multiple of this; 0 = none", 0).min(0)
        .param<bool>("fail_finish", "finish() fails", false)
        .input_doc("id int64")
        .output_doc("key int64, rows int64")
        .aggregating();
  }
  explicit ModuloCount(const trestle::Options& o)
      : groups_(o.get<int64_t>("groups")), column_(o.get<std::string>("column")), reject_every_(o.get<int64_t>("reject_every")),
        fail_finish_(o.get<bool>("fail_finish")) {}
  trestle::Schema open(const trestle::Schema& in) override {
    in.require(column_, trestle::Type::Int64);
    return output();
  }
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override {
    const trestle::Column& id = in.column(column_);
    for (int64_t r = 0; r < in.num_rows(); ++r) {
      int64_t v = id.i64(r);
      if (reject_every_ > 0 && v % reject_every_ == 0) ctx.reject(r, column_ + " " + std::to_string(v) + " refused");
      else ++counts_[((v % groups_) + groups_) % groups_];
    }
    return trestle::Batch(output(), {trestle::ColumnBuilder(trestle::Type::Int64, 0).finish(),
                                     trestle::ColumnBuilder(trestle::Type::Int64, 0).finish()});
  }
  std::optional<trestle::Batch> finish(int64_t max_rows, trestle::Context&) override {
    if (fail_finish_) throw trestle::DataError("scripted failure in finish()");
    if (!finishing_) next_ = counts_.begin(), finishing_ = true;
    if (next_ == counts_.end()) return std::nullopt;
    trestle::ColumnBuilder key(trestle::Type::Int64, max_rows), rows(trestle::Type::Int64, max_rows);
    for (int64_t n = 0; n < max_rows && next_ != counts_.end(); ++n, ++next_)
      key.append_i64(next_->first), rows.append_i64(next_->second);
    return trestle::Batch(output(), {key.finish(), rows.finish()});
  }

 private:
  static trestle::Schema output() {
    return trestle::Schema({{"key", trestle::Type::Int64, false}, {"rows", trestle::Type::Int64, false}});
  }
  int64_t groups_;
  std::string column_;
  int64_t reject_every_;
  bool fail_finish_;
  std::map<int64_t, int64_t> counts_;
  bool finishing_ = false;
  std::map<int64_t, int64_t>::const_iterator next_;
};

/// Reports a window of numeric column `column` every `window_rows` rows (and the rest at
/// close; windows follow each other in time without overlapping): count, null_share, mean, min, p50, max, four histogram bins over [0, `range`)
/// as shares ("bin_0".."bin_3", beyond the range counted in the last) beside a flat
/// reference ("ref_bin_0".. = 0.25), and the score psi = 0.01, or 0.5 from window
/// `drift_from_window` on (-1 = never), which is then also a DRIFT finding (threshold
/// 0.2) with a fixed top value. Counts windows and findings (metrics
/// "windows_reported", "findings_reported") so tests can check the run store. Every
/// observe call sleeps `observe_sleep_ms` (a monitor that falls behind) and sets the
/// gauge "observe_sched_idle" to 1 when the calling thread runs under SCHED_IDLE.
class FixedMonitor final : public trestle::Monitor {
 public:
  static trestle::OperatorSpec spec() {
    return trestle::OperatorSpec("fixed_monitor", "A monitor reporting fixed windows and findings, for tests.")
        .param<std::string>("column", "numeric column to describe", "x")
        .param<int64_t>("window_rows", "rows per window", 50).min(1)
        .param<int64_t>("drift_from_window", "first window (0-based) with a DRIFT finding; -1 = none", -1)
        .param<double>("range", "histogram range [0, range)", 100.0)
        .param<int64_t>("observe_sleep_ms", "pause in every observe call", 0).min(0)
        .input_doc("the column named by `column`, numeric");
  }
  explicit FixedMonitor(const trestle::Options& o)
      : column_(o.get<std::string>("column")), window_rows_(o.get<int64_t>("window_rows")),
        drift_from_(o.get<int64_t>("drift_from_window")), range_(o.get<double>("range")),
        sleep_ms_(o.get<int64_t>("observe_sleep_ms")) {}
  void open(const trestle::Schema& in) override { in.require_numeric(column_); }
  void observe(const trestle::Batch& batch, trestle::Context& ctx) override {
    int policy = 0;
    sched_param param{};
    pthread_getschedparam(pthread_self(), &policy, &param);
    ctx.gauge("observe_sched_idle", policy == SCHED_IDLE ? 1 : 0);
    if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    const trestle::Column& c = batch.column(column_);
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      if (values_.empty() && nulls_ == 0) start_us_ = std::max(NowUs(), last_end_us_ + 1);
      if (c.is_null(r)) ++nulls_;
      else values_.push_back(c.as_double(r));
      if (static_cast<int64_t>(values_.size()) + nulls_ >= window_rows_) Close(ctx);
    }
  }
  void close(trestle::Context& ctx) override {
    if (!values_.empty() || nulls_ > 0) Close(ctx);
  }

 private:
  static int64_t NowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void Close(trestle::Context& ctx) {
    trestle::MonitorWindow w;
    w.start_us = start_us_;
    w.end_us = last_end_us_ = std::max(NowUs(), start_us_ + 1);
    w.rows = static_cast<int64_t>(values_.size()) + nulls_;
    trestle::FeatureWindow f;
    f.feature = column_;
    f.kind = "numeric";
    std::sort(values_.begin(), values_.end());
    double sum = 0;
    double bins[4] = {0, 0, 0, 0};
    for (double v : values_) {
      sum += v;
      int b = v < 0 ? 0 : static_cast<int>(v / (range_ / 4));
      bins[std::min(b, 3)] += 1;
    }
    const double n = static_cast<double>(values_.size());
    f.stats["count"] = n;
    f.stats["null_share"] = static_cast<double>(nulls_) / static_cast<double>(w.rows);
    if (!values_.empty()) {
      f.stats["mean"] = sum / n;
      f.stats["min"] = values_.front();
      f.stats["p50"] = values_[values_.size() / 2];
      f.stats["max"] = values_.back();
    }
    for (int b = 0; b < 4; ++b) {
      f.stats["bin_" + std::to_string(b)] = n > 0 ? bins[b] / n : 0;
      f.stats["ref_bin_" + std::to_string(b)] = 0.25;
    }
    const bool drift = drift_from_ >= 0 && index_ >= drift_from_;
    f.scores["psi"] = drift ? 0.5 : 0.01;
    w.features.push_back(f);
    trestle::report_window(ctx, w);
    ctx.count("windows_reported");
    if (drift) {
      trestle::Finding d;
      d.time_us = w.end_us;
      d.window_start_us = w.start_us;
      d.feature = column_;
      d.code = "DRIFT";
      d.statistic = "psi";
      d.value = 0.5;
      d.threshold = 0.2;
      d.top_values.push_back({"<b>&'x\"", 3, 0.5});
      d.message = "psi 0.5 above 0.2 on " + column_;
      trestle::report_finding(ctx, d);
      ctx.count("findings_reported");
    }
    ++index_;
    values_.clear();
    nulls_ = 0;
  }

  std::string column_;
  int64_t window_rows_, drift_from_;
  double range_;
  int64_t sleep_ms_;
  std::vector<double> values_;
  int64_t nulls_ = 0, start_us_ = 0, last_end_us_ = 0, index_ = 0;
};

}  // namespace

TRESTLE_PLUGIN("testkit", "0.1.0", Sequence, Scripted, ModuloCount, FixedMonitor)
