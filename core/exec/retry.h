#pragma once
/// Retry with exponential backoff and jitter for UNAVAILABLE, DEADLINE_EXCEEDED and
/// RESOURCE_EXHAUSTED, bounded by attempts and an overall deadline.

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>

#include "common/status.h"
#include "config/settings.h"

namespace trestle::core {

/// The backoff before attempt `attempt` (2 = the first retry): initial * multiplier^(attempt-2),
/// capped at max, then scaled by a uniform factor in [1 - jitter, 1 + jitter].
std::chrono::milliseconds Backoff(const RetrySettings& p, int attempt, std::mt19937_64& rng);

/// Calls `attempt_fn` until it returns a non-retryable status, attempts are used up,
/// the deadline passes or `should_stop` says so. `on_retry(status, attempt)` runs
/// before each sleep. Returns the last status, with "after N attempts" when retried.
Status RunWithRetry(const RetrySettings& p, const std::function<Status()>& attempt_fn,
                    const std::function<bool()>& should_stop,
                    const std::function<void(const Status&, int)>& on_retry);

}  // namespace trestle::core
