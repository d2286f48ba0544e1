#pragma once
/// EventRecorder: where a run's monitor windows and findings are kept beyond the log and
/// the metrics — the run store. The host calls it from the thread of the monitor's
/// call, so implementations are thread-safe. Payloads are the JSON objects the SDK's
/// trestle/findings.hpp writes (MonitorWindow, Finding).

#include <string>

#include <nlohmann/json.hpp>

namespace trestle::core {

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  /// A closed window of monitor node `node`: {"start_us", "end_us", "rows",
  /// "skipped_batches", "features": [{"feature", "kind", "stats": {...}, "scores": {...}}]}.
  virtual void RecordWindow(const std::string& node, const nlohmann::json& window) = 0;
  /// A finding of monitor node `node`: {"time_us", "window_start_us", "feature", "code",
  /// "statistic", "value", "threshold", "top_values": [{"value", "count", "share"}],
  /// "message"}.
  virtual void RecordFinding(const std::string& node, const nlohmann::json& finding) = 0;
};

}  // namespace trestle::core
