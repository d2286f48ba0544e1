#pragma once
/// RunState: the flags and first error shared by every part of one run. Thread-safe.

#include <atomic>
#include <mutex>
#include <string>

#include "common/status.h"

namespace trestle::core {

class RunState {
 public:
  /// Drain: sources stop reading; what is in flight goes on to the sinks.
  void RequestStop() { stop_.store(true); }
  bool stopping() const { return stop_.load(); }

  /// The run has failed: sources stop and nodes pass batches through untouched.
  /// Keeps the first error.
  void Fail(const Status& s) {
    std::lock_guard<std::mutex> l(mu_);
    if (first_error_.ok()) first_error_ = s;
    failed_.store(true);
    stop_.store(true);
  }
  bool failed() const { return failed_.load(); }
  Status first_error() const {
    std::lock_guard<std::mutex> l(mu_);
    return first_error_;
  }

  /// Abort (second signal or drain time-out): plugins are asked to stop at once.
  /// Returns false, changing nothing, once the run has passed its commit point: it is
  /// publishing, and stopping it then could leave some outputs published and others not.
  bool Abort(const std::string& why) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (committing_) return false;
      if (first_error_.ok()) first_error_ = Status(Code::kCancelled, why);
      failed_.store(true);
      stop_.store(true);
    }
    abort_.store(true);
    return true;
  }
  /// The commit point: every sink has prepared its final commit and the run has not
  /// failed. Returns false when it has (then nothing may be published); after a true
  /// return Abort() refuses, so the run publishes all of its outputs. Failures (a sink
  /// whose publish fails) are still recorded.
  bool EnterCommitPoint() {
    std::lock_guard<std::mutex> l(mu_);
    if (failed_.load()) return false;
    committing_ = true;
    return true;
  }
  bool committing() const {
    std::lock_guard<std::mutex> l(mu_);
    return committing_;
  }
  bool aborted() const { return abort_.load(); }
  /// What operators see through the host API's `cancelled`.
  bool cancelled() const { return abort_.load() || failed_.load(); }

 private:
  std::atomic<bool> stop_{false}, failed_{false}, abort_{false};
  mutable std::mutex mu_;
  Status first_error_;
  bool committing_ = false;  ///< guarded by mu_
};

}  // namespace trestle::core
