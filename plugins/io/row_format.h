#pragma once
// Row text shared by csv_sink, jsonl_sink and stdout_sink. Appends to a caller-owned
// buffer; no per-row allocation once the buffer has grown, no virtual calls.

#include <cstdint>
#include <string>

#include <trestle/batch.hpp>
#include <trestle/schema.hpp>

#include "row_json.hpp"

namespace trestle_io {

struct CsvFormat {
  char delimiter = ',';
  /// Significant digits of float64 values, as printf's %.{p}g (17 round-trips every
  /// double exactly); float32 values use min(p, 9), which round-trips every float.
  int float_precision = 17;
};

/// The column names as one CSV line (with "\n").
void append_csv_header(std::string& out, const trestle::Schema& schema, char delimiter);

/// Rows [begin, end) as RFC 4180 lines ending in "\n": fields holding the delimiter, a
/// quote, CR or LF are quoted with quotes doubled; so are empty strings and the
/// strings "NA" and "null", so that csv_source reads them back as strings, not nulls.
/// Nulls are empty fields, bools true/false, timestamps YYYY-MM-DDTHH:MM:SS.ffffff
/// (UTC), NaN as nan.
void append_csv_rows(std::string& out, const trestle::Batch& batch, const CsvFormat& format, int64_t begin,
                     int64_t end);

/// Rows [begin, end) as JSON objects, one per line, keys in schema order. Nulls and
/// non-finite numbers are null; floats use the shortest text that reads back to the
/// same value (with ".0" when it would look like an integer); timestamps are strings
/// (row_json.hpp).
void append_jsonl_rows(std::string& out, const trestle::Batch& batch, int64_t begin, int64_t end,
                       trestle_support::JsonStats* stats);

}  // namespace trestle_io
