#pragma once
/// The planner: turns a validated pipeline into a runnable Plan. It creates every
/// operator instance with its validated options and opens them in topological order,
/// so each node's input schema is checked before any data flows. Every problem is
/// reported (not only the first), located at the node it concerns; a schema problem
/// names the node, its input node and the column.

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/diagnostic.h"
#include "config/validate.h"
#include "graph/plan.h"
#include "graph/plan_control.h"
#include "plugin/registry.h"

namespace trestle::core {

/// A file the host itself reads or writes in a run (--report, RUN_DIR/report.json...):
/// `what` names it in messages. Planning refuses a node's path option, or
/// dead_letter.path, that names the same file.
struct HostFile {
  std::string path;
  std::string what;
  bool writes = true;
  /// The run's default dead-letter file: claimed only when dead_letter.path is not set.
  bool default_dead_letters = false;
};

/// `registry` must outlive the plan (the plan's instances share its libraries, so
/// only the lookup needs it). On failure returns INVALID_ARGUMENT and fills `diags`.
/// `control`, when given, is told about every create/open call and may interrupt
/// planning (CANCELLED, with a diagnostic); operators see an interruption as
/// cancelled() while they are being created and opened.
Result<std::unique_ptr<Plan>> BuildPlan(const ValidatedPipeline& validated, const PluginRegistry& registry,
                                        Diagnostics* diags, PlanControl* control = nullptr,
                                        const std::vector<HostFile>& host_files = {});

}  // namespace trestle::core
