#pragma once
// How a SQLite declared column type (the text after the column name in CREATE TABLE)
// relates to Trestle's column types, for both directions.
//
// SQLite keeps values by storage class, not by column type; the declared type only gives
// the column an affinity (https://sqlite.org/datatype3.html, 3.1, applied in order:
// contains "INT" -> INTEGER; "CHAR", "CLOB" or "TEXT" -> TEXT; "BLOB" or no type ->
// BLOB; "REAL", "FLOA" or "DOUB" -> REAL; anything else -> NUMERIC). Trestle reads a
// declared type the same way, with two refinements of the NUMERIC rest: "BOOL" (BOOLEAN)
// reads as bool and "DATE"/"TIME" (DATE, DATETIME, TIMESTAMP) as timestamp[us].
//
//   reading (sqlite_source)            writing (sqlite_sink): input type -> declared kinds
//   INTEGER kind       -> int64        int32, int64     -> INTEGER, REAL, NUMERIC
//   REAL kind          -> float64      float32, float64 -> REAL, NUMERIC
//   NUMERIC rest       -> float64      bool             -> BOOL, INTEGER, NUMERIC
//   BOOL               -> bool         utf8             -> TEXT, DATE/TIME
//   TEXT kind          -> utf8         timestamp[us]    -> DATE/TIME, TEXT
//   DATE/TIME          -> timestamp    (a column without a declared type takes any type;
//   BLOB, no type      -> needs a       a BLOB column none: Trestle has no binary type)
//                         `schema` entry

#include <optional>
#include <string>
#include <string_view>

#include <trestle/types.hpp>

namespace trestle_sqlite {

/// What a declared type says, in the order of the rules above.
enum class DeclaredKind { Integer, Text, Blob, Untyped, Real, Bool, Timestamp, Numeric };

DeclaredKind declared_kind(std::string_view declared);

/// The type a result column of declared type `declared` reads as; nullopt for BLOB and
/// for no declared type (an expression), which need a `schema` entry.
std::optional<trestle::Type> type_for_declared(std::string_view declared);

/// Whether a table column declared `declared` takes values of Trestle type `t`.
bool holds(std::string_view declared, trestle::Type t);

/// For messages: which declared types take `t` ("INTEGER, REAL or NUMERIC columns...").
std::string declared_types_for(trestle::Type t);

/// The declared type sqlite_sink gives a new column of type `t` (create: true):
/// INTEGER, REAL, TEXT, BOOLEAN or TIMESTAMP.
const char* declared_type_to_create(trestle::Type t);

/// The affinity keyword of `declared` (INTEGER, TEXT, REAL, NUMERIC, or "" for BLOB),
/// given to the staging table's columns so that staged values convert as in the target.
const char* affinity_keyword(std::string_view declared);

}  // namespace trestle_sqlite
