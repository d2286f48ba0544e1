#include "store/run_store.h"

#include <sqlite3.h>

#include "store/payload_fields.h"
#include "store/run_store_transaction.h"
#include "store/sqlite_statement.h"

namespace trestle::core {

using namespace store_internal;  // Stmt and the payload readers

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

}  // namespace trestle::core
