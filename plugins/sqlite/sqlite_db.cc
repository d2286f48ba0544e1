#include "sqlite_db.h"

namespace trestle_sqlite {

trestle::Error sqlite_error(int rc, const std::string& where, const std::string& sqlite_message) {
  const std::string m = where + ": " + sqlite_message;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return trestle::Unavailable(m);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG: return trestle::ResourceExhausted(m);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
    case SQLITE_NOTADB: return trestle::InvalidArgument(m);
    default: return trestle::DataError(m);
  }
}

std::string quote_ident(std::string_view name) {
  std::string q = "\"";
  for (char c : name) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::string literal_path(const std::string& path) {
  if (path.rfind("file:", 0) == 0 || path == ":memory:") return "./" + path;
  return path;
}

Db Db::open(const std::string& path, int flags, int64_t busy_timeout_ms, const std::string& what) {
  Db d;
  // Without SQLITE_OPEN_URI a name is a URI only if the library was built or configured
  // to treat it so; literal_path covers that case too.
  int rc = sqlite3_open_v2(literal_path(path).c_str(), &d.db_, flags & ~SQLITE_OPEN_URI, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = d.db_ ? sqlite3_errmsg(d.db_) : sqlite3_errstr(rc);
    throw sqlite_error(rc, what + ": cannot open the database", msg);
  }
  sqlite3_extended_result_codes(d.db_, 1);
  sqlite3_busy_timeout(d.db_, static_cast<int>(busy_timeout_ms));
  return d;
}

void Db::exec(const std::string& sql, const std::string& where) const {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return;
  std::string msg = err ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  throw sqlite_error(rc, where, msg);
}

void Db::exec_quietly(const std::string& sql) const noexcept {
  if (db_) sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

void Db::close() noexcept {
  if (db_ == nullptr) return;
  // Statements are owned by Stmt objects, which the operators destroy first; v2 defers
  // the close until they are gone if one is not.
  sqlite3_close_v2(db_);
  db_ = nullptr;
}

Stmt Stmt::prepare(const Db& db, const std::string& sql, const std::string& where, size_t* tail) {
  sqlite3_stmt* s = nullptr;
  const char* end = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql.c_str(), static_cast<int>(sql.size()), &s, &end);
  if (rc != SQLITE_OK) {
    std::string msg = db.errmsg();
    sqlite3_finalize(s);
    throw sqlite_error(rc, where, msg);
  }
  if (tail) *tail = end ? static_cast<size_t>(end - sql.c_str()) : sql.size();
  return Stmt(s);
}

}  // namespace trestle_sqlite
