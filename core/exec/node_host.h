#pragma once
/// The host side of the plugin ABI. NodeHost holds what every call of one node shares
/// (names, stats, run state, dead-letter writer); CallContext is made on the stack for
/// one ABI call and collects that call's error and row rejects. The TrestleHost handed
/// to the plugin points at the CallContext and is valid only during the call.

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "exec/dead_letter.h"
#include "exec/findings.h"
#include "exec/request_port.h"
#include "exec/run_state.h"
#include "observe/event_recorder.h"
#include "observe/node_stats.h"
#include "trestle/c/abi.h"

namespace trestle::core {

class RowAccounting;

/// What a node does with rows it cannot process (DESIGN.md "Errors").
enum class ErrorPolicy { kDeadLetter, kSkip, kFail };
std::string ErrorPolicyName(ErrorPolicy p);

/// Progress of one source through its input (set by the source, read by the CLI).
struct SourceProgress {
  std::atomic<double> done{0}, total{0};
};

struct NodeHost {
  std::string pipeline;
  std::string node;
  int node_index = -1;
  NodeStats* stats = nullptr;           ///< not owned
  RunState* run = nullptr;              ///< not owned; null at validate time
  DeadLetterWriter* dead_letters = nullptr;  ///< not owned; null at validate time
  RowAccounting* accounting = nullptr;  ///< not owned; for source record rejects
  SourceProgress* progress = nullptr;   ///< sources only
  int source_index = -1;                ///< sources only: the node index of the source
  ErrorPolicy on_error = ErrorPolicy::kDeadLetter;
  EventRecorder* recorder = nullptr;    ///< not owned; the run store, or null
  FindingsOutbox* findings = nullptr;   ///< monitors with sinks downstream; not owned
  /// Set while planning can be interrupted (PlanControl); operators then see
  /// cancelled(). Not owned.
  const std::atomic<bool>* interrupted = nullptr;
  /// Serving (`trestle serve`): where rows refused on the way and model versions are
  /// reported, for batches that carry an origin. Not owned; null in a batch run.
  RequestPort* requests = nullptr;
};

struct Rejection {
  int64_t row;
  Code code;
  std::string reason;
};

class CallContext {
 public:
  explicit CallContext(const NodeHost* node);
  const TrestleHost* host() const { return &host_; }

  /// The status of an ABI call's return code, with the message the plugin set.
  Status StatusOf(int32_t rc) const;
  std::vector<Rejection>& rejections() { return rejections_; }
  const NodeHost& node() const { return *node_; }

 private:
  friend struct HostApiImpl;
  const NodeHost* node_;
  TrestleHost host_;
  int32_t error_code_ = TRESTLE_OK;
  std::string error_message_;
  std::vector<Rejection> rejections_;
};

}  // namespace trestle::core
