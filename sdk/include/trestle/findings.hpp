#pragma once
/// How monitors report what they see, so that the host can keep it: a monitor calls
/// `report_window(ctx, window)` once per window it closes (every feature's statistics
/// and drift scores, alert or not) and `report_finding(ctx, finding)` for every anomaly
/// or drift alert. Both travel as events (`emit_event`, kinds "monitor_window" and
/// "finding") whose JSON is written here; the host logs findings at WARNING, counts them
/// in metrics, records windows and findings in the run store, and sends findings as rows
/// to the sinks downstream of the monitor node (alert sinks).
///
/// Times are microseconds since the Unix epoch (UTC). Non-finite numbers are written as
/// null.

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "trestle/context.hpp"
#include "trestle/spec.hpp"

namespace trestle {

/// One value of a categorical feature and how often it was seen in the window.
struct TopValue {
  std::string value;
  int64_t count = 0;
  double share = 0;  ///< of the window's non-null values
};

/// An anomaly (schema_monitor) or a drift alert (drift_monitor, prediction_monitor).
struct Finding {
  int64_t time_us = 0;          ///< when it was seen: the end of its window
  int64_t window_start_us = 0;  ///< the start of that window
  std::string feature;          ///< column; empty for table-level findings (too few rows)
  std::string code;             ///< stable code, e.g. "UNKNOWN_CATEGORICAL_VALUES", "DRIFT"
  std::string statistic;        ///< e.g. "psi", "ks_p", "null_share"
  double value = 0;             ///< the statistic in this window
  double threshold = 0;         ///< the limit it crossed
  std::vector<TopValue> top_values;  ///< e.g. the most frequent new values
  std::string message;          ///< one line for people
};

/// One feature's numbers in one window.
struct FeatureWindow {
  std::string feature;
  std::string kind;                     ///< "numeric" or "categorical"
  std::map<std::string, double> stats;  ///< e.g. count, null_share, mean, p50, nan_count
  std::map<std::string, double> scores; ///< e.g. psi, ks, ks_p, js, chi2, chi2_p, linf, wasserstein
};

/// A closed monitor window: its time span, how many rows it saw, how many batches the
/// monitor skipped (it was behind), and every feature's statistics and scores.
struct MonitorWindow {
  int64_t start_us = 0, end_us = 0;
  int64_t rows = 0;
  int64_t skipped_batches = 0;
  std::vector<FeatureWindow> features;
};

namespace detail {
inline std::string json_finite(double d) { return std::isfinite(d) ? json_number(d) : "null"; }
inline std::string json_map(const std::map<std::string, double>& m) {
  std::string o = "{";
  for (const auto& [k, v] : m) o += (o.size() > 1 ? "," : "") + json_quote(k) + ":" + json_finite(v);
  return o + "}";
}
}  // namespace detail

inline std::string to_json(const Finding& f) {
  std::string top = "[";
  for (const auto& t : f.top_values)
    top += (top.size() > 1 ? "," : "") + std::string("{\"value\":") + detail::json_quote(t.value) +
           ",\"count\":" + std::to_string(t.count) + ",\"share\":" + detail::json_finite(t.share) + "}";
  top += "]";
  return "{\"time_us\":" + std::to_string(f.time_us) + ",\"window_start_us\":" + std::to_string(f.window_start_us) +
         ",\"feature\":" + detail::json_quote(f.feature) + ",\"code\":" + detail::json_quote(f.code) + ",\"statistic\":" +
         detail::json_quote(f.statistic) + ",\"value\":" + detail::json_finite(f.value) + ",\"threshold\":" +
         detail::json_finite(f.threshold) + ",\"top_values\":" + top + ",\"message\":" + detail::json_quote(f.message) + "}";
}

inline std::string to_json(const MonitorWindow& w) {
  std::string features = "[";
  for (const auto& f : w.features)
    features += (features.size() > 1 ? "," : "") + std::string("{\"feature\":") + detail::json_quote(f.feature) +
                ",\"kind\":" + detail::json_quote(f.kind) + ",\"stats\":" + detail::json_map(f.stats) +
                ",\"scores\":" + detail::json_map(f.scores) + "}";
  features += "]";
  return "{\"start_us\":" + std::to_string(w.start_us) + ",\"end_us\":" + std::to_string(w.end_us) +
         ",\"rows\":" + std::to_string(w.rows) + ",\"skipped_batches\":" + std::to_string(w.skipped_batches) +
         ",\"features\":" + features + "}";
}

inline void report_finding(const Context& ctx, const Finding& f) { ctx.event("finding", to_json(f)); }
inline void report_window(const Context& ctx, const MonitorWindow& w) { ctx.event("monitor_window", to_json(w)); }

}  // namespace trestle
