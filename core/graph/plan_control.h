#pragma once
/// PlanControl: lets another thread watch and stop the planner while it creates and
/// opens operators, because an operator's open() may block (a FIFO nobody writes, a
/// server that does not answer). The planner marks every create/open call with
/// Enter/Leave; a watcher (the CLI's signal watcher and runtime/open_watchdog.h) reads
/// Current() and calls Interrupt(), which operators see as cancelled() and which makes
/// the planner stop after the call in progress. Thread-safe.

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace trestle::core {

class PlanControl {
 public:
  void Interrupt() { interrupted_.store(true); }
  bool interrupted() const { return interrupted_.load(); }
  /// What operators' hosts read for cancelled(); valid as long as this object.
  const std::atomic<bool>* interrupted_flag() const { return &interrupted_; }

  /// A create/open call begins: `what` names node, operator and call.
  void Enter(std::string what) {
    std::lock_guard<std::mutex> l(mu_);
    current_ = std::move(what);
    since_ = std::chrono::steady_clock::now();
  }
  void Leave() {
    std::lock_guard<std::mutex> l(mu_);
    current_.clear();
  }
  /// The call in progress and for how many seconds, or nullopt between calls.
  std::optional<std::pair<std::string, double>> Current() const {
    std::lock_guard<std::mutex> l(mu_);
    if (current_.empty()) return std::nullopt;
    return std::make_pair(current_, std::chrono::duration<double>(std::chrono::steady_clock::now() - since_).count());
  }

  /// execution.open_timeout_s of the pipeline being planned (0 = none yet).
  void set_open_timeout_s(double s) { open_timeout_s_.store(s); }
  double open_timeout_s() const { return open_timeout_s_.load(); }

 private:
  std::atomic<bool> interrupted_{false};
  std::atomic<double> open_timeout_s_{0};
  mutable std::mutex mu_;
  std::string current_;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace trestle::core
