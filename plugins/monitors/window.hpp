#pragma once
// WindowedMonitor: the windowing shared by the monitors. A window closes after
// window_rows rows (a batch that crosses the limit is split, zero-copy, so every
// window but the last has exactly window_rows rows) or once window_seconds have passed
// since its first row, whichever comes first. Time is checked when a batch arrives (a
// monitor has no thread of its own): an idle stream closes its window with the next
// batch or at close(). close() flushes the last, partial window; a run that saw no
// rows at all still closes one empty window, so that schema findings and TOO_FEW_ROWS
// are reported.

#include <chrono>
#include <cstdint>

#include <trestle/sdk.hpp>

namespace monitors {

struct WindowSpan {
  int64_t index = 0;  ///< 0 for the first window of the run
  int64_t start_us = 0, end_us = 0;  ///< wall clock, microseconds since the epoch
  int64_t rows = 0;
  bool last = false;  ///< flushed by close()
  bool by_time = false;  ///< closed because window_seconds passed
};

/// Microseconds since the Unix epoch, now.
int64_t now_us();

class WindowedMonitor : public trestle::Monitor {
 public:
  /// Declares window_rows and window_seconds on `spec`.
  static trestle::OperatorSpec& window_params(trestle::OperatorSpec& spec);
  explicit WindowedMonitor(const trestle::Options& o);

  void observe(const trestle::Batch& batch, trestle::Context& ctx) final;
  void close(trestle::Context& ctx) override;

 protected:
  /// A new window begins; reset the accumulators.
  virtual void begin_window(int64_t index) = 0;
  /// Rows of the current window (a whole batch or a slice of one).
  virtual void accumulate(const trestle::Batch& rows) = 0;
  /// The current window closed: compute, report_window, report_finding.
  virtual void end_window(trestle::Context& ctx, const WindowSpan& span) = 0;

 private:
  void start(int64_t wall_us);
  void finish(trestle::Context& ctx, bool last, bool by_time);

  int64_t window_rows_;
  double window_seconds_;
  bool open_ = false;
  int64_t index_ = 0;
  int64_t rows_ = 0;
  int64_t start_us_ = 0;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace monitors
