#pragma once
/// Stale-run reconciliation: a run whose process died (kill -9, a crash, a lost node)
/// stays "running" in the run store. Every `trestle run` and `trestle runs` first looks
/// at the runs this host's processes left running; one whose process is gone (pid and
/// identity, common/process_identity.h) is recorded as failed, with the fatal-signal
/// line its process left in RUN_DIR/fatal.txt when there is one.

#include "store/run_store.h"

namespace trestle::cli {

/// Returns how many runs were recorded as failed; store errors are logged.
int ReconcileAbandonedRuns(core::RunStore& store);

}  // namespace trestle::cli
