#include "progress_display.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace trestle::cli {

ProgressDisplay::ProgressDisplay(const core::FlowRunner* runner) : runner_(runner) {
  if (!isatty(STDERR_FILENO)) return;
  thread_ = std::thread([this] {
    const auto t0 = std::chrono::steady_clock::now();
    while (sleep_.SleepFor(std::chrono::milliseconds(250))) {
      core::RunProgress p = runner_->Progress();
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      double rate = secs > 0 ? static_cast<double>(p.rows_read) / secs : 0;
      if (p.fraction >= 0)
        std::fprintf(stderr, "\r\033[K%lld rows  %.0f rows/s  %.1f%%", static_cast<long long>(p.rows_read), rate,
                     100 * p.fraction);
      else
        std::fprintf(stderr, "\r\033[K%lld rows  %.0f rows/s", static_cast<long long>(p.rows_read), rate);
      std::fflush(stderr);
    }
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  });
}

ProgressDisplay::~ProgressDisplay() { Stop(); }

void ProgressDisplay::Stop() {
  sleep_.Stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace trestle::cli
