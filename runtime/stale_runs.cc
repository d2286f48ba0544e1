#include "stale_runs.h"

#include <filesystem>
#include <fstream>

#include <glog/logging.h>

#include "exec/row_json.h"
#include "fatal_signals.h"

namespace trestle::cli {

int ReconcileAbandonedRuns(core::RunStore& store) {
  const core::ProcessIdentity self = core::CurrentProcess();
  auto running = store.RunningOn(self.host);
  if (!running.ok()) {
    LOG(WARNING) << "run store: " << running.status().message();
    return 0;
  }
  int marked = 0;
  for (const core::RunningRun& r : *running) {
    if (core::StillRunning(r.owner.process)) continue;
    std::string fatal;
    if (!r.owner.run_dir.empty()) {
      std::ifstream in(std::filesystem::path(r.owner.run_dir) / kFatalReportFile);
      std::getline(in, fatal);
    }
    const std::string error = "INTERNAL: the process running it (pid " + std::to_string(r.owner.process.pid) + " on " +
                              r.owner.process.host + ") ended before the run did: " +
                              (fatal.empty() ? std::string("it was killed (SIGKILL, out of memory, a shutdown) or lost")
                                             : fatal);
    core::Status st = store.MarkAbandoned(r.run_id, error, core::NowIso());
    if (!st.ok()) {
      LOG(WARNING) << "run store: " << st.message();
      continue;
    }
    ++marked;
    LOG(WARNING) << "run " << r.run_id << " (started " << r.started << ") was left running by pid " << r.owner.process.pid
                 << ", which is gone: recorded as failed";
  }
  return marked;
}

}  // namespace trestle::cli
