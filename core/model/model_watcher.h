#pragma once
/// ModelWatcher: hot swap for a run. Every model node whose `model` option names a
/// versioned repository under the `latest` policy is checked every `serving.poll_s`
/// seconds; every model node is checked when a reload is requested (SIGHUP, or the
/// admin endpoint). A new version is loaded and opened beside the serving one on the
/// watcher's thread, then swapped in between batches (ModelSlot). When loading fails the
/// serving version stays, the failure is logged and counted (`model_load_failures`),
/// and that version is not tried again until it changes or a reload is requested.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "graph/plan.h"

namespace trestle::core {

class ModelWatcher {
 public:
  /// `plan` must outlive the watcher.
  explicit ModelWatcher(Plan* plan);
  ~ModelWatcher();
  ModelWatcher(const ModelWatcher&) = delete;
  ModelWatcher& operator=(const ModelWatcher&) = delete;

  /// Starts the thread when the plan has a model node. Idempotent.
  void Start();
  /// Checks every model node soon, also unversioned ones whose files changed.
  void RequestReload();
  void Stop();

  /// One check of one model node on the calling thread; `forced` as for a requested
  /// reload. Returns true when a new version now serves.
  bool Check(PlannedNode& node, bool forced);

 private:
  void Loop();

  Plan* plan_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, reload_ = false;
  std::map<int, std::string> failed_;  ///< node index -> version or sha that failed to load
  std::thread thread_;
};

}  // namespace trestle::core
