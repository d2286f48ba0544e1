#pragma once
/// OpenWatchdog: bounds the time operators may spend being created and opened. A
/// create() or open() that blocks (a FIFO nobody writes, a server that never answers)
/// cannot be abandoned — its thread is inside plugin code — so when one runs past
/// execution.open_timeout_s, or past `grace` after planning was interrupted (a signal)
/// without returning, the watchdog prints which node, operator and call it is and ends
/// the process with exit code 1. Nothing has been written by then: operators may not
/// have side effects before their first batch (docs/plugin-guide.md).

#include <chrono>
#include <thread>

#include "graph/plan_control.h"
#include "stoppable_sleep.h"

namespace trestle::cli {

class OpenWatchdog {
 public:
  /// Starts watching `control` (which must outlive the watchdog).
  OpenWatchdog(const core::PlanControl* control, std::chrono::milliseconds grace = std::chrono::seconds(5));
  ~OpenWatchdog();  ///< stops watching
  OpenWatchdog(const OpenWatchdog&) = delete;
  OpenWatchdog& operator=(const OpenWatchdog&) = delete;

 private:
  void Loop();
  const core::PlanControl* control_;
  std::chrono::milliseconds grace_;
  StoppableSleep sleep_;
  std::thread thread_;
};

}  // namespace trestle::cli
