#pragma once
// Reading one value of a SQLite result row as a Trestle column type (sqlite_source).
//
// SQLite does not enforce declared types, so a value may be of any storage class. What
// each target type takes (anything else rejects the row, naming column and value):
//   int32 / int64   an INTEGER in range, or a REAL with an integral value in range
//   float32/float64 an INTEGER or a REAL (a float32 must not overflow to infinity)
//   bool            the INTEGER 0 or 1
//   utf8            TEXT that is valid UTF-8, or an INTEGER/REAL as SQLite prints it
//   timestamp[us]   TEXT in ISO-8601: "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or as
//                   trestle_support::parse_timestamp reads it (seconds, a fraction, 'T'
//                   or ' ', "Z" or "+HH:MM"); numbers are refused (seconds? days? a
//                   Julian day?), declare such a column int64 or float64 instead
// A NULL of any column is a null. A BLOB is refused everywhere.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <trestle/types.hpp>

namespace trestle_sqlite {

/// One converted value. `text` points into SQLite's memory: valid until the next step.
struct Cell {
  bool null = false;
  int64_t i = 0;  ///< int32, int64, bool (0/1), timestamp (microseconds)
  double d = 0;   ///< float32, float64
  std::string_view text;
};

/// Converts column `col` of the current row of `stmt` to type `t` into `out`. Returns
/// an empty string, or why the value does not fit ("text \"abc\" is not an int64").
std::string read_cell(sqlite3_stmt* stmt, int col, trestle::Type t, Cell* out);

/// The current row as a JSON object of its raw values, for a dead letter.
std::string row_as_json(sqlite3_stmt* stmt);

/// Whether `s` is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace trestle_sqlite
