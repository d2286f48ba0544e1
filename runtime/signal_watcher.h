#pragma once
/// SignalWatcher: turns SIGINT/SIGTERM into a drain and a second one into an abort,
/// aborts when the drain takes longer than its time limit, and turns SIGHUP into a
/// reload (new model versions). Construct it before any
/// other thread starts: it blocks those signals in the calling thread, so every thread
/// created afterwards inherits the mask and only the watcher's sigtimedwait sees them.

#include <atomic>
#include <functional>
#include <thread>

namespace trestle::cli {

class SignalWatcher {
 public:
  struct Actions {
    std::function<void()> drain;                   ///< first signal
    std::function<void(const char* why)> abort;    ///< second signal or drain time-out
    std::function<void()> reload;                  ///< SIGHUP, any number of times
  };
  SignalWatcher();
  ~SignalWatcher();
  /// Starts watching; `drain_timeout_s` counts from the first signal.
  void Start(Actions actions, double drain_timeout_s);
  /// Changes the drain time limit (once the pipeline's is known); a drain already
  /// under way keeps its deadline.
  void set_drain_timeout_s(double s) { drain_timeout_s_.store(s); }
  /// Stops watching (the run ended). Idempotent.
  void Stop();
  int signals_seen() const { return seen_.load(); }

 private:
  void Loop();
  Actions actions_;
  std::atomic<double> drain_timeout_s_{30};
  std::atomic<bool> done_{false};
  std::atomic<int> seen_{0};
  std::thread thread_;
};

}  // namespace trestle::cli
