#include "exec/retry.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace trestle::core {

std::chrono::milliseconds Backoff(const RetrySettings& p, int attempt, std::mt19937_64& rng) {
  double base = p.initial_backoff_ms * std::pow(p.multiplier, std::max(0, attempt - 2));
  base = std::min(base, p.max_backoff_ms);
  double j = std::clamp(p.jitter, 0.0, 1.0);
  std::uniform_real_distribution<double> factor(1.0 - j, 1.0 + j);
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, base * factor(rng))));
}

Status RunWithRetry(const RetrySettings& p, const std::function<Status()>& attempt_fn,
                    const std::function<bool()>& should_stop,
                    const std::function<void(const Status&, int)>& on_retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(p.deadline_s));
  Status st;
  int attempt = 1;
  for (;; ++attempt) {
    st = attempt_fn();
    if (st.ok() || !IsRetryable(st.code())) break;
    if (attempt >= p.max_attempts || should_stop()) break;
    auto wait = Backoff(p, attempt + 1, rng);
    if (std::chrono::steady_clock::now() + wait > deadline) break;
    on_retry(st, attempt);
    // Sleep in slices so a stop request is seen promptly.
    auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until && !should_stop())
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          until - std::chrono::steady_clock::now(), std::chrono::milliseconds(20)));
    if (should_stop()) break;
  }
  if (!st.ok() && attempt > 1) return st.WithContext("after " + std::to_string(attempt) + " attempts");
  return st;
}

}  // namespace trestle::core
