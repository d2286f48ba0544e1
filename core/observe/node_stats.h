#pragma once
/// NodeStats: the counters of one pipeline node, updated lock-free on the data path
/// (one update per batch, never per row). Plugin-defined metrics go to a small map
/// under a mutex; they are per call, not per row.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace trestle::core {

/// Fixed-bucket latency histogram (seconds), Prometheus-style cumulative on export.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.5,    1.0};
  void Observe(double seconds);
  /// counts[i] = observations <= kBounds[i] (not cumulative); last = above every bound.
  std::array<uint64_t, kBounds.size() + 1> Counts() const;
  double Sum() const { return sum_micros_.load() / 1e6; }
  uint64_t Count() const { return count_.load(); }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

struct NodeStats {
  std::atomic<int64_t> batches_in{0}, batches_out{0};
  std::atomic<int64_t> rows_in{0}, rows_out{0};
  std::atomic<int64_t> dead_lettered{0}, filtered{0}, skipped{0};
  std::atomic<int64_t> retries{0};
  std::atomic<int64_t> in_flight{0};
  std::array<std::atomic<int64_t>, 8> errors_by_code{};  ///< indexed by TrestleStatusCode
  LatencyHistogram latency;

  void AddCustom(const std::string& name, double delta);
  void SetGauge(const std::string& name, double value);
  std::map<std::string, double> Custom() const;
  /// The same with each metric's kind: a gauge once SetGauge has set it, else a counter
  /// (AddCustom). The admin endpoint exports counters as `_total`, gauges as they are.
  struct CustomMetric {
    double value = 0;
    bool gauge = false;
  };
  std::map<std::string, CustomMetric> CustomMetrics() const;
  /// Monitors: one more finding with stable code `code`; and one more closed window.
  void AddFinding(const std::string& code);
  std::map<std::string, int64_t> Findings() const;
  std::atomic<int64_t> windows{0};

 private:
  mutable std::mutex mu_;
  std::map<std::string, double> custom_;
  std::set<std::string> gauges_;  ///< names set through SetGauge
  std::map<std::string, int64_t> findings_;
};

}  // namespace trestle::core
