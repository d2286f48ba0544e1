#pragma once
/// Stmt: a guard over one of RunStore's cached prepared statements, with typed binding
/// and column reads. Internal to core/store.

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "store/run_store.h"

namespace trestle::core::store_internal {

/// A prepared statement, reset (bindings cleared) when the guard goes.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() {
    if (s_) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return s_ != nullptr; }
  Stmt& Text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& TextOrNull(int i, const std::string& v) {
    if (v.empty()) sqlite3_bind_null(s_, i);
    else Text(i, v);
    return *this;
  }
  Stmt& Int(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  /// The shard's index (`count` false) or count, or NULL for an unsharded run.
  Stmt& ShardOrNull(int i, const RunShard& shard, bool count) {
    if (!shard.sharded()) sqlite3_bind_null(s_, i);
    else sqlite3_bind_int64(s_, i, count ? shard.count : shard.index);
    return *this;
  }
  Stmt& Real(int i, double v) {
    if (std::isfinite(v)) sqlite3_bind_double(s_, i, v);
    else sqlite3_bind_null(s_, i);
    return *this;
  }
  int Step() { return sqlite3_step(s_); }
  /// Steps a statement that returns no rows; true when it is done.
  bool Run() { return Step() == SQLITE_DONE; }

  std::string Str(int c) const {
    const unsigned char* t = sqlite3_column_text(s_, c);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }
  int64_t I64(int c) const { return sqlite3_column_int64(s_, c); }
  double Dbl(int c) const {
    return sqlite3_column_type(s_, c) == SQLITE_NULL ? std::nan("") : sqlite3_column_double(s_, c);
  }
  bool Null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  nlohmann::json Json(int c) const {
    if (Null(c)) return nullptr;
    nlohmann::json j = nlohmann::json::parse(Str(c), nullptr, false);
    return j.is_discarded() ? nlohmann::json() : j;
  }

 private:
  sqlite3_stmt* s_;
};

}  // namespace trestle::core::store_internal
