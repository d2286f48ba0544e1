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
  void Abort(const std::string& why) {
    Fail(Status(Code::kCancelled, why));
    abort_.store(true);
  }
  bool aborted() const { return abort_.load(); }
  /// What operators see through the host API's `cancelled`.
  bool cancelled() const { return abort_.load() || failed_.load(); }

 private:
  std::atomic<bool> stop_{false}, failed_{false}, abort_{false};
  mutable std::mutex mu_;
  Status first_error_;
};

}  // namespace trestle::core
