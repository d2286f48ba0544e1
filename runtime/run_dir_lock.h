#pragma once
/// RunDirLock: one run per run directory. Claim() creates the directory, takes an
/// exclusive flock on RUN_DIR/.lock — which the kernel releases however the process
/// ends, kill -9 included — and refuses a directory that another run holds or that
/// already has another run's report, so two runs given the same --run-dir never
/// overwrite each other's report and dead letters.

#include <memory>
#include <string>

#include "common/status.h"

namespace trestle::cli {

class RunDirLock {
 public:
  /// INVALID_ARGUMENT naming the directory and, when known, the run holding it; or
  /// UNAVAILABLE when the directory cannot be created.
  static core::Result<std::unique_ptr<RunDirLock>> Claim(const std::string& run_dir, const std::string& run_id);
  ~RunDirLock();  ///< releases the lock (the file stays)
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  explicit RunDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace trestle::cli
