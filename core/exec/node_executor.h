#pragma once
/// NodeExecutor: runs one batch through one node — retries, error policy, row rejects,
/// dead letters, row accounting and stats — and returns what goes downstream. The
/// flow graph's node bodies are thin wrappers around it. Thread-safe as the node's
/// threading contract allows: an instance pool hands each concurrent call its own
/// instance for serial (pool of 1) and per-worker operators.

#include <atomic>
#include <mutex>
#include <optional>
#include <vector>

#include "exec/accounting.h"
#include "exec/batch_message.h"
#include "exec/dead_letter.h"
#include "exec/run_state.h"
#include "graph/plan.h"

namespace trestle::core {

class NodeExecutor {
 public:
  NodeExecutor(PlannedNode* node, RunState* run, RowAccounting* accounting, DeadLetterWriter* dead_letters);

  /// Transforms and models.
  BatchMessage Process(const BatchMessage& in);
  /// Sinks. Holds the sink lock during the write.
  void Write(const BatchMessage& in);
  /// Monitors: observes `in` now. One call at a time (the node's MonitorWorker).
  void Observe(const BatchMessage& in);
  /// Monitors: one more batch the monitor did not look at (it was behind).
  void CountMonitorSkip();
  /// Monitors with sinks downstream: the findings reported since the last call, as one
  /// batch of no source; nullopt when there are none.
  std::optional<BatchMessage> TakeFindings();
  /// Sinks: commit under the same lock that writes take.
  Status Commit(bool final_commit);
  /// Two-phase sinks: publish what the final commit prepared (once, not retried).
  Status Publish();

  int64_t monitor_skipped() const { return monitor_skipped_.load(); }
  /// Models with a shadow: where their batches go for comparison (not owned).
  void set_shadow(ShadowRunner* shadow) { shadow_ = shadow; }

 private:
  OperatorInstance* Acquire();
  void Release(OperatorInstance* inst);
  /// Models: what serving adds after a successful predict — the version's counts, the
  /// version column, the shadow's copy of the batch.
  trestle::Batch Served(ServedModel& served, const trestle::Batch& input, trestle::Batch out,
                        const std::vector<Rejection>& rejections);
  /// Applies the node's policy to a whole-batch failure. Returns false when the run failed.
  void HandleBatchError(const BatchMessage& in, const Status& st);
  /// Dead-letters or skips rejected rows; fails the run on `fail`. Returns false if the
  /// rejects themselves were invalid (bad row index).
  bool HandleRejections(const BatchMessage& in, std::vector<Rejection>& rejections);
  Status Failure(const Status& st) const;  ///< adds node, operator and plugin
  // Serving (batches with an origin, exec/request_port.h).
  std::string RequestIdOf(const BatchMessage& in, int64_t row) const;
  void ReportRefused(const BatchMessage& in, const std::vector<Rejection>& rejections) const;
  /// The origin of the rows a call returned, given what it rejected.
  std::shared_ptr<const RowOrigin> OriginAfter(const BatchMessage& in, const std::vector<Rejection>& rejections,
                                               int64_t rows_out) const;
  Status CallWithRetry(const std::function<Status()>& fn);

  PlannedNode* node_;
  RunState* run_;
  RowAccounting* accounting_;
  DeadLetterWriter* dead_letters_;
  int index_;

  std::mutex pool_mu_;
  std::vector<OperatorInstance*> free_;
  std::mutex sink_mu_;
  std::atomic<int64_t> monitor_skipped_{0};
  ShadowRunner* shadow_ = nullptr;
};

}  // namespace trestle::core
