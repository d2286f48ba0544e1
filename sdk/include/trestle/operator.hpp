#pragma once
/// The five role base classes. An operator class derives from exactly one, has a
/// `static OperatorSpec spec()` and a constructor taking `const Options&` (which may
/// throw InvalidArgument to reject illegal combinations of parameters). Every method
/// may throw a trestle::Error (or any exception, which becomes INTERNAL).
///
/// Threading: the host calls a `serial` or `per_worker` instance from one thread at a
/// time; a `reentrant` instance's process() concurrently from several threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trestle/batch.hpp"
#include "trestle/context.hpp"
#include "trestle/schema.hpp"

namespace trestle {

class Operator {
 public:
  virtual ~Operator() = default;
  /// Called once after the last batch; flush and release resources here.
  virtual void close(Context&) {}
};

/// Produces batches until end of stream.
class DataSource : public Operator {
 public:
  /// The schema of every batch this source will produce.
  virtual Schema open() = 0;
  /// The next batch of at most max_rows rows, or nullopt at end of stream. A source
  /// that waits for data should return periodically and check ctx.cancelled().
  virtual std::optional<Batch> next(int64_t max_rows, Context& ctx) = 0;
  /// Every sink has committed batch `seq` (0, 1, 2... in the order next() returned
  /// them) and every batch before it. Replayable sources commit offsets here.
  virtual void ack(uint64_t /*seq*/, Context&) {}
};

/// Maps a batch to a batch. May reject single rows (ctx.reject) or filter rows out.
class Transform : public Operator {
 public:
  /// Checks the input schema (throw InvalidArgument naming a missing or mistyped
  /// column) and returns the output schema.
  virtual Schema open(const Schema& input) = 0;
  virtual Batch process(Batch input, Context& ctx) = 0;
  /// Aggregating transforms only (spec().aggregating(), ABI 1.3): once every input
  /// batch went through process() (which then returns zero-row batches), called until
  /// it returns nullopt; each call returns the next at most `max_rows` rows of the
  /// result in the output schema. Never called for a run that failed.
  virtual std::optional<Batch> finish(int64_t /*max_rows*/, Context&) { return std::nullopt; }
};

/// What a model reads (by name, never by position) and adds.
struct Signature {
  struct Input {
    std::string name;
    Type type = Type::Float64;
    bool any_numeric = false;  ///< accept any numeric column, read as double
  };
  std::vector<Input> inputs;
  std::vector<Field> outputs;
};

/// What a model instance serves, reported to the host after open().
struct ModelInfo {
  std::string framework;  ///< e.g. "xgboost 1.7.4"
  std::string version;    ///< the model's own version from its file; empty if none
};

/// Adds prediction columns to a batch. Rows it cannot score are rejected
/// (ctx.reject); every other row comes out, in order.
class Model : public Operator {
 public:
  virtual Signature signature() const = 0;
  /// Default: enforce the signature by name and append its outputs.
  virtual Schema open(const Schema& input) {
    Signature sig = signature();
    for (const auto& in : sig.inputs) {
      if (in.any_numeric) input.require_numeric(in.name);
      else input.require(in.name, in.type);
    }
    Schema out = input;
    for (const auto& f : sig.outputs) out = out.with(f);
    return out;
  }
  virtual Batch predict(Batch input, Context& ctx) = 0;
  /// Called after open(); the default tells nothing.
  virtual ModelInfo info() const { return {}; }
};

/// Writes batches; commit() is the durability point after which sources are acked.
class Sink : public Operator {
 public:
  virtual void open(const Schema& input) = 0;
  virtual void write(const Batch& batch, Context& ctx) = 0;
  /// Makes everything written so far durable. `final` is true for the last commit of
  /// a run that succeeded. A sink that overrides publish() only prepares then (complete
  /// and durable, not yet visible); one that does not publishes here.
  virtual void commit(bool /*final*/, Context&) {}
  /// Makes the output prepared by the final commit visible (two-phase publishing, ABI
  /// 1.2): called once, after every sink of the run committed, never for a failed run
  /// (close() then discards). Override it only to publish this way; a sink that does
  /// has its sources acked at the end of the run, when its rows are durable.
  virtual void publish(Context&) {}
};

/// Looks at batches off the critical path and reports through ctx (events, metrics).
class Monitor : public Operator {
 public:
  virtual void open(const Schema& input) = 0;
  virtual void observe(const Batch& batch, Context& ctx) = 0;
};

}  // namespace trestle
