#pragma once
// WindowedMonitor: the windowing shared by the monitors. A window closes after
// window_rows rows (a batch that crosses the limit is split, zero-copy, so every
// window but the last has exactly window_rows rows) or when window_seconds have
// passed, whichever comes first. By default there is no row limit and an hour's time
// limit: a batch run makes one window (so that a daily run is a day's window) and a
// long-running service one window an hour. close() flushes the last, partial window; a run that
// saw no rows at all still closes one empty window, so that schema findings and
// TOO_FEW_ROWS are reported.
//
// Time is wall-clock time unless `time_column` names a timestamp column of the input:
//  - wall clock: a window spans from its first row's arrival to its close; its time
//    limit is checked when a batch arrives (a monitor has no thread of its own), so an
//    idle stream closes its window with the next batch or at close().
//  - data time (time_column): a window spans the earliest to the latest timestamp of
//    its rows, so a replayed file reports the time its rows describe. With
//    window_seconds > 0, windows are tumbling and aligned to multiples of
//    window_seconds since the Unix epoch (86400: UTC days); the first row whose time
//    falls in a later slot closes the window. A row earlier than the current slot
//    (out of order) stays in the current window and is counted as late; rows with a
//    null timestamp stay in the current window too.

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include <trestle/sdk.hpp>

namespace monitors {

struct WindowSpan {
  int64_t index = 0;  ///< 0 for the first window of the run
  int64_t start_us = 0, end_us = 0;  ///< microseconds since the epoch (wall or data time)
  int64_t rows = 0;
  int64_t late_rows = 0;  ///< data time: rows earlier than the window's slot
  bool last = false;  ///< flushed by close()
  bool by_time = false;  ///< closed because window_seconds passed
  bool data_time = false;  ///< start/end come from time_column
};

/// Microseconds since the Unix epoch, now.
int64_t now_us();

class WindowedMonitor : public trestle::Monitor {
 public:
  /// Declares window_rows, window_seconds and time_column on `spec`.
  static trestle::OperatorSpec& window_params(trestle::OperatorSpec& spec);
  explicit WindowedMonitor(const trestle::Options& o);

  /// Finds time_column in `input` (InvalidArgument naming it when absent or not a
  /// timestamp), then calls open_input.
  void open(const trestle::Schema& input) final;
  void observe(const trestle::Batch& batch, trestle::Context& ctx) final;
  void close(trestle::Context& ctx) override;

 protected:
  /// The input schema is known: prepare the features.
  virtual void open_input(const trestle::Schema& input) = 0;
  /// A new window begins; reset the accumulators.
  virtual void begin_window(int64_t index) = 0;
  /// Rows of the current window (a whole batch or a slice of one).
  virtual void accumulate(const trestle::Batch& rows) = 0;
  /// The current window closed: compute, report_window, report_finding.
  virtual void end_window(trestle::Context& ctx, const WindowSpan& span) = 0;
  /// The time column's name; empty for wall-clock windows.
  const std::string& time_column() const { return time_column_; }

 private:
  void start(int64_t wall_us);
  void finish(trestle::Context& ctx, bool last, bool by_time);
  /// Data time: how many rows from `from` (at most `limit`) belong to the current
  /// window; updates the window's slot, time range and late rows.
  int64_t rows_in_slot(const trestle::Column& time, int64_t from, int64_t limit);

  int64_t window_rows_;
  double window_seconds_;
  std::string time_column_;
  int time_index_ = -1;
  bool open_ = false;
  int64_t index_ = 0;
  int64_t rows_ = 0;
  int64_t start_us_ = 0;
  std::chrono::steady_clock::time_point started_;
  // Data time of the current window.
  bool has_slot_ = false;
  int64_t slot_ = 0;
  int64_t min_t_ = std::numeric_limits<int64_t>::max(), max_t_ = std::numeric_limits<int64_t>::min();
  int64_t late_ = 0;
};

}  // namespace monitors
