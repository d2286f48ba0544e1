#pragma once
// csv_source: streams an RFC 4180 CSV file as batches, inferring column types from a
// sample of rows at open() unless the `schema` option declares them (the rule, which
// tolerates a few values that do not parse, is in type_inference.h). Malformed records,
// and values that do not parse as their column's type, go to the node's dead-letter
// output with their file and line. A big regular file is parsed in chunks on several
// threads (parse_threads), with the same output as one thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "csv_chunk_parser.h"
#include "csv_parallel_parser.h"
#include "csv_reader.h"
#include "csv_row_converter.h"
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
  /// With parse_threads > 1 (csv_parallel_parser.h) the rows come from chunks parsed on
  /// several threads, and are handed out exactly as one reader gives them: the same
  /// batches, and each dead letter and blank line reported by the same call.
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  std::string location(int64_t line) const { return path_ + ":" + std::to_string(line); }
  // At the first next(): the number of threads that parse; starts them when more than 1.
  int parse_threads_for_file() const;
  void start_reading();
  // Add rows to the batch being made until it has `limit`, or the input ends.
  void next_parallel(int64_t limit, trestle::Context& ctx);
  void next_serial(int64_t limit, trestle::Context& ctx, int64_t* other_shards);
  // Reports front_'s dead letters and blank lines that come before its row `row`.
  void emit_before_row(int64_t row, trestle::Context& ctx);
  // One reader goes on from `offset`, where a record starts on line `line`.
  void switch_to_serial(uint64_t offset, int64_t line);
  trestle::Batch take_batch();

  std::string path_;
  char delimiter_ = ',';
  bool header_ = true;
  int64_t infer_rows_ = 1000;
  NullValues null_values_;
  std::map<std::string, trestle::Type> declared_;
  RecordShard shard_;
  int64_t parse_threads_ = 0;  // 0: automatic
  size_t parse_chunk_bytes_ = 0;

  CsvReader reader_{','};
  CsvRecord rec_;
  trestle::Schema schema_;
  CsvRowConverter converter_;
  std::vector<std::string> warnings_;  // from open(), for the first next() to log
  // The batch being made (kept when a read fails mid-batch): rows from parsed chunks in
  // parts_ (shared slices), then rows one reader read in builders_.
  std::vector<std::vector<trestle::Column>> parts_;
  std::vector<trestle::ColumnBuilder> builders_;
  std::vector<CsvRowConverter::Cell> cells_;
  int64_t pending_rows_ = 0;
  int64_t blank_lines_ = 0;  // blank lines passed, besides those reader_ counts
  int64_t blank_lines_reported_ = 0;
  uint64_t progress_offset_ = 0;
  bool opened_ = false;
  bool started_ = false;
  bool done_ = false;

  // Parallel parsing. The chunk being handed out, and how far: its next row, dead letter
  // and blank lines; the physical line its first byte is on.
  std::unique_ptr<CsvChunkRows> front_;
  int64_t front_row_ = 0;
  size_t front_reject_ = 0;
  size_t front_blanks_ = 0;
  int64_t front_line_ = 1;
  // Last, so that its threads stop before what they borrow (reader_, converter_) goes.
  std::unique_ptr<CsvParallelParser> parallel_;
};

}  // namespace trestle_io
