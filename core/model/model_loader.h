#pragma once
/// Loading a version of a model node's model beside the one serving: create and open
/// the node's instances on the version's path, check they produce exactly the columns
/// the graph was built with, and ask them what they serve. The planner keeps a
/// ModelBinding per model node so that later versions load the same way.

#include <memory>
#include <string>

#include "common/status.h"
#include "model/model_repository.h"
#include "model/served_model.h"
#include "plugin/operator_info.h"
#include "plugin/registry.h"
#include "trestle/schema.hpp"

namespace trestle::core {

struct NodeHost;

/// Everything needed to load one more version of a node's model.
struct ModelBinding {
  RegisteredOperator op;
  OptionValues options;      ///< validated; the `model` value is replaced per version
  std::string model_option;  ///< the `model` option as written: a repository or a model
  VersionPolicy policy;
  trestle::Schema input;     ///< the node's input schema
  trestle::Schema output;    ///< the operator's output schema (without a version column)
  int instances = 1;         ///< per-worker pool size; 1 for serial and reentrant
  bool reentrant = false;
  const NodeHost* host = nullptr;  ///< not owned; the node's
};

/// `options` with the value of option `name` replaced by the string `value`.
OptionValues WithStringOption(OptionValues options, const std::string& name, const std::string& value);

/// Builds a record for `resolved` (fingerprint, load time) and fills framework and
/// model version from `inst`.
Result<std::shared_ptr<ModelRecord>> DescribeVersion(const ResolvedModel& resolved, OperatorInstance& inst);

/// Loads `resolved` with the binding's operator and options: every instance created,
/// opened on the binding's input and checked to produce the binding's output schema.
/// Errors name the version's path and what differed.
Result<std::shared_ptr<ServedModel>> LoadVersion(const ModelBinding& binding, const ResolvedModel& resolved);

}  // namespace trestle::core
