#pragma once
// csv_source: streams an RFC 4180 CSV file as batches, inferring column types from a
// sample of rows at open() unless the `schema` option declares them (the rule, which
// tolerates a few values that do not parse, is in type_inference.h). Malformed records,
// and values that do not parse as their column's type, go to the node's dead-letter
// output with their file and line.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trestle/sdk.hpp>

#include "csv_reader.h"
#include "shard_option.h"

namespace trestle_io {

class CsvSource final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec();
  explicit CsvSource(const trestle::Options& options);

  /// Opens the file, reads the header and up to infer_rows rows to infer types, then
  /// goes back to the first data row (held in memory: nothing is read twice). The
  /// warning about each column inferred despite misfits is logged by the first next().
  trestle::Schema open() override;
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  struct Cell {
    bool null = false;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    float f = 0;
    std::string_view s;
  };
  bool is_null(std::string_view v, bool quoted, trestle::Type t) const;
  // Converts every field of `rec` into cells_; on failure fills `reason`.
  bool convert(const CsvRecord& rec, std::string* reason);
  void append_cells();
  std::string location(int64_t line) const { return path_ + ":" + std::to_string(line); }

  std::string path_;
  char delimiter_ = ',';
  bool header_ = true;
  int64_t infer_rows_ = 1000;
  std::vector<std::string> null_values_;
  uint64_t null_lengths_ = 0;  // bit n set: some null value has n bytes (n < 64)
  bool long_null_value_ = false;  // some null value has 64 bytes or more
  std::map<std::string, trestle::Type> declared_;
  RecordShard shard_;

  CsvReader reader_{','};
  CsvRecord rec_;
  trestle::Schema schema_;
  std::vector<trestle::Type> types_;
  std::vector<uint8_t> inferred_;      // 1: the column's type was inferred, not declared
  std::vector<std::string> warnings_;  // from open(), for the first next() to log
  std::vector<trestle::ColumnBuilder> builders_;
  std::vector<Cell> cells_;
  int64_t pending_rows_ = 0;  // rows in builders_ (kept when a read fails mid-batch)
  int64_t blank_lines_reported_ = 0;
  bool opened_ = false;
  bool done_ = false;
};

}  // namespace trestle_io
