#pragma once
/// Effective execution and retry settings: the pipeline proto keeps what was written
/// (0 = not given) and these fill in the defaults. Plain values.

#include <cstdint>

#include "proto/pipeline.pb.h"

namespace trestle::core {

struct ExecutionSettings {
  int64_t batch_rows = 1024;
  int32_t max_inflight_batches = 8;
  int32_t commit_every_batches = 0;  ///< 0 = commit only at the end
  double drain_timeout_s = 30;
  int32_t threads = 0;  ///< 0 = all cores
  /// The run fails when more than this share of the rows read was dead-lettered.
  double max_dead_letter_share = 0.1;
  /// A create() or open() running longer than this ends the process (exit 1).
  double open_timeout_s = 300;
};

struct RetrySettings {
  int32_t max_attempts = 5;
  double initial_backoff_ms = 100;
  double max_backoff_ms = 10000;
  double multiplier = 2;
  double jitter = 0.2;
  double deadline_s = 60;
};

/// Each field as written when positive, else its default. (proto3 cannot tell an
/// explicit 0 from an absent field, so e.g. `jitter: 0` also means the default.)
ExecutionSettings Effective(const config::Execution& execution);
RetrySettings Effective(const config::Retry& retry);

}  // namespace trestle::core
