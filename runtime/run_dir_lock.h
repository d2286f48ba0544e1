#pragma once
/// RunDirLock: one run per run directory. Claim() creates the directory, takes an
/// exclusive flock on RUN_DIR/.lock — which the kernel releases however the process
/// ends, kill -9 included — and refuses a directory that another run holds or that
/// already has another run's report, so two runs given the same --run-dir never
/// overwrite each other's report and dead letters.

#include <memory>
#include <string>

#include "common/status.h"
#include "file_lock.h"

namespace trestle::cli {

class RunDirLock {
 public:
  /// INVALID_ARGUMENT naming the directory and, when known, the run holding it; or
  /// UNAVAILABLE when the directory cannot be created.
  static core::Result<std::unique_ptr<RunDirLock>> Claim(const std::string& run_dir, const std::string& run_id);
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

 private:
  explicit RunDirLock(std::unique_ptr<FileLock> lock) : lock_(std::move(lock)) {}
  std::unique_ptr<FileLock> lock_;
};

}  // namespace trestle::cli
