#pragma once
/// FlowRunner: runs a Plan as one oneTBB flow graph in its own task_arena. Sources are
/// read on threads of their own (with `threads: 1` and one source, a batch run reads on
/// the calling thread, one batch through the graph at a time); transforms and models
/// are function_nodes with the node's concurrency; sinks are serial function_nodes,
/// behind a sequencer_node when they want source order; monitors never hold up the
/// flow. A committer thread commits the sinks every `commit_every_batches` and acks the
/// sources for what was committed.
/// At the end: final commit (only when the run succeeded), acks, close.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "exec/accounting.h"
#include "exec/dead_letter.h"
#include "exec/request_port.h"
#include "exec/run_state.h"
#include "graph/plan.h"
#include "model/model_watcher.h"
#include "observe/event_recorder.h"

namespace trestle::core {

struct RunOptions {
  std::string run_id;
  std::string run_dir;  ///< dead letters go here unless the plan names a path
  /// Where monitors' windows and findings are kept (the run store); null = nowhere but
  /// the log. Not owned; must outlive Run().
  EventRecorder* recorder = nullptr;
  /// The date of a dated run (`trestle run --date`), or empty. A dated run publishes
  /// its whole output or nothing: drained before its input ended, it fails instead of
  /// publishing part of the date.
  std::string run_date;
  /// Serving (`trestle serve`): stands in for one source and one sink of the plan
  /// (exec/request_port.h); their operator instances are not called. Not owned; must
  /// outlive Run(). Null for a batch run.
  RequestPort* requests = nullptr;
};

/// A point-in-time view for progress displays.
struct RunProgress {
  int64_t rows_read = 0;
  double fraction = -1;  ///< of the finite inputs, or -1 when unknown
};

class FlowRunner {
 public:
  /// `plan` must outlive the runner; its nodes' hosts are wired to this run.
  FlowRunner(Plan* plan, RunOptions options);
  ~FlowRunner();

  /// Runs to the end: success, failure, or drained after RequestStop(). Blocks.
  Status Run();
  /// Drain: sources stop, in-flight batches finish, sinks commit. Signal-safe? No:
  /// call from a normal thread (the CLI's signal watcher).
  void RequestStop() { run_.RequestStop(); }
  /// Give up at once: operators see cancelled(), nothing more is committed. Refused
  /// (logged) once the run is publishing its outputs: they are all published then.
  void Abort(const std::string& why);
  /// Look for new model versions now (SIGHUP). Thread-safe; no-op before Run().
  void ReloadModels();

  /// Ready to serve (readiness probes): the graph is built and running, its models are
  /// loaded and warmed (at plan time), and it is neither draining nor failed.
  bool Ready() const { return running_.load() && !run_.stopping() && !run_.failed(); }

  RunProgress Progress() const;
  const RowAccounting& accounting() const { return *accounting_; }
  const RunState& state() const { return run_; }
  const std::string& dead_letter_path() const { return dead_letters_->path(); }
  int64_t dead_letters_written() const { return dead_letters_->written(); }
  std::chrono::system_clock::time_point started() const { return started_; }
  std::chrono::system_clock::time_point ended() const { return ended_; }
  /// When the data path was done: every batch read had passed every transform, model
  /// and sink (before monitors worked off their queues, closed, and the final commit).
  std::chrono::system_clock::time_point data_path_ended() const { return data_path_ended_; }
  /// Monitors' skipped batches, by node name.
  nlohmann::json MonitorSkips() const;

 private:
  struct Impl;
  Plan* plan_;
  RunOptions options_;
  RunState run_;
  std::unique_ptr<RowAccounting> accounting_;
  std::unique_ptr<DeadLetterWriter> dead_letters_;
  std::vector<std::unique_ptr<SourceProgress>> progress_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<ModelWatcher> watcher_;
  std::atomic<bool> running_{false};
  std::chrono::system_clock::time_point started_, ended_, data_path_ended_;
};

}  // namespace trestle::core
