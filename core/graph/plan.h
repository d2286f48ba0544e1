#pragma once
/// Plan: a validated pipeline, ready to run — every node with its operator instances
/// created and opened, its output schema known, its error policy and concurrency
/// resolved. Built by the planner (core/graph/planner.h); owned by whoever runs it.
/// Node indices are the pipeline file's order; `topo_order` lists them inputs first.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec/node_host.h"
#include "plugin/registry.h"
#include "exec/findings.h"
#include "exec/operator_instance.h"
#include "config/settings.h"
#include "exec/retry.h"
#include "model/model_loader.h"
#include "model/served_model.h"
#include "model/shadow.h"
#include "observe/node_stats.h"
#include "trestle/schema.hpp"

namespace trestle::core {

struct PlannedNode {
  std::string name;
  std::string type;
  OperatorInfo info;
  std::vector<int> inputs;
  std::vector<int> outputs;  ///< nodes that list this one as an input
  ErrorPolicy on_error = ErrorPolicy::kDeadLetter;
  RetrySettings retry;
  int concurrency = 1;       ///< parallel calls allowed (instances for per_worker)
  bool ordered = false;      ///< sinks: a sequencer restores source order
  std::string plugin_name, plugin_version, plugin_sha256;
  nlohmann::json options_redacted;  ///< options as written, secrets replaced
  /// Files the node creates or replaces: its output_path parameters (abi.h), as given.
  std::vector<std::string> output_paths;
  /// The run fails when this node dead-letters more than this share of its input rows
  /// (unset: the pipeline's execution.max_dead_letter_share).
  std::optional<double> max_dead_letter_share;

  // What the instances' calls reach through `host` is declared before the instances
  // (members are destroyed in reverse order): a close() run by an instance's destructor
  // still finds the stats and the findings outbox alive.
  std::unique_ptr<NodeStats> stats = std::make_unique<NodeStats>();
  /// Monitors with sinks downstream: findings waiting to go to them as rows.
  std::unique_ptr<FindingsOutbox> findings;
  std::unique_ptr<NodeHost> host = std::make_unique<NodeHost>();
  std::vector<std::unique_ptr<OperatorInstance>> instances;  ///< created and opened
  trestle::Schema output_schema;

  // Models only (serving: in the pipeline file). `instances` are the first version's;
  // `model` serves them until a new version is swapped in.
  std::unique_ptr<ModelBinding> model_binding;
  std::unique_ptr<ModelSlot> model;
  double poll_s = 0;           ///< look for a new version this often; 0 = on request only
  std::string version_column;  ///< appended utf8 column carrying the serving version
  std::unique_ptr<ShadowPlan> shadow;

  /// Monitors: batches that may wait for the monitor; beyond, they are skipped.
  int monitor_queue_batches = 4;
};

struct Plan {
  std::string pipeline;
  std::string file;
  std::string config_hash;
  std::string dead_letter_path;  ///< empty: <run dir>/dead_letter.jsonl
  ExecutionSettings exec;
  std::vector<std::unique_ptr<PlannedNode>> nodes;
  std::vector<int> topo_order;

  int NodeIndex(const std::string& name) const;
};

}  // namespace trestle::core
