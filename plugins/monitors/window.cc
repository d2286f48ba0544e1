#include "window.hpp"

#include <algorithm>
#include <cmath>

namespace monitors {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {
// Floor division: the slot of a timestamp before 1970 is negative, not rounded to 0.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }
}  // namespace

trestle::OperatorSpec& WindowedMonitor::window_params(trestle::OperatorSpec& spec) {
  return spec.param<int64_t>("window_rows", "a window closes after this many rows; 0: no row limit", int64_t{0})
      .min(0)
      .param<double>("window_seconds",
                     "a window also closes this long after its first row (wall clock, checked when a batch arrives) or, "
                     "with time_column, at the end of its aligned slot of data time; 0: no time limit. The defaults make "
                     "one window per batch run (of up to an hour) and hourly windows for a long-running service",
                     3600.0)
      .min(0)
      .param<std::string>("time_column",
                          "a timestamp column: windows span the data time of their rows (earliest to latest) instead of "
                          "the wall clock, so replayed files report the time they describe",
                          std::string());
}

WindowedMonitor::WindowedMonitor(const trestle::Options& o)
    : window_rows_(o.get_or<int64_t>("window_rows", 0)),
      window_seconds_(o.get_or<double>("window_seconds", 3600.0)),
      time_column_(o.get_or<std::string>("time_column", "")) {
  if (window_rows_ < 0) throw trestle::InvalidArgument("option \"window_rows\" must be 0 (no limit) or more, got " + std::to_string(window_rows_));
  if (window_rows_ == 0) window_rows_ = std::numeric_limits<int64_t>::max();
  if (!(window_seconds_ >= 0)) throw trestle::InvalidArgument("option \"window_seconds\" must be 0 or more");
  if (!time_column_.empty() && window_seconds_ > 0 && window_seconds_ < 1e-6)
    throw trestle::InvalidArgument("option \"window_seconds\" must be at least one microsecond with time_column");
}

void WindowedMonitor::open(const trestle::Schema& input) {
  time_index_ = -1;
  if (!time_column_.empty()) {
    time_index_ = input.index_of(time_column_);
    if (time_index_ < 0)
      throw trestle::InvalidArgument("option \"time_column\": column \"" + time_column_ + "\" is not in the input (columns: " +
                                     input.names_list() + ")");
    const trestle::Type t = input.field(static_cast<size_t>(time_index_)).type;
    if (t != trestle::Type::TimestampUs)
      throw trestle::InvalidArgument("option \"time_column\": column \"" + time_column_ + "\" is " + trestle::type_name(t) +
                                     ", not a timestamp");
  }
  open_input(input);
}

void WindowedMonitor::start(int64_t wall_us) {
  open_ = true;
  rows_ = 0;
  start_us_ = wall_us;
  started_ = std::chrono::steady_clock::now();
  has_slot_ = false;
  min_t_ = std::numeric_limits<int64_t>::max();
  max_t_ = std::numeric_limits<int64_t>::min();
  late_ = 0;
  begin_window(index_);
}

void WindowedMonitor::finish(trestle::Context& ctx, bool last, bool by_time) {
  WindowSpan span{index_, start_us_, std::max(now_us(), start_us_), rows_, late_, last, by_time, false};
  if (time_index_ >= 0 && min_t_ <= max_t_) {
    span.start_us = min_t_;
    span.end_us = max_t_;
    span.data_time = true;
  }
  if (late_ > 0) {
    ctx.count("late_rows", static_cast<double>(late_));
    ctx.warning("window " + std::to_string(index_) + ": " + std::to_string(late_) + " rows were earlier than its slot of \"" +
                time_column_ + "\" (out of order); they were counted in this window");
  }
  open_ = false;
  ++index_;
  end_window(ctx, span);
}

int64_t WindowedMonitor::rows_in_slot(const trestle::Column& time, int64_t from, int64_t limit) {
  const auto width = static_cast<int64_t>(std::llround(window_seconds_ * 1e6));
  for (int64_t i = from; i < from + limit; ++i) {
    if (time.is_null(i)) continue;
    const int64_t t = time.ts(i);
    if (width > 0) {
      const int64_t slot = floor_div(t, width);
      if (!has_slot_) {
        has_slot_ = true;
        slot_ = slot;
      } else if (slot > slot_) {
        return i - from;
      } else if (slot < slot_) {
        ++late_;
      }
    }
    min_t_ = std::min(min_t_, t);
    max_t_ = std::max(max_t_, t);
  }
  return limit;
}

void WindowedMonitor::observe(const trestle::Batch& batch, trestle::Context& ctx) {
  const bool data_time = time_index_ >= 0;
  if (!data_time && open_ && window_seconds_ > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() >= window_seconds_)
    finish(ctx, false, true);
  int64_t done = 0;
  const int64_t n = batch.num_rows();
  while (done < n) {
    if (!open_) start(now_us());
    int64_t take = std::min(n - done, window_rows_ - rows_);
    if (data_time) {
      take = rows_in_slot(batch.column(static_cast<size_t>(time_index_)), done, take);
      if (take == 0) {  // the next row opens a later slot
        finish(ctx, false, true);
        continue;
      }
    }
    accumulate(take == n ? batch : batch.slice(done, take));
    rows_ += take;
    done += take;
    if (rows_ >= window_rows_) finish(ctx, false, false);
  }
}

void WindowedMonitor::close(trestle::Context& ctx) {
  if (!open_ && index_ == 0) start(now_us());  // no rows at all: one empty window
  if (open_) finish(ctx, true, false);
}

}  // namespace monitors
