#pragma once
/// ServingMetrics: what `trestle serve` adds to /metrics (docs/serving.md lists them):
/// requests by model version and HTTP status with their latency, time in the queue and
/// in the graph, rows per request, and (from the batcher) rows per engine batch and the
/// queue's depth. Thread-safe; a request is recorded once, when it is answered.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "observe/node_stats.h"
#include "observe/prometheus.h"

namespace trestle::core {

/// Counts of a value (rows) in power-of-two buckets 1, 2, 4 ... 4096, and above.
class RowsHistogram {
 public:
  static constexpr std::array<double, 13> kBounds = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096};
  void Observe(int64_t rows);
  void AddTo(Exposition& e, const std::string& family, const Exposition::Labels& labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<int64_t> sum_{0};
};

class ServingMetrics {
 public:
  explicit ServingMetrics(std::string model) : model_(std::move(model)) {}

  /// One answered request: its HTTP status, the version that served it ("" when none
  /// did), its rows, and its times (seconds; queue and compute 0 when it never ran).
  void Request(int status, const std::string& version, int64_t rows, double latency, double queue, double compute);
  /// One engine batch of `rows` rows left the batcher.
  void Batch(int64_t rows) { batch_rows_.Observe(rows); }

  /// Adds the serving families; `queued_rows` and `outstanding` are the batcher's now.
  void AddTo(Exposition& e, int64_t queued_rows, int64_t outstanding) const;

 private:
  struct Series {
    uint64_t count = 0;
    LatencyHistogram latency;
  };
  const std::string model_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::unique_ptr<Series>> by_version_status_;
  LatencyHistogram queue_, compute_;
  RowsHistogram request_rows_, batch_rows_;
};

}  // namespace trestle::core
