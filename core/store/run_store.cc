#include "store/run_store.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>

namespace trestle::core {

namespace {

constexpr int kBusyTimeoutMs = 10000;

}  // namespace

std::string RunStore::DefaultPath(const std::string& state_dir) {
  return (std::filesystem::path(state_dir.empty() ? "." : state_dir) / "runs.db").string();
}

Result<std::unique_ptr<RunStore>> RunStore::Open(const std::string& path, bool create) {
  std::error_code ec;
  if (!create && !std::filesystem::exists(path, ec))
    return InvalidArgument("run store " + path + ": no such file (no run has been recorded there)");
  auto parent = std::filesystem::path(path).parent_path();
  if (create && !parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Unavailable("run store " + path + ": cannot create " + parent.string() + ": " + ec.message());
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Unavailable("run store " + path + ": cannot open: " + msg);
  }
  std::unique_ptr<RunStore> store(new RunStore(path, db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // WAL lets readers and one writer work at once, across processes. Switching needs a
  // moment of exclusive access, which a concurrent opener may hold: retry.
  std::string mode;
  for (int attempt = 0; attempt < 50; ++attempt) {
    sqlite3_stmt* s = nullptr;
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &s, nullptr);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
      mode = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    if (mode == "wal") break;
    if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
      return store->Error("cannot switch to WAL journal mode");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (mode != "wal") return store->Error("cannot switch to WAL journal mode (got \"" + mode + "\")");
  if (Status st = store->Exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !st.ok()) return st;
  if (Status st = store->Migrate(); !st.ok()) return st;
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

RunStore::RunStore(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

RunStore::~RunStore() {
  {
    std::lock_guard<std::mutex> lock(q_mu_);
    stop_ = true;
  }
  q_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (auto& [sql, stmt] : stmts_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

sqlite3_stmt* RunStore::Prepare(const char* sql) {
  auto it = stmts_.find(sql);
  if (it != stmts_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) return nullptr;
  stmts_[sql] = s;
  return s;
}

Status RunStore::Error(const std::string& what) const {
  int rc = sqlite3_extended_errcode(db_);
  int primary = rc & 0xff;
  Code code = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? Code::kUnavailable
              : primary == SQLITE_FULL                          ? Code::kResourceExhausted
                                                                : Code::kInternal;
  return Status(code, "run store " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Status RunStore::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK) return Status::Ok();
  std::string msg = err ? err : "unknown error";
  sqlite3_free(err);
  int primary = sqlite3_extended_errcode(db_) & 0xff;
  return Status(primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? Code::kUnavailable : Code::kInternal,
                "run store " + path_ + ": " + msg);
}

}  // namespace trestle::core
