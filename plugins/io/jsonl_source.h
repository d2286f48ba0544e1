#pragma once
// jsonl_source: streams a file of JSON objects, one per line, as batches. Column types
// come from the `schema` option or are inferred from the first infer_rows lines (the
// rule, which tolerates a few values of another kind, is in type_inference.h). Lines
// that are not valid JSON objects, or hold a value of the wrong type, go to the node's
// dead-letter output with their file and line.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "line_reader.h"
#include "shard_option.h"

namespace trestle_io {

class JsonRowHandler;

class JsonlSource final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec();
  explicit JsonlSource(const trestle::Options& options);
  ~JsonlSource() override;

  /// Opens the file; without a declared schema reads up to infer_rows lines to infer
  /// one, then goes back to the first line (held in memory: nothing is read twice).
  /// The warning about each column inferred despite misfits is logged by the first
  /// next().
  trestle::Schema open() override;
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  trestle::Schema infer_schema();
  std::string location(int64_t line) const { return path_ + ":" + std::to_string(line); }

  std::string path_;
  int64_t infer_rows_ = 1000;
  std::map<std::string, trestle::Type> declared_;
  RecordShard shard_;

  LineReader reader_;
  trestle::Schema schema_;
  std::unique_ptr<JsonRowHandler> handler_;
  std::vector<std::string> warnings_;  // from open(), for the first next() to log
  std::vector<trestle::ColumnBuilder> builders_;
  int64_t pending_rows_ = 0;
  bool opened_ = false;
  bool done_ = false;
};

}  // namespace trestle_io
