#pragma once
/// OperatorInstance: one plugin operator instance and the typed, Status-returning calls
/// the engine makes on it. Owns the plugin's instance pointer (destroyed with it) and
/// shares ownership of the library. Calls are not synchronised here: the engine calls
/// serial and per-worker instances from one thread at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "exec/node_host.h"
#include "plugin/registry.h"
#include "plugin/operator_info.h"
#include "trestle/batch.hpp"
#include "trestle/operator.hpp"
#include "trestle/schema.hpp"

namespace trestle::core {

class OperatorInstance {
 public:
  /// Creates an instance with validated options. `node` must outlive the instance.
  static Result<std::unique_ptr<OperatorInstance>> Make(const RegisteredOperator& binding, const OptionValues& options,
                                                        const NodeHost* node);
  ~OperatorInstance();
  OperatorInstance(const OperatorInstance&) = delete;
  OperatorInstance& operator=(const OperatorInstance&) = delete;

  /// Opens with the input schema (none for sources); returns the output schema (the
  /// input schema for sinks and monitors). Called at most once.
  Result<trestle::Schema> Open(const trestle::Schema* input);
  /// Whether Open() succeeded: only then may any other call be made, close() included.
  bool opened() const { return opened_; }

  /// Transforms and models: `ctx` collects the call's rejections.
  Result<trestle::Batch> Process(const trestle::Batch& input, CallContext& ctx);
  /// Sources: nullopt at end of stream.
  Result<std::optional<trestle::Batch>> Next(int64_t max_rows, CallContext& ctx);
  /// Aggregating transforms (info.aggregating): the next rows of the result; nullopt
  /// once all of it was returned.
  Result<std::optional<trestle::Batch>> Finish(int64_t max_rows, CallContext& ctx);
  Status Ack(uint64_t seq);
  Status Write(const trestle::Batch& batch, CallContext& ctx);
  Status Commit(bool final_commit);
  /// Sinks that publish in two phases (info.two_phase): makes the final commit visible.
  Status Publish();
  Status Observe(const trestle::Batch& batch, CallContext& ctx);
  /// Calls the operator's close() once, and only after a successful Open(); later
  /// calls, and calls on an instance that never opened, return Ok and do nothing.
  Status Close();
  /// Models: what the instance serves (ABI 1.1); empty fields for 1.0 plugins.
  Result<trestle::ModelInfo> DescribeModel();

  const trestle::Schema& output_schema() const { return output_; }
  const NodeHost& node() const { return *node_; }

 private:
  OperatorInstance(const RegisteredOperator& b, const NodeHost* node);
  using PullFn = std::function<int32_t(ArrowArray* out, int32_t* eos)>;
  Result<std::optional<trestle::Batch>> Pull(const char* call, int64_t max_rows, CallContext& ctx, const PullFn& fn);

  const TrestleOperatorDef* def_;
  std::shared_ptr<const void> library_;
  const NodeHost* node_;
  /// node "N" (operator T, plugin P V, LIBRARY): what a fatal-signal report names.
  std::string where_;
  void* instance_ = nullptr;
  bool opened_ = false;
  bool closed_ = false;
  trestle::Schema input_, output_;
};

}  // namespace trestle::core
