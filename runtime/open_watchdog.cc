#include "open_watchdog.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "exit_codes.h"

namespace trestle::cli {

OpenWatchdog::OpenWatchdog(const core::PlanControl* control, std::chrono::milliseconds grace)
    : control_(control), grace_(grace), thread_([this] { Loop(); }) {}

OpenWatchdog::~OpenWatchdog() {
  sleep_.Stop();
  if (thread_.joinable()) thread_.join();
}

void OpenWatchdog::Loop() {
  std::chrono::steady_clock::time_point interrupted_at{};
  while (sleep_.SleepFor(std::chrono::milliseconds(50))) {
    const auto now = std::chrono::steady_clock::now();
    if (control_->interrupted() && interrupted_at == std::chrono::steady_clock::time_point{}) interrupted_at = now;
    auto current = control_->Current();
    if (!current) continue;
    const double limit = control_->open_timeout_s();
    std::string why;
    if (limit > 0 && current->second > limit) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%g", limit);
      why = "has not returned after " + std::string(secs) + " s (execution.open_timeout_s)";
    } else if (interrupted_at != std::chrono::steady_clock::time_point{} && now - interrupted_at > grace_) {
      why = "did not return within " + std::to_string(grace_.count()) + " ms of the interrupting signal";
    } else {
      continue;
    }
    // The call cannot be abandoned (its thread is in plugin code): end the process.
    const std::string line = "trestle: " + current->first + " " + why + "; nothing was run or written; exiting\n";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    std::_Exit(kExitRunFailed);
  }
}

}  // namespace trestle::cli
