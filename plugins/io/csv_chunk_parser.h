#pragma once
// parse_csv_chunk: what one chunk of a CSV file (csv_chunk_splitter.h) reads as: its
// rows as columns, and its dead letters and blank lines placed among those rows, so that
// csv_source can hand them out exactly as one reader going through the file would.

#include <cstdint>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "csv_chunk_splitter.h"
#include "csv_row_converter.h"

namespace trestle_io {

struct CsvChunkRows {
  /// A record that is dead-lettered, after the chunk's first `rows_before` rows.
  struct Reject {
    int64_t rows_before = 0;
    int64_t line = 0;  ///< physical line in the chunk, from 1
    std::string record;
    std::string reason;
  };
  /// `count` blank lines after the chunk's first `rows_before` rows.
  struct Blanks {
    int64_t rows_before = 0;
    int64_t count = 0;
  };

  std::vector<trestle::Column> columns;  ///< the rows, one column per schema field
  int64_t rows = 0;
  std::vector<Reject> rejects;  ///< in file order
  std::vector<Blanks> blanks;   ///< in file order
  int64_t line_ends = 0;        ///< line ends in the bytes parsed
  uint64_t offset = 0;          ///< the chunk's first byte in the file
  size_t parsed_bytes = 0;      ///< from the chunk's start to where parsing stopped
  /// False when a record runs past the chunk's end: the cut was not a record boundary
  /// (stray quotes misled the splitter). Everything before that record is right; that
  /// record starts at offset + parsed_bytes, line_ends lines after the chunk's first.
  bool ended_at_cut = true;
};

/// Parses `chunk` (whose first byte starts a record) with `converter`, reserving room for
/// `expected_rows` rows (0: none). `chunk` keeps its buffer, for reuse. Throws what
/// building the columns throws (bad_alloc).
CsvChunkRows parse_csv_chunk(CsvChunk& chunk, char delimiter, const CsvRowConverter& converter,
                             int64_t expected_rows);

}  // namespace trestle_io
