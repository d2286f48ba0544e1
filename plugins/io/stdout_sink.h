#pragma once
// stdout_sink: prints rows to standard output as CSV (with a header) or JSONL, for
// looking at a pipeline's output; at most max_rows rows when max_rows > 0.

#include <cstdint>
#include <string>

#include <trestle/sdk.hpp>

#include "row_format.h"

namespace trestle_io {

class StdoutSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit StdoutSink(const trestle::Options& options);

  /// Prints nothing (the host opens at validate time).
  void open(const trestle::Schema& input) override;
  /// Formats the batch and writes it with one fwrite + fflush.
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void commit(bool final_commit, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  void emit();

  bool jsonl_ = false;
  int64_t max_rows_ = 0;
  int64_t printed_ = 0;
  bool header_done_ = false;
  trestle::Schema schema_;
  CsvFormat format_;
  std::string buf_;
};

}  // namespace trestle_io
