#include "store/run_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <tuple>

#include <glog/logging.h>

namespace trestle::core {

namespace {

constexpr int kBusyTimeoutMs = 10000;
constexpr int kBusyRetries = 5;

// Migrations: kMigrations[i] takes the schema from version i to version i + 1.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
CREATE TABLE runs (
  run_id           TEXT PRIMARY KEY,
  pipeline         TEXT NOT NULL,
  file             TEXT NOT NULL DEFAULT '',
  config_hash      TEXT NOT NULL DEFAULT '',
  started          TEXT NOT NULL,
  ended            TEXT,
  status           TEXT NOT NULL,
  error            TEXT,
  duration_seconds REAL,
  rows_read        INTEGER NOT NULL DEFAULT 0,
  rows_written     INTEGER NOT NULL DEFAULT 0,
  accounting       TEXT,
  report           TEXT
);
CREATE INDEX runs_started ON runs(started);
CREATE INDEX runs_pipeline ON runs(pipeline, started);
CREATE TABLE run_plugins (
  run_id  TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  plugin  TEXT NOT NULL,
  version TEXT NOT NULL DEFAULT '',
  sha256  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_id, plugin)
);
CREATE TABLE run_models (
  id        INTEGER PRIMARY KEY,
  run_id    TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  node      TEXT NOT NULL,
  version   TEXT NOT NULL DEFAULT '',
  path      TEXT NOT NULL DEFAULT '',
  sha256    TEXT NOT NULL DEFAULT '',
  framework TEXT NOT NULL DEFAULT '',
  rows      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX run_models_run ON run_models(run_id);
CREATE TABLE windows (
  id              INTEGER PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  node            TEXT NOT NULL,
  start_us        INTEGER NOT NULL,
  end_us          INTEGER NOT NULL,
  rows            INTEGER NOT NULL DEFAULT 0,
  skipped_batches INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX windows_run ON windows(run_id, node, start_us);
CREATE INDEX windows_node ON windows(node, start_us);
CREATE TABLE window_features (
  window_id INTEGER NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
  feature   TEXT NOT NULL,
  kind      TEXT NOT NULL DEFAULT '',
  stats     TEXT NOT NULL DEFAULT '{}',
  scores    TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (window_id, feature)
);
CREATE INDEX window_features_feature ON window_features(feature, window_id);
CREATE TABLE findings (
  id              INTEGER PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
  node            TEXT NOT NULL,
  time_us         INTEGER NOT NULL,
  window_start_us INTEGER NOT NULL,
  feature         TEXT NOT NULL DEFAULT '',
  code            TEXT NOT NULL,
  statistic       TEXT NOT NULL DEFAULT '',
  value           REAL,
  threshold       REAL,
  top_values      TEXT NOT NULL DEFAULT '[]',
  message         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX findings_run ON findings(run_id, time_us);
CREATE INDEX findings_feature ON findings(feature, time_us);
)sql",
    // 1 -> 2: which process runs a run, so that a later start can tell a run whose
    // process died (kill -9, a crash) and record it as failed.
    R"sql(
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN process_identity TEXT;
ALTER TABLE runs ADD COLUMN run_dir TEXT;
CREATE INDEX runs_status ON runs(status);
)sql",
    // 2 -> 3: the date a run is for (`trestle run --date`), so that a backfill can tell
    // which dates succeeded, failed or are missing.
    R"sql(
ALTER TABLE runs ADD COLUMN run_date TEXT;
CREATE INDEX runs_pipeline_date ON runs(pipeline, run_date);
)sql",
    // 3 -> 4: the shard a run read (`trestle run --shard I/N`), so that the runs of one
    // date can be told apart by shard; NULL for the runs of earlier versions, which were
    // all unsharded.
    R"sql(
ALTER TABLE runs ADD COLUMN shard_index INTEGER;
ALTER TABLE runs ADD COLUMN shard_count INTEGER;
)sql",
};
static_assert(std::size(kMigrations) == RunStore::kSchemaVersion);

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

// Payload fields, tolerant of missing keys and wrong types (the payload comes from a
// plugin): a missing or mistyped field reads as its default.
int64_t JInt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer() || it->is_number_unsigned()) return it->get<int64_t>();
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  return 0;
}
double JNum(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
}
std::string JStr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
nlohmann::json JObj(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : nlohmann::json::object();
}
nlohmann::json JArr(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : nlohmann::json::array();
}

std::map<std::string, double> NumberMap(const nlohmann::json& j) {
  std::map<std::string, double> m;
  if (!j.is_object()) return m;
  for (const auto& [k, v] : j.items()) m[k] = v.is_number() ? v.get<double>() : std::nan("");
  return m;
}

// A JSON object of numbers keeps only numbers and nulls.
std::string NumberObjectText(const nlohmann::json& j) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [k, v] : j.items()) o[k] = v.is_number() && std::isfinite(v.get<double>()) ? v : nlohmann::json();
  return o.dump();
}

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

double SecondsBetween(const std::string& a, const std::string& b) {
  auto x = ParseIsoTimeMicros(a), y = ParseIsoTimeMicros(b);
  if (!x.ok() || !y.ok()) return -1;
  return static_cast<double>(*y - *x) / 1e6;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Opening and the schema

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

template <typename Body>
Status RunStore::Transaction(Body&& body) {
  Status st;
  for (int attempt = 0; attempt <= kBusyRetries; ++attempt) {
    st = Exec("BEGIN IMMEDIATE");
    if (st.ok()) {
      st = body();
      if (st.ok()) st = Exec("COMMIT");
      if (!st.ok()) (void)Exec("ROLLBACK");
    }
    if (st.ok() || st.code() != Code::kUnavailable) return st;
  }
  return st;
}

Status RunStore::Migrate() {
  std::lock_guard<std::mutex> lock(db_mu_);
  return Transaction([&]() -> Status {
    if (Status st = Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !st.ok()) return st;
    int64_t version = 0;
    {
      Stmt q(Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
      if (!q.ok() || q.Step() != SQLITE_ROW) return Error("cannot read the schema version");
      version = q.I64(0);
    }
    if (version > kSchemaVersion)
      return Status(Code::kInvalidArgument, "run store " + path_ + ": schema version " + std::to_string(version) +
                                                " was written by a newer trestle (this one knows up to " +
                                                std::to_string(kSchemaVersion) + ")");
    if (version == kSchemaVersion) return Status::Ok();
    for (int64_t v = version; v < kSchemaVersion; ++v)
      if (Status st = Exec(kMigrations[v]); !st.ok())
        return st.WithContext("migrating the schema to version " + std::to_string(v + 1));
    return Exec("DELETE FROM schema_version; INSERT INTO schema_version(version) VALUES (" +
                std::to_string(kSchemaVersion) + ")");
  });
}

// ---------------------------------------------------------------------------------------
// Writing

Status RunStore::BeginRun(const std::string& run_id, const std::string& pipeline, const std::string& file,
                          const std::string& config_hash, const std::string& started, const RunOwner& owner,
                          const std::string& run_date, const RunShard& shard) {
  Status st;
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    st = Transaction([&]() -> Status {
      Stmt s(Prepare("INSERT INTO runs(run_id, pipeline, file, config_hash, started, status, host, pid, "
                      "process_identity, run_dir, run_date, shard_index, shard_count) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
      if (!s.ok()) return Error("cannot prepare the run insert");
      if (!s.Text(1, run_id)
               .Text(2, pipeline)
               .Text(3, file)
               .Text(4, config_hash)
               .Text(5, started)
               .TextOrNull(6, owner.process.host)
               .Int(7, owner.process.pid)
               .TextOrNull(8, owner.process.identity)
               .TextOrNull(9, owner.run_dir)
               .TextOrNull(10, run_date)
               .ShardOrNull(11, shard, false)
               .ShardOrNull(12, shard, true)
               .Run())
        return Error("cannot record run " + run_id);
      return Status::Ok();
    });
  }
  if (st.ok()) {
    std::lock_guard<std::mutex> lock(q_mu_);
    run_id_ = run_id;
  }
  return st;
}

Result<std::vector<RunningRun>> RunStore::RunningOn(const std::string& host) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt q(Prepare("SELECT run_id, pid, COALESCE(process_identity, ''), COALESCE(run_dir, ''), started FROM runs "
                 "WHERE status = 'running' AND host = ?1 ORDER BY started"));
  if (!q.ok()) return Error("cannot prepare the running-runs query");
  q.Text(1, host);
  std::vector<RunningRun> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    RunningRun r;
    r.run_id = q.Str(0);
    r.owner.process.host = host;
    r.owner.process.pid = static_cast<pid_t>(q.I64(1));
    r.owner.process.identity = q.Str(2);
    r.owner.run_dir = q.Str(3);
    r.started = q.Str(4);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("cannot list the running runs");
  return out;
}

Status RunStore::MarkAbandoned(const std::string& run_id, const std::string& error, const std::string& ended) {
  std::lock_guard<std::mutex> lock(db_mu_);
  return Transaction([&]() -> Status {
    // Only a run still recorded as running: its process may have ended it meanwhile.
    Stmt s(Prepare("UPDATE runs SET status = 'failed', error = ?2, ended = ?3, duration_seconds = "
                   "MAX(0, (julianday(?3) - julianday(started)) * 86400.0) WHERE run_id = ?1 AND status = 'running'"));
    if (!s.ok()) return Error("cannot prepare the abandoned-run update");
    if (!s.Text(1, run_id).Text(2, error).Text(3, ended).Run()) return Error("cannot mark run " + run_id + " failed");
    return Status::Ok();
  });
}

Status RunStore::EndRun(const nlohmann::json& report) {
  Status flushed = Flush();
  const std::string run_id = JStr(report, "run_id");
  if (run_id.empty()) return InvalidArgument("run store " + path_ + ": the run report has no run_id");
  const nlohmann::json acc = JObj(report, "accounting");
  int64_t read = 0, written = 0;
  const nlohmann::json sources = JObj(acc, "sources");
  // Rows an aggregate emits were not read, and rows that end in one were not written:
  // both are the run's own intermediate rows.
  auto aggregate = [](const nlohmann::json& j) { return j.contains("aggregate") && j["aggregate"] == true; };
  for (const auto& [src, s] : sources.items()) {
    if (!aggregate(s)) read += JInt(s, "read");
    const nlohmann::json paths = JObj(s, "paths");
    for (const auto& [sink, p] : paths.items())
      if (!aggregate(p)) written += JInt(p, "reached");
  }
  std::string error;
  if (report.contains("error") && report["error"].is_object())
    error = JStr(report["error"], "code") + ": " + JStr(report["error"], "message");
  std::string status = JStr(report, "status");
  std::string started = JStr(report, "started"), ended = JStr(report, "ended");
  if (started.empty()) started = ended;
  double duration = JNum(report, "duration_seconds");
  const nlohmann::json shard_json = JObj(report, "shard");
  const RunShard shard{JInt(shard_json, "index"), JInt(shard_json, "count")};
  Status st;
  {
    std::lock_guard<std::mutex> lock(db_mu_);
    st = Transaction([&]() -> Status {
      {
        Stmt s(Prepare("INSERT INTO runs(run_id, pipeline, file, config_hash, started, ended, status, error, "
                        "duration_seconds, rows_read, rows_written, accounting, report, run_date, shard_index, "
                        "shard_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) "
                        "ON CONFLICT(run_id) DO UPDATE SET pipeline = excluded.pipeline, file = excluded.file, "
                        "config_hash = excluded.config_hash, started = excluded.started, ended = excluded.ended, "
                        "status = excluded.status, error = excluded.error, "
                        "duration_seconds = excluded.duration_seconds, rows_read = excluded.rows_read, "
                        "rows_written = excluded.rows_written, accounting = excluded.accounting, "
                        "report = excluded.report, run_date = COALESCE(runs.run_date, excluded.run_date), "
                        "shard_index = COALESCE(runs.shard_index, excluded.shard_index), "
                        "shard_count = COALESCE(runs.shard_count, excluded.shard_count)"));
        if (!s.ok()) return Error("cannot prepare the run update");
        s.Text(1, run_id)
            .Text(2, JStr(report, "pipeline"))
            .Text(3, JStr(report, "file"))
            .Text(4, JStr(report, "config_hash"))
            .Text(5, started)
            .TextOrNull(6, ended)
            .Text(7, status.empty() ? "unknown" : status)
            .TextOrNull(8, error)
            .Real(9, duration)
            .Int(10, read)
            .Int(11, written)
            .Text(12, acc.dump())
            .Text(13, report.dump())
            .TextOrNull(14, JStr(report, "run_date"))
            .ShardOrNull(15, shard, false)
            .ShardOrNull(16, shard, true);
        if (!s.Run()) return Error("cannot record the end of run " + run_id);
      }
      {
        Stmt del(Prepare("DELETE FROM run_plugins WHERE run_id = ?1"));
        if (!del.ok() || !del.Text(1, run_id).Run()) return Error("cannot replace the plugins of run " + run_id);
        Stmt del2(Prepare("DELETE FROM run_models WHERE run_id = ?1"));
        if (!del2.ok() || !del2.Text(1, run_id).Run()) return Error("cannot replace the models of run " + run_id);
      }
      const nlohmann::json plugins = JObj(report, "plugins");
      for (const auto& [name, p] : plugins.items()) {
        Stmt s(Prepare("INSERT INTO run_plugins(run_id, plugin, version, sha256) VALUES (?1, ?2, ?3, ?4)"));
        if (!s.ok() || !s.Text(1, run_id).Text(2, name).Text(3, JStr(p, "version")).Text(4, JStr(p, "sha256")).Run())
          return Error("cannot record plugin " + name + " of run " + run_id);
      }
      for (const auto& m : JArr(report, "models")) {
        for (const auto& v : JArr(m, "versions")) {
          Stmt s(Prepare("INSERT INTO run_models(run_id, node, version, path, sha256, framework, rows) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
          if (!s.ok() || !s.Text(1, run_id)
                              .Text(2, JStr(m, "node"))
                              .Text(3, JStr(v, "version"))
                              .Text(4, JStr(v, "path"))
                              .Text(5, JStr(v, "sha256"))
                              .Text(6, JStr(v, "framework"))
                              .Int(7, JInt(v, "rows"))
                              .Run())
            return Error("cannot record the models of run " + run_id);
        }
      }
      return Status::Ok();
    });
  }
  {
    std::lock_guard<std::mutex> lock(q_mu_);
    if (run_id_ == run_id) run_id_.clear();
  }
  if (!st.ok()) return st;
  if (!flushed.ok()) {
    return Status(flushed.code(), std::to_string(lost()) + " monitor windows or findings of run " + run_id +
                                      " were not stored; first: " + flushed.message());
  }
  return Status::Ok();
}

void RunStore::RecordWindow(const std::string& node, const nlohmann::json& window) {
  Enqueue({true, {}, node, window});
}

void RunStore::RecordFinding(const std::string& node, const nlohmann::json& finding) {
  Enqueue({false, {}, node, finding});
}

void RunStore::NoteLoss(int64_t n, const Status& why) {
  std::lock_guard<std::mutex> lock(q_mu_);
  if (first_error_.ok()) {
    first_error_ = why;
    LOG(WARNING) << "run store: monitor windows or findings are being lost: " << why.message();
  }
  lost_ += n;
}

void RunStore::Enqueue(Pending p) {
  {
    std::lock_guard<std::mutex> lock(q_mu_);
    if (run_id_.empty()) {
      if (first_error_.ok()) {
        first_error_ = Internal("run store " + path_ + ": a monitor record arrived outside a run");
        LOG(WARNING) << first_error_.message();
      }
      ++lost_;
      return;
    }
    if (queue_.size() >= kMaxQueued) {
      if (first_error_.ok()) {
        first_error_ = Status(Code::kResourceExhausted, "run store " + path_ + ": more than " +
                                                            std::to_string(kMaxQueued) +
                                                            " monitor records waiting to be written; dropping");
        LOG(WARNING) << first_error_.message();
      }
      ++lost_;
      return;
    }
    p.run_id = run_id_;
    queue_.push_back(std::move(p));
  }
  q_cv_.notify_one();
}

void RunStore::WriterLoop() {
  std::unique_lock<std::mutex> lock(q_mu_);
  for (;;) {
    q_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping and nothing left
    std::vector<Pending> batch(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    writing_ = true;
    lock.unlock();
    Status st = WritePending(batch);
    if (!st.ok()) NoteLoss(static_cast<int64_t>(batch.size()), st);
    lock.lock();
    writing_ = false;
    idle_cv_.notify_all();
  }
  writing_ = false;
  idle_cv_.notify_all();
}

Status RunStore::WritePending(const std::vector<Pending>& batch) {
  std::lock_guard<std::mutex> lock(db_mu_);
  return Transaction([&]() -> Status {
    for (const Pending& p : batch) {
      const nlohmann::json& j = p.payload;
      if (!j.is_object()) continue;
      if (p.window) {
        int64_t window_id = 0;
        {
          Stmt s(Prepare("INSERT INTO windows(run_id, node, start_us, end_us, rows, skipped_batches) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
          if (!s.ok() || !s.Text(1, p.run_id)
                              .Text(2, p.node)
                              .Int(3, JInt(j, "start_us"))
                              .Int(4, JInt(j, "end_us"))
                              .Int(5, JInt(j, "rows"))
                              .Int(6, JInt(j, "skipped_batches"))
                              .Run())
            return Error("cannot record a window of node " + p.node);
          window_id = sqlite3_last_insert_rowid(db_);
        }
        for (const auto& f : JArr(j, "features")) {
          if (!f.is_object()) continue;
          Stmt s(Prepare("INSERT OR REPLACE INTO window_features(window_id, feature, kind, stats, scores) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)"));
          if (!s.ok() || !s.Int(1, window_id)
                              .Text(2, JStr(f, "feature"))
                              .Text(3, JStr(f, "kind"))
                              .Text(4, NumberObjectText(JObj(f, "stats")))
                              .Text(5, NumberObjectText(JObj(f, "scores")))
                              .Run())
            return Error("cannot record feature " + JStr(f, "feature") + " of a window of node " + p.node);
        }
      } else {
        Stmt s(Prepare("INSERT INTO findings(run_id, node, time_us, window_start_us, feature, code, statistic, "
                        "value, threshold, top_values, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
        if (!s.ok() || !s.Text(1, p.run_id)
                            .Text(2, p.node)
                            .Int(3, JInt(j, "time_us"))
                            .Int(4, JInt(j, "window_start_us"))
                            .Text(5, JStr(j, "feature"))
                            .Text(6, JStr(j, "code"))
                            .Text(7, JStr(j, "statistic"))
                            .Real(8, JNum(j, "value"))
                            .Real(9, JNum(j, "threshold"))
                            .Text(10, JArr(j, "top_values").dump())
                            .Text(11, JStr(j, "message"))
                            .Run())
          return Error("cannot record a finding of node " + p.node);
      }
    }
    return Status::Ok();
  });
}

Status RunStore::Flush() {
  std::unique_lock<std::mutex> lock(q_mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
  return first_error_;
}

int64_t RunStore::lost() const {
  std::lock_guard<std::mutex> lock(q_mu_);
  return lost_;
}

// ---------------------------------------------------------------------------------------
// Reading

namespace {

const char* const kRunColumns =
    "r.run_id, r.pipeline, r.file, r.config_hash, r.started, r.ended, r.status, r.error, r.duration_seconds, "
    "r.rows_read, r.rows_written, (SELECT COUNT(*) FROM windows w WHERE w.run_id = r.run_id), "
    "(SELECT COUNT(*) FROM findings f WHERE f.run_id = r.run_id), r.run_date, r.shard_index, r.shard_count";

StoredRun RunFrom(const Stmt& s) {
  StoredRun r;
  r.run_id = s.Str(0);
  r.pipeline = s.Str(1);
  r.file = s.Str(2);
  r.config_hash = s.Str(3);
  r.started = s.Str(4);
  r.ended = s.Str(5);
  r.status = s.Str(6);
  r.error = s.Str(7);
  r.duration_seconds = s.Null(8) ? (r.ended.empty() ? -1 : SecondsBetween(r.started, r.ended)) : s.Dbl(8);
  r.rows_read = s.I64(9);
  r.rows_written = s.I64(10);
  r.windows = s.I64(11);
  r.findings = s.I64(12);
  r.run_date = s.Str(13);
  if (!s.Null(15)) r.shard = {s.I64(14), s.I64(15)};
  return r;
}

}  // namespace

Result<std::vector<StoredRun>> RunStore::ListRuns(const RunQuery& query) {
  static const std::string sql = std::string("SELECT ") + kRunColumns +
                                 " FROM runs r WHERE (?1 = '' OR r.pipeline = ?1) "
                                 "AND (?3 = '' OR r.run_date >= ?3) AND (?4 = '' OR r.run_date <= ?4) "
                                 "AND (?5 = 0 OR r.run_date IS NOT NULL) "
                                 "ORDER BY r.started DESC, r.run_id DESC LIMIT ?2";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare(sql.c_str()));
  if (!s.ok()) return Error("cannot prepare the run listing");
  s.Text(1, query.pipeline)
      .Int(2, query.limit > 0 ? query.limit : -1)
      .Text(3, query.from_date)
      .Text(4, query.to_date)
      .Int(5, query.dated_only ? 1 : 0);
  std::vector<StoredRun> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(RunFrom(s));
  if (rc != SQLITE_DONE) return Error("cannot list runs");
  return out;
}

Result<StoredRun> RunStore::GetRun(const std::string& run_id) {
  static const std::string sql =
      std::string("SELECT ") + kRunColumns + ", r.accounting, r.report FROM runs r WHERE r.run_id = ?1";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare(sql.c_str()));
  if (!s.ok()) return Error("cannot prepare the run query");
  s.Text(1, run_id);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return InvalidArgument("run store " + path_ + ": no run " + run_id);
  if (rc != SQLITE_ROW) return Error("cannot read run " + run_id);
  StoredRun r = RunFrom(s);
  r.accounting = s.Json(16);
  r.report = s.Json(17);
  return r;
}

Result<std::vector<StoredPlugin>> RunStore::RunPlugins(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare("SELECT plugin, version, sha256 FROM run_plugins WHERE run_id = ?1 ORDER BY plugin"));
  if (!s.ok()) return Error("cannot prepare the plugin query");
  s.Text(1, run_id);
  std::vector<StoredPlugin> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Str(0), s.Str(1), s.Str(2)});
  if (rc != SQLITE_DONE) return Error("cannot read the plugins of run " + run_id);
  return out;
}

Result<std::vector<StoredModel>> RunStore::RunModels(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare("SELECT node, version, path, sha256, framework, rows FROM run_models WHERE run_id = ?1 "
                  "ORDER BY id"));
  if (!s.ok()) return Error("cannot prepare the model query");
  s.Text(1, run_id);
  std::vector<StoredModel> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back({s.Str(0), s.Str(1), s.Str(2), s.Str(3), s.Str(4), s.I64(5)});
  if (rc != SQLITE_DONE) return Error("cannot read the models of run " + run_id);
  return out;
}

namespace {
// ?1 feature ('' = any), ?2 node, ?3 pipeline, ?4 run, ?5 since (end >=), ?6 until (start <=).
const char* const kWindowFilter =
    "(?2 = '' OR w.node = ?2) AND (?3 = '' OR r.pipeline = ?3) AND (?4 = '' OR w.run_id = ?4) "
    "AND w.end_us >= ?5 AND w.start_us <= ?6";

void BindQuery(Stmt& s, const EventQuery& q) {
  s.Text(1, q.feature).Text(2, q.node).Text(3, q.pipeline).Text(4, q.run_id).Int(5, q.since_us).Int(6, q.until_us);
}
}  // namespace

Result<std::vector<StoredFeatureWindow>> RunStore::FeatureWindows(const EventQuery& query) {
  static const std::string sql =
      std::string(
          "SELECT w.id, w.run_id, r.pipeline, w.node, w.start_us, w.end_us, w.rows, w.skipped_batches, f.feature, "
          "f.kind, f.stats, f.scores FROM window_features f JOIN windows w ON w.id = f.window_id "
          "JOIN runs r ON r.run_id = w.run_id WHERE (?1 = '' OR f.feature = ?1) AND ") +
      kWindowFilter + " ORDER BY w.start_us, w.id, f.feature";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare(sql.c_str()));
  if (!s.ok()) return Error("cannot prepare the window query");
  BindQuery(s, query);
  std::vector<StoredFeatureWindow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredFeatureWindow w;
    w.window_id = s.I64(0);
    w.run_id = s.Str(1);
    w.pipeline = s.Str(2);
    w.node = s.Str(3);
    w.start_us = s.I64(4);
    w.end_us = s.I64(5);
    w.rows = s.I64(6);
    w.skipped_batches = s.I64(7);
    w.feature = s.Str(8);
    w.kind = s.Str(9);
    w.stats = NumberMap(s.Json(10));
    w.scores = NumberMap(s.Json(11));
    out.push_back(std::move(w));
  }
  if (rc != SQLITE_DONE) return Error("cannot read windows");
  return out;
}

Result<std::vector<StoredWindow>> RunStore::Windows(const EventQuery& query) {
  static const std::string sql =
      std::string(
          "SELECT w.id, w.run_id, r.pipeline, w.node, w.start_us, w.end_us, w.rows, w.skipped_batches "
          "FROM windows w JOIN runs r ON r.run_id = w.run_id WHERE (?1 = ?1) AND ") +
      kWindowFilter + " ORDER BY w.start_us, w.id";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare(sql.c_str()));
  if (!s.ok()) return Error("cannot prepare the window query");
  BindQuery(s, query);
  std::vector<StoredWindow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW)
    out.push_back({s.I64(0), s.Str(1), s.Str(2), s.Str(3), s.I64(4), s.I64(5), s.I64(6), s.I64(7)});
  if (rc != SQLITE_DONE) return Error("cannot read windows");
  return out;
}

Result<std::vector<StoredFinding>> RunStore::Findings(const EventQuery& query) {
  static const std::string sql =
      "SELECT f.id, f.run_id, r.pipeline, f.node, f.time_us, f.window_start_us, f.feature, f.code, f.statistic, "
      "f.value, f.threshold, f.top_values, f.message FROM findings f JOIN runs r ON r.run_id = f.run_id "
      "WHERE (?1 = '' OR f.feature = ?1) AND (?2 = '' OR f.node = ?2) AND (?3 = '' OR r.pipeline = ?3) "
      "AND (?4 = '' OR f.run_id = ?4) AND f.time_us >= ?5 AND f.window_start_us <= ?6 "
      "ORDER BY f.window_start_us, f.time_us, f.id";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare(sql.c_str()));
  if (!s.ok()) return Error("cannot prepare the finding query");
  BindQuery(s, query);
  std::vector<StoredFinding> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    StoredFinding f;
    f.id = s.I64(0);
    f.run_id = s.Str(1);
    f.pipeline = s.Str(2);
    f.node = s.Str(3);
    f.time_us = s.I64(4);
    f.window_start_us = s.I64(5);
    f.feature = s.Str(6);
    f.code = s.Str(7);
    f.statistic = s.Str(8);
    f.value = s.Dbl(9);
    f.threshold = s.Dbl(10);
    f.top_values = s.Json(11);
    if (!f.top_values.is_array()) f.top_values = nlohmann::json::array();
    f.message = s.Str(12);
    out.push_back(std::move(f));
  }
  if (rc != SQLITE_DONE) return Error("cannot read findings");
  return out;
}

Result<std::vector<std::string>> RunStore::RunFeatures(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare("SELECT f.feature FROM window_features f JOIN windows w ON w.id = f.window_id WHERE w.run_id = ?1 "
                  "UNION SELECT feature FROM findings WHERE run_id = ?1 ORDER BY 1"));
  if (!s.ok()) return Error("cannot prepare the feature query");
  s.Text(1, run_id);
  std::vector<std::string> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.Str(0));
  if (rc != SQLITE_DONE) return Error("cannot read the features of run " + run_id);
  return out;
}

Result<std::string> RunStore::IntegrityCheck() {
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare("PRAGMA integrity_check"));
  if (!s.ok()) return Error("cannot prepare the integrity check");
  std::string out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out += (out.empty() ? "" : "\n") + s.Str(0);
  if (rc != SQLITE_DONE) return Error("integrity check failed");
  return out;
}

// ---------------------------------------------------------------------------------------
// "Since when"

std::vector<FindingStreak> ComputeStreaks(const std::vector<StoredWindow>& timeline,
                                          const std::vector<StoredFinding>& findings) {
  using NodeKey = std::pair<std::string, std::string>;            // pipeline, node
  using Point = std::pair<int64_t, std::string>;                   // window start, run
  using FindingKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<NodeKey, std::set<Point>> points;
  std::map<FindingKey, std::map<Point, const StoredFinding*>> marked;  // last finding per window
  for (const auto& f : findings) {
    points[{f.pipeline, f.node}].insert({f.window_start_us, f.run_id});
    auto& m = marked[{f.pipeline, f.node, f.feature, f.code, f.statistic}];
    auto [it, fresh] = m.emplace(Point{f.window_start_us, f.run_id}, &f);
    if (!fresh && f.time_us >= it->second->time_us) it->second = &f;
  }
  for (const auto& w : timeline) {
    auto it = points.find({w.pipeline, w.node});
    if (it != points.end()) it->second.insert({w.start_us, w.run_id});
  }
  std::vector<FindingStreak> out;
  for (const auto& [key, hits] : marked) {
    const auto& [pipeline, node, feature, code, statistic] = key;
    const std::vector<Point> line(points[{pipeline, node}].begin(), points[{pipeline, node}].end());
    // The last window with the finding, then back while the windows keep having it.
    int64_t last = -1;
    for (int64_t i = static_cast<int64_t>(line.size()) - 1; i >= 0; --i)
      if (hits.count(line[static_cast<size_t>(i)])) {
        last = i;
        break;
      }
    if (last < 0) continue;  // cannot happen: every finding's window is on the line
    int64_t first = last;
    while (first > 0 && hits.count(line[static_cast<size_t>(first - 1)])) --first;
    const StoredFinding& lf = *hits.at(line[static_cast<size_t>(last)]);
    FindingStreak s;
    s.pipeline = pipeline;
    s.node = node;
    s.feature = feature;
    s.code = code;
    s.statistic = statistic;
    s.since_us = line[static_cast<size_t>(first)].first;
    s.since_run = line[static_cast<size_t>(first)].second;
    s.last_us = line[static_cast<size_t>(last)].first;
    s.last_run = line[static_cast<size_t>(last)].second;
    s.last_end_us = lf.time_us;
    s.windows = last - first + 1;
    s.total_windows = static_cast<int64_t>(hits.size());
    s.ongoing = last == static_cast<int64_t>(line.size()) - 1;
    s.last_value = lf.value;
    s.threshold = lf.threshold;
    s.message = lf.message;
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// ISO-8601

Result<int64_t> ParseIsoTimeMicros(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("\"" + text + "\" is not an ISO-8601 date or time (" + why +
                           "); e.g. 2026-11-25, 2026-11-25T06:19, 2026-11-25T06:19:07Z, 2026-11-25T08:19+02:00");
  };
  size_t i = 0;
  auto digits = [&](size_t n, int64_t& v) {
    if (i + n > text.size()) return false;
    v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = text[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    return true;
  };
  auto expect = [&](char c) {
    if (i < text.size() && text[i] == c) return ++i, true;
    return false;
  };
  int64_t y, mo, d, h = 0, mi = 0, s = 0, micros = 0;
  if (!digits(4, y) || !expect('-') || !digits(2, mo) || !expect('-') || !digits(2, d)) return bad("date");
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return bad("month or day out of range");
  const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return bad("no such day");
  if (i < text.size() && (text[i] == 'T' || text[i] == 't' || text[i] == ' ')) {
    ++i;
    if (!digits(2, h) || !expect(':') || !digits(2, mi)) return bad("time");
    if (expect(':')) {
      if (!digits(2, s)) return bad("seconds");
      if (expect('.') || expect(',')) {
        int64_t scale = 100000;
        size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          micros += (text[i] - '0') * scale;
          scale /= 10;
          ++i;
        }
        if (i == start) return bad("fraction");
      }
    }
    if (h > 23 || mi > 59 || s > 60) return bad("time out of range");
  }
  int64_t offset_s = 0;
  if (i < text.size()) {
    if (text[i] == 'Z' || text[i] == 'z') {
      ++i;
    } else if (text[i] == '+' || text[i] == '-') {
      int sign = text[i] == '-' ? -1 : 1;
      ++i;
      int64_t oh, om = 0;
      if (!digits(2, oh)) return bad("zone offset");
      if (expect(':')) {
        if (!digits(2, om)) return bad("zone offset");
      } else if (i < text.size()) {
        if (!digits(2, om)) return bad("zone offset");
      }
      if (oh > 23 || om > 59) return bad("zone offset out of range");
      offset_s = sign * (oh * 3600 + om * 60);
    }
  }
  if (i != text.size()) return bad("unexpected \"" + text.substr(i) + "\"");
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_s;
  return secs * 1000000 + micros;
}

}  // namespace trestle::core
