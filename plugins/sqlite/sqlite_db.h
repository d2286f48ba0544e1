#pragma once
// Owners of a SQLite connection and a prepared statement, and the one place where a
// SQLite result code becomes a Trestle error. Used by sqlite_source and sqlite_sink;
// neither keeps a raw sqlite3* of its own.
//
// Error mapping (sqlite_error): BUSY and LOCKED -> Unavailable (the host retries the
// call; the connection waits busy_timeout_ms inside SQLite before reporting them), FULL,
// NOMEM and TOOBIG -> ResourceExhausted, CANTOPEN, PERM, READONLY, AUTH and NOTADB
// -> InvalidArgument, everything else -> DataError. Every message starts with what was
// being done and where (file, table, statement) and ends with SQLite's own text.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include <trestle/error.hpp>

namespace trestle_sqlite {

/// The error fitting result code `rc`, its message "<where>: <SQLite's message>".
trestle::Error sqlite_error(int rc, const std::string& where, const std::string& sqlite_message);

/// `name` as a double-quoted SQL identifier ("a""b" for a"b).
std::string quote_ident(std::string_view name);

/// A path as SQLite must see it to open exactly that file: "file:..." (a URI when the
/// library has URI names on) and ":memory:" get a "./" in front.
std::string literal_path(const std::string& path);

/// One open connection; closes it on destruction. Move-only.
class Db {
 public:
  Db() = default;
  /// Opens `path` (never as a URI) with SQLITE_OPEN_* `flags`, extended result codes on
  /// and a busy timeout. `what` names the file in messages (e.g. "sqlite_sink \"a.db\"").
  static Db open(const std::string& path, int flags, int64_t busy_timeout_ms, const std::string& what);
  ~Db() { close(); }
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept {
    if (this != &o) close(), db_ = o.db_, o.db_ = nullptr;
    return *this;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return db_; }
  explicit operator bool() const { return db_ != nullptr; }
  std::string errmsg() const { return db_ ? sqlite3_errmsg(db_) : "no connection"; }
  /// Runs `sql` (statements without result rows); throws sqlite_error naming `where`.
  void exec(const std::string& sql, const std::string& where) const;
  /// Runs `sql` and ignores any failure (rollback on a path that is already failing).
  void exec_quietly(const std::string& sql) const noexcept;
  void close() noexcept;

 private:
  sqlite3* db_ = nullptr;
};

/// One prepared statement; finalized on destruction. Move-only.
class Stmt {
 public:
  Stmt() = default;
  /// Prepares the first statement of `sql`; `*tail` (when given) receives the offset
  /// of what follows it. Throws sqlite_error naming `where`.
  static Stmt prepare(const Db& db, const std::string& sql, const std::string& where, size_t* tail = nullptr);
  ~Stmt() { finalize(); }
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) finalize(), s_ = o.s_, o.s_ = nullptr;
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  sqlite3_stmt* get() const { return s_; }
  explicit operator bool() const { return s_ != nullptr; }
  void finalize() noexcept {
    if (s_) sqlite3_finalize(s_), s_ = nullptr;
  }

 private:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  sqlite3_stmt* s_ = nullptr;
};

}  // namespace trestle_sqlite
