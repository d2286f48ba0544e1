#include "window.hpp"

#include <algorithm>

namespace monitors {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

trestle::OperatorSpec& WindowedMonitor::window_params(trestle::OperatorSpec& spec) {
  return spec.param<int64_t>("window_rows", "a window closes after this many rows", int64_t{10000})
      .min(1)
      .param<double>("window_seconds",
                     "a window also closes this long after its first row (checked when a batch arrives); 0: no time limit",
                     60.0)
      .min(0);
}

WindowedMonitor::WindowedMonitor(const trestle::Options& o)
    : window_rows_(o.get_or<int64_t>("window_rows", 10000)), window_seconds_(o.get_or<double>("window_seconds", 60.0)) {
  if (window_rows_ < 1) throw trestle::InvalidArgument("option \"window_rows\" must be at least 1, got " + std::to_string(window_rows_));
  if (!(window_seconds_ >= 0)) throw trestle::InvalidArgument("option \"window_seconds\" must be 0 or more");
}

void WindowedMonitor::start(int64_t wall_us) {
  open_ = true;
  rows_ = 0;
  start_us_ = wall_us;
  started_ = std::chrono::steady_clock::now();
  begin_window(index_);
}

void WindowedMonitor::finish(trestle::Context& ctx, bool last, bool by_time) {
  WindowSpan span{index_, start_us_, std::max(now_us(), start_us_), rows_, last, by_time};
  open_ = false;
  ++index_;
  end_window(ctx, span);
}

void WindowedMonitor::observe(const trestle::Batch& batch, trestle::Context& ctx) {
  if (open_ && window_seconds_ > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() >= window_seconds_)
    finish(ctx, false, true);
  int64_t done = 0;
  const int64_t n = batch.num_rows();
  while (done < n) {
    if (!open_) start(now_us());
    const int64_t take = std::min(n - done, window_rows_ - rows_);
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
