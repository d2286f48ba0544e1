#include "store/run_store.h"

#include <sqlite3.h>

#include <iterator>
#include <string>

#include "store/run_store_transaction.h"
#include "store/sqlite_statement.h"

namespace trestle::core {

namespace {

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

}  // namespace

Status RunStore::Migrate() {
  std::lock_guard<std::mutex> lock(db_mu_);
  return Transaction([&]() -> Status {
    if (Status st = Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"); !st.ok()) return st;
    int64_t version = 0;
    {
      store_internal::Stmt q(Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
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

}  // namespace trestle::core
