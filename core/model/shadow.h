#pragma once
/// Shadow models. A model node may name a second model (any framework) that scores the
/// same input batches off the critical path: the node hands each batch, with its own
/// output, to a bounded queue; one thread of the shadow scores it and compares the
/// shadow's score and label columns with the node's on the rows both scored. The
/// shadow's outputs never leave the node; its rejects are counted, not dead-lettered.
/// When the queue is full the batch is skipped and counted: the data path never waits.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec/node_host.h"
#include "exec/operator_instance.h"
#include "model/served_model.h"
#include "observe/node_stats.h"
#include "trestle/batch.hpp"

namespace trestle::core {

/// Running totals of one node's comparison with its shadow.
struct ShadowTotals {
  int64_t batches_compared = 0, batches_skipped = 0, errors = 0;
  int64_t rows_compared = 0, rows_rejected_by_shadow_only = 0, rows_rejected_by_node_only = 0;
  int64_t label_rows = 0, label_disagreements = 0;
  int64_t score_rows = 0;
  double score_abs_diff_sum = 0, score_abs_diff_max = 0;
  std::string last_error;

  nlohmann::json ToJson() const;
};

/// The shadow of one model node, built by the planner.
struct ShadowPlan {
  std::string type, plugin_name, plugin_version;
  std::string score = "score", label = "label";
  int queue_batches = 4;
  NodeStats stats;  ///< the shadow's own calls
  NodeHost host;    ///< node "<node>/shadow"
  std::unique_ptr<OperatorInstance> instance;
  std::shared_ptr<ModelRecord> record;
  /// Column indices in the node's and the shadow's outputs; -1 when either lacks it.
  int score_node = -1, score_shadow = -1, label_node = -1, label_shadow = -1;

  mutable std::mutex mu;
  ShadowTotals totals;  ///< guarded by mu
  ShadowTotals Totals() const {
    std::lock_guard<std::mutex> l(mu);
    return totals;
  }
};

/// Compares a node's output with its shadow's on the input rows neither rejected.
/// `node_rejected` and `shadow_rejected` are sorted input row indices.
void CompareWithShadow(const ShadowPlan& plan, int64_t input_rows, const trestle::Batch& node_out,
                       const std::vector<int64_t>& node_rejected, const trestle::Batch& shadow_out,
                       const std::vector<int64_t>& shadow_rejected, ShadowTotals* totals);

/// The shadow's thread for one run of one node.
class ShadowRunner {
 public:
  /// `node_stats` (the node's) receives the shadow_* metrics.
  ShadowRunner(ShadowPlan* plan, NodeStats* node_stats);
  ~ShadowRunner();
  ShadowRunner(const ShadowRunner&) = delete;
  ShadowRunner& operator=(const ShadowRunner&) = delete;

  /// Never blocks: when the queue is full the batch is skipped and counted.
  void Offer(trestle::Batch input, trestle::Batch node_out, std::vector<int64_t> node_rejected);
  /// Scores what is queued, then stops the thread. Idempotent.
  void Finish();

 private:
  struct Item {
    trestle::Batch input, node_out;
    std::vector<int64_t> node_rejected;
  };
  void Loop();
  void Score(const Item& item);

  ShadowPlan* plan_;
  NodeStats* node_stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool finishing_ = false;
  std::thread thread_;
};

}  // namespace trestle::core
