#include "observe/node_stats.h"

namespace trestle::core {

void LatencyHistogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::array<uint64_t, LatencyHistogram::kBounds.size() + 1> LatencyHistogram::Counts() const {
  std::array<uint64_t, kBounds.size() + 1> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = buckets_[i].load();
  return out;
}

void NodeStats::AddCustom(const std::string& name, double delta) {
  std::lock_guard<std::mutex> l(mu_);
  custom_[name] += delta;
}

void NodeStats::SetGauge(const std::string& name, double value) {
  std::lock_guard<std::mutex> l(mu_);
  custom_[name] = value;
  gauges_.insert(name);
}

std::map<std::string, double> NodeStats::Custom() const {
  std::lock_guard<std::mutex> l(mu_);
  return custom_;
}

std::map<std::string, NodeStats::CustomMetric> NodeStats::CustomMetrics() const {
  std::lock_guard<std::mutex> l(mu_);
  std::map<std::string, CustomMetric> out;
  for (const auto& [name, value] : custom_) out[name] = CustomMetric{value, gauges_.count(name) > 0};
  return out;
}

void NodeStats::AddFinding(const std::string& code) {
  std::lock_guard<std::mutex> l(mu_);
  ++findings_[code];
}

std::map<std::string, int64_t> NodeStats::Findings() const {
  std::lock_guard<std::mutex> l(mu_);
  return findings_;
}

}  // namespace trestle::core
