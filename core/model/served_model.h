#pragma once
/// ServedModel: one loaded version of a model node — the operator instances that score
/// with it and the record of what it is and what it scored. ModelSlot: the version a
/// model node serves now, swapped atomically between batches. A batch takes the
/// current ServedModel (shared ownership) for its whole call, so batches in flight at a
/// swap finish on the version they started with, and an old version's instances are
/// closed when its last batch lets go.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exec/operator_instance.h"
#include "observe/node_stats.h"

namespace trestle::core {

/// What a version is and what it did; outlives the version's instances (run report).
struct ModelRecord {
  std::string version;        ///< version directory name; empty for an unversioned model
  std::string path;           ///< what the operator's `model` option received
  std::string sha256;         ///< FingerprintModel(path)
  std::string framework;      ///< as the plugin reports it (ABI 1.1), may be empty
  std::string model_version;  ///< the model file's own version, may be empty
  std::chrono::system_clock::time_point loaded_at;
  std::atomic<int64_t> rows{0}, batches{0};
  LatencyHistogram latency;  ///< duration of the predict calls this version served
  std::atomic<int64_t> retired_at_ms{0};  ///< Unix ms when it stopped serving; 0 = serving

  /// The version as rows carry it: the directory name, else the file's own version.
  std::string label() const { return !version.empty() ? version : model_version; }
};

class ServedModel {
 public:
  /// `owned` instances belong to this version (closed and destroyed with it); `borrowed`
  /// ones belong to the plan. Both together form the pool; reentrant models use one.
  ServedModel(std::shared_ptr<ModelRecord> record, std::vector<std::unique_ptr<OperatorInstance>> owned,
              std::vector<OperatorInstance*> borrowed, bool reentrant);
  ~ServedModel();
  ServedModel(const ServedModel&) = delete;
  ServedModel& operator=(const ServedModel&) = delete;

  /// An instance for one call; the pool has one per allowed concurrent call.
  OperatorInstance* Acquire();
  void Release(OperatorInstance* inst);
  /// Closes the owned instances (idempotent); borrowed ones are the plan's to close.
  void CloseOwned();

  ModelRecord& record() { return *record_; }
  const std::shared_ptr<ModelRecord>& shared_record() const { return record_; }

 private:
  std::shared_ptr<ModelRecord> record_;
  std::vector<std::unique_ptr<OperatorInstance>> owned_;
  bool reentrant_;
  std::mutex mu_;
  std::vector<OperatorInstance*> free_;
};

class ModelSlot {
 public:
  explicit ModelSlot(std::shared_ptr<ServedModel> first);

  std::shared_ptr<ServedModel> Current() const;
  /// Makes `next` serve from the next batch on; marks the old version retired.
  void Swap(std::shared_ptr<ServedModel> next);
  /// Every version that served, oldest first.
  std::vector<std::shared_ptr<ModelRecord>> History() const;
  int64_t swaps() const { return swaps_.load(); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<ServedModel> current_;
  std::vector<std::shared_ptr<ModelRecord>> history_;
  std::atomic<int64_t> swaps_{0};
};

}  // namespace trestle::core
