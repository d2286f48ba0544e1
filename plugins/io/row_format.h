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
  /// 0 (the default): each float is written as the shortest text that reads back to the
  /// same value in its column's own type (std::to_chars without a precision: shortest
  /// for float in float32 columns, for double in float64 columns), so 0.1f is "0.1".
  /// 1 to 17: that many significant digits, as printf's %.{p}g, for float64 values and
  /// min(p, 9) for float32 values (17 and 9 still round-trip every double and float).
  int float_precision = 0;
};

/// The column names as one CSV line (with "\n").
void append_csv_header(std::string& out, const trestle::Schema& schema, char delimiter);

/// Rows [begin, end) as RFC 4180 lines ending in "\n": fields holding the delimiter, a
/// quote, CR or LF are quoted with quotes doubled; so are empty strings and the
/// strings "NA" and "null", so that csv_source reads them back as strings, not nulls.
/// Nulls are empty fields, bools true/false, timestamps YYYY-MM-DDTHH:MM:SS.ffffff
/// (UTC), NaN as nan, infinities as inf and -inf.
void append_csv_rows(std::string& out, const trestle::Batch& batch, const CsvFormat& format, int64_t begin,
                     int64_t end);

/// Rows [begin, end) as JSON objects, one per line, keys in schema order. Nulls and
/// non-finite numbers are null; floats use the shortest text that reads back to the
/// same value (with ".0" when it would look like an integer); timestamps are strings
/// (row_json.hpp).
void append_jsonl_rows(std::string& out, const trestle::Batch& batch, int64_t begin, int64_t end,
                       trestle_support::JsonStats* stats);

}  // namespace trestle_io
