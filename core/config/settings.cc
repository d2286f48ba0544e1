#include "config/settings.h"

namespace trestle::core {
namespace {

template <typename T>
T Or(T written, T fallback) {
  return written > 0 ? written : fallback;
}

}  // namespace

ExecutionSettings Effective(const config::Execution& e) {
  ExecutionSettings s;
  s.batch_rows = Or(e.batch_rows(), s.batch_rows);
  s.max_inflight_batches = Or(e.max_inflight_batches(), s.max_inflight_batches);
  s.commit_every_batches = Or(e.commit_every_batches(), s.commit_every_batches);
  s.drain_timeout_s = Or(e.drain_timeout_s(), s.drain_timeout_s);
  s.threads = Or(e.threads(), s.threads);
  if (e.has_max_dead_letter_share()) s.max_dead_letter_share = e.max_dead_letter_share();
  s.open_timeout_s = Or(e.open_timeout_s(), s.open_timeout_s);
  return s;
}

RetrySettings Effective(const config::Retry& r) {
  RetrySettings s;
  s.max_attempts = Or(r.max_attempts(), s.max_attempts);
  s.initial_backoff_ms = Or(r.initial_backoff_ms(), s.initial_backoff_ms);
  s.max_backoff_ms = Or(r.max_backoff_ms(), s.max_backoff_ms);
  s.multiplier = Or(r.multiplier(), s.multiplier);
  s.jitter = Or(r.jitter(), s.jitter);
  s.deadline_s = Or(r.deadline_s(), s.deadline_s);
  return s;
}

}  // namespace trestle::core
