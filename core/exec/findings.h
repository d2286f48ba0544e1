#pragma once
/// Findings as rows. A monitor reports findings as events (trestle/findings.hpp); when
/// sinks are downstream of the monitor node (alert sinks: jsonl_sink, webhook_sink...),
/// the host keeps them in the node's FindingsOutbox and sends them on as batches of one
/// fixed schema. Findings batches belong to no source: they carry source -1, no ticket,
/// and are not part of the row accounting.

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trestle/batch.hpp"
#include "trestle/schema.hpp"

namespace trestle::core {

/// Findings waiting to be sent downstream. Thread-safe.
class FindingsOutbox {
 public:
  void Add(nlohmann::json finding);
  std::vector<nlohmann::json> Take();

 private:
  std::mutex mu_;
  std::vector<nlohmann::json> pending_;
};

/// time, window_start (timestamp[us]); monitor, feature, code, statistic (utf8); value,
/// threshold (float64, null when not finite); top_values (utf8: a JSON array); message.
trestle::Schema FindingsSchema();

/// The rows of `findings` (payloads as trestle/findings.hpp writes them) of monitor
/// node `monitor`. Missing fields become nulls.
trestle::Batch FindingsBatch(const std::string& monitor, const std::vector<nlohmann::json>& findings);

}  // namespace trestle::core
