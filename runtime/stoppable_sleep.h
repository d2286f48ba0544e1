#pragma once
/// StoppableSleep: the sleep of a background thread that wakes every so often (a
/// watchdog, a progress line), cut short when the thread is told to stop, so that
/// joining the thread costs nothing rather than the rest of a tick. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace trestle::cli {

class StoppableSleep {
 public:
  /// Sleeps for `d`, or less once Stop() was called. Returns false when stopped.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> l(mu_);
    return !cv_.wait_for(l, d, [&] { return stopped_; });
  }
  /// Wakes the sleeper; every later SleepFor returns false at once.
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace trestle::cli
