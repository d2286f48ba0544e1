#pragma once
/// The run report: what `trestle run --report FILE` writes and the run summary prints —
/// run id, pipeline, config hash, plugin versions and hashes, start and end, status,
/// per-node statistics and the row accounting.

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "exec/flow_runner.h"
#include "graph/plan.h"

namespace trestle::core {

nlohmann::json BuildRunReport(const Plan& plan, const FlowRunner& runner, const std::string& run_id,
                              const Status& status);

/// The human-readable summary printed at the end of a run.
std::string FormatRunSummary(const nlohmann::json& report);

/// Writes `report` to `path` as the runtime writes every file (common/output_file.h):
/// "<path>.tmp-<pid>", fsync, rename; refuses a path that is not a regular file.
Status WriteJsonFile(const std::string& path, const nlohmann::json& report);

}  // namespace trestle::core
