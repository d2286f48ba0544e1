#pragma once
// jsonl_sink: writes batches as JSON objects, one per line, to a file that appears at
// `path` only when the run succeeds (publish, after every sink's final commit).
// mode: stream writes into `path` itself instead.

#include <string>

#include <trestle/sdk.hpp>

#include "atomic_file.hpp"

namespace trestle_io {

class JsonlSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit JsonlSink(const trestle::Options& options);

  /// Checks that `path` could be written; creates nothing.
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void commit(bool final_commit, trestle::Context& ctx) override;
  void publish(trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  trestle_support::AtomicFile file_;
};

}  // namespace trestle_io
