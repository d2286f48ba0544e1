#pragma once
/// The dead-letter budget: a run in which most rows were dead-lettered has not done its
/// job, whatever its exit code would otherwise say. Before the final commit the runner
/// checks the share of rows read that was dead-lettered against the pipeline's
/// execution.max_dead_letter_share (default 0.1), and each node's share of its own input
/// against the node's max_dead_letter_share when it sets one; crossing either fails the
/// run with DATA_ERROR, so nothing is published.

#include "common/status.h"
#include "exec/accounting.h"
#include "graph/plan.h"

namespace trestle::core {

/// Ok, or DATA_ERROR naming the share, the counts and the limit crossed (the run's
/// first, then the nodes' in pipeline order).
Status CheckDeadLetterBudget(const Plan& plan, const RowAccounting& accounting);

}  // namespace trestle::core
