#pragma once
/// FileLock: an exclusive flock on a file, released by the kernel however the process
/// ends (kill -9 included). The holder writes a one-line note (who holds it) into the
/// file, so that a refused claimant can say who is in the way.

#include <memory>
#include <string>

#include "common/status.h"

namespace trestle::cli {

class FileLock {
 public:
  /// What TryAcquire found.
  struct Attempt {
    std::unique_ptr<FileLock> lock;  ///< null when another process holds it
    std::string holder;              ///< the holder's note when busy (may be empty)
  };
  /// Creates `path` (and its directory) if needed and tries to lock it without waiting;
  /// on success writes `note` into it. UNAVAILABLE when it cannot be created or opened.
  static core::Result<Attempt> TryAcquire(const std::string& path, const std::string& note);
  ~FileLock();  ///< releases the lock (the file stays)
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace trestle::cli
