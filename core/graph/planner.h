#pragma once
/// The planner: turns a validated pipeline into a runnable Plan. It creates every
/// operator instance with its validated options and opens them in topological order,
/// so each node's input schema is checked before any data flows. Every problem is
/// reported (not only the first), located at the node it concerns; a schema problem
/// names the node, its input node and the column.

#include <memory>

#include "common/status.h"
#include "config/diagnostic.h"
#include "config/validate.h"
#include "graph/plan.h"
#include "graph/plan_control.h"
#include "plugin/registry.h"

namespace trestle::core {

/// `registry` must outlive the plan (the plan's instances share its libraries, so
/// only the lookup needs it). On failure returns INVALID_ARGUMENT and fills `diags`.
/// `control`, when given, is told about every create/open call and may interrupt
/// planning (CANCELLED, with a diagnostic); operators see an interruption as
/// cancelled() while they are being created and opened.
Result<std::unique_ptr<Plan>> BuildPlan(const ValidatedPipeline& validated, const PluginRegistry& registry,
                                        Diagnostics* diags, PlanControl* control = nullptr);

}  // namespace trestle::core
