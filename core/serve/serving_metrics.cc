#include "serve/serving_metrics.h"

#include <vector>

namespace trestle::core {

namespace {

std::vector<double> LatencyBounds() {
  return {LatencyHistogram::kBounds.begin(), LatencyHistogram::kBounds.end()};
}

void AddLatency(Exposition& e, const std::string& family, const Exposition::Labels& labels,
                const LatencyHistogram& h) {
  const auto counts = h.Counts();
  e.AddHistogram(family, labels, LatencyBounds(), {counts.begin(), counts.end()}, h.Sum());
}

}  // namespace

void RowsHistogram::Observe(int64_t rows) {
  size_t i = 0;
  while (i < kBounds.size() && static_cast<double>(rows) > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(rows, std::memory_order_relaxed);
}

void RowsHistogram::AddTo(Exposition& e, const std::string& family, const Exposition::Labels& labels) const {
  std::vector<uint64_t> counts;
  for (const auto& b : buckets_) counts.push_back(b.load());
  e.AddHistogram(family, labels, {kBounds.begin(), kBounds.end()}, counts, static_cast<double>(sum_.load()));
}

void ServingMetrics::Request(int status, const std::string& version, int64_t rows, double latency, double queue,
                             double compute) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto& s = by_version_status_[{version, status}];
    if (!s) s = std::make_unique<Series>();
    ++s->count;
    s->latency.Observe(latency);
  }
  if (queue > 0 || compute > 0) {
    queue_.Observe(queue);
    compute_.Observe(compute);
  }
  request_rows_.Observe(rows);
}

void ServingMetrics::AddTo(Exposition& e, int64_t queued_rows, int64_t outstanding) const {
  const Exposition::Labels model = {{"model", model_}};
  e.Declare("trestle_serving_requests_total", Exposition::Type::kCounter,
            "Inference requests answered, by model version and HTTP status.");
  e.Declare("trestle_serving_request_duration_seconds", Exposition::Type::kHistogram,
            "From a complete request to its response, by model version and HTTP status.");
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, s] : by_version_status_) {
      const Exposition::Labels labels = {{"model", model_}, {"version", key.first}, {"status", std::to_string(key.second)}};
      e.Add("trestle_serving_requests_total", labels, static_cast<int64_t>(s->count));
      AddLatency(e, "trestle_serving_request_duration_seconds", labels, s->latency);
    }
  }
  e.Declare("trestle_serving_queue_duration_seconds", Exposition::Type::kHistogram,
            "Time requests waited in the batcher's queue before their engine batch left.");
  AddLatency(e, "trestle_serving_queue_duration_seconds", model, queue_);
  e.Declare("trestle_serving_compute_duration_seconds", Exposition::Type::kHistogram,
            "Time from a request's engine batch leaving the queue to the end of that batch in the graph.");
  AddLatency(e, "trestle_serving_compute_duration_seconds", model, compute_);
  e.Declare("trestle_serving_request_rows", Exposition::Type::kHistogram, "Rows per inference request.");
  request_rows_.AddTo(e, "trestle_serving_request_rows", model);
  e.Declare("trestle_serving_batch_rows", Exposition::Type::kHistogram,
            "Rows per engine batch formed by the dynamic batcher.");
  batch_rows_.AddTo(e, "trestle_serving_batch_rows", model);
  e.Declare("trestle_serving_queued_rows", Exposition::Type::kGauge, "Rows waiting in the batcher's queue.");
  e.Add("trestle_serving_queued_rows", model, queued_rows);
  e.Declare("trestle_serving_outstanding_requests", Exposition::Type::kGauge,
            "Requests queued or in the graph.");
  e.Add("trestle_serving_outstanding_requests", model, outstanding);
}

}  // namespace trestle::core
