#pragma once
// Helpers for the sqlite plugin's tests: a temporary directory, and direct SQLite access
// (a second connection, as another program would have) to set tables up and read them.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

namespace trestle_sqlite::test {

/// A fresh directory under ::testing::TempDir(), removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "trestle_sqlite_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A connection of its own to `path` (created when absent), closed on destruction.
class Conn {
 public:
  explicit Conn(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) ADD_FAILURE() << "cannot open " << path;
  }
  ~Conn() { sqlite3_close(db_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  /// Runs `sql`; a failure fails the test.
  void exec(const std::string& sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) ADD_FAILURE() << sql << ": " << (err ? err : "?");
    sqlite3_free(err);
  }
  /// Every row of `query` as "v1|v2|...", NULL as "NULL".
  std::vector<std::string> rows(const std::string& query) const {
    std::vector<std::string> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, query.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << query << ": " << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        if (c) row += '|';
        const auto* t = sqlite3_column_text(s, c);
        row += t ? reinterpret_cast<const char*>(t) : "NULL";
      }
      out.push_back(row);
    }
    sqlite3_finalize(s);
    return out;
  }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

/// Runs `sql` on the database at `path` through a connection of its own.
inline void exec(const std::string& path, const std::string& sql) { Conn(path).exec(sql); }
inline std::vector<std::string> rows(const std::string& path, const std::string& query) { return Conn(path).rows(query); }

/// The message of the error creating and opening operator T throws ("" when none).
template <typename T>
std::string open_error(const trestle::Options& o, const trestle::Schema& input = trestle::Schema()) {
  auto e = trestle::testing::open_error<T>(o, input);
  return e ? e->what() : "";
}

}  // namespace trestle_sqlite::test
