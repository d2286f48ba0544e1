#pragma once
/// ProgressDisplay: while a batch run goes on a terminal, redraws one stderr line with
/// rows read, rows/s and the share of the input read (when the sources know it).

#include <functional>
#include <thread>

#include "exec/flow_runner.h"
#include "stoppable_sleep.h"

namespace trestle::cli {

class ProgressDisplay {
 public:
  /// Does nothing unless stderr is a terminal.
  explicit ProgressDisplay(const core::FlowRunner* runner);
  ~ProgressDisplay();
  /// Clears the line and stops. Idempotent.
  void Stop();

 private:
  const core::FlowRunner* runner_;
  StoppableSleep sleep_;
  std::thread thread_;
};

}  // namespace trestle::cli
