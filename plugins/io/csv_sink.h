#pragma once
// csv_sink: writes batches as an RFC 4180 CSV file that appears at `path` only when
// the run succeeds (publish, after every sink's final commit); until then it is
// "<path>.tmp-<pid>". mode: stream writes into `path` itself instead.

#include <cstdint>
#include <string>

#include <trestle/sdk.hpp>

#include "atomic_file.hpp"
#include "row_format.h"

namespace trestle_io {

class CsvSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit CsvSink(const trestle::Options& options);

  /// Checks that `path` could be written; creates nothing (the host opens at validate).
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void commit(bool final_commit, trestle::Context& ctx) override;
  void publish(trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  void ensure_created();

  bool header_ = true;
  CsvFormat format_;
  trestle::Schema schema_;
  trestle_support::AtomicFile file_;
};

}  // namespace trestle_io
