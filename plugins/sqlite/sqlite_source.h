#pragma once
// sqlite_source: the rows of one SELECT over a SQLite database file, read-only.
//
// open() opens the file read-only (never as a URI; it must exist), prepares the query
// without running it, binds `params` and derives the schema from the result columns:
// their names, and types from their declared types (declared_type.h) or the `schema`
// option, which wins. A result column without a declared type (an expression) or of type
// BLOB needs a `schema` entry. Errors name the file, the option or column, and carry
// SQLite's own message ("no such column: plan" when the table lost that column).
//
// next() steps at most max_rows rows and converts each value (result_value.h). A row
// with a value its column cannot hold goes to the dead letters whole, as JSON, at
// "<path> query row <n>" (n counts from 1 in result order); the other rows go on.
// SQLITE_BUSY/LOCKED (a writer holds the file longer than busy_timeout_ms) is
// Unavailable and the host retries next(); rows already read in that call are returned
// first. A drain or abort interrupts a long-running step (end of stream).
//
// `params` are bound as ?1..?N, never spliced into the SQL: a value that is a whole
// decimal integer ("-12", fits int64) is bound as an INTEGER, one that is a whole decimal
// real ("0.5", "1e3") as a REAL, everything else (dates, names, "007x") as TEXT. Note
// that "007" therefore binds as the integer 7. Compare against CAST(?1 AS TEXT) when a
// text column holds such values.
//
// Threading: serial. The statement holds SQLite's read lock on the file while rows are
// pending; it is reset at end of stream and released by close().

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "sqlite_db.h"

namespace trestle_sqlite {

class SqliteSource final : public trestle::DataSource {
 public:
  static trestle::OperatorSpec spec();
  /// Checks the options alone (no file access).
  explicit SqliteSource(const trestle::Options& options);

  trestle::Schema open() override;
  std::optional<trestle::Batch> next(int64_t max_rows, trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  std::string where() const;  // "sqlite_source \"<path>\""

  std::string path_, query_;
  std::vector<std::string> params_;
  std::map<std::string, trestle::Type> declared_;
  int64_t busy_timeout_ms_;
  int64_t min_rows_;
  Db db_;
  Stmt stmt_;
  trestle::Schema schema_;
  int64_t rows_stepped_ = 0;
  bool done_ = false;
};

}  // namespace trestle_sqlite
