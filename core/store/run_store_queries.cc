#include "store/run_store.h"

#include <sqlite3.h>

#include <cmath>

#include "store/sqlite_statement.h"

namespace trestle::core {

using store_internal::Stmt;

namespace {

std::map<std::string, double> NumberMap(const nlohmann::json& j) {
  std::map<std::string, double> m;
  if (!j.is_object()) return m;
  for (const auto& [k, v] : j.items()) m[k] = v.is_number() ? v.get<double>() : std::nan("");
  return m;
}

double SecondsBetween(const std::string& a, const std::string& b) {
  auto x = ParseIsoTimeMicros(a), y = ParseIsoTimeMicros(b);
  if (!x.ok() || !y.ok()) return -1;
  return static_cast<double>(*y - *x) / 1e6;
}

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
          "f.kind, f.stats, f.scores, r.run_date FROM window_features f JOIN windows w ON w.id = f.window_id "
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
    w.run_date = s.Str(12);
    out.push_back(std::move(w));
  }
  if (rc != SQLITE_DONE) return Error("cannot read windows");
  return out;
}

Result<std::vector<StoredWindow>> RunStore::Windows(const EventQuery& query) {
  static const std::string sql =
      std::string(
          "SELECT w.id, w.run_id, r.pipeline, w.node, w.start_us, w.end_us, w.rows, w.skipped_batches, r.run_date "
          "FROM windows w JOIN runs r ON r.run_id = w.run_id WHERE (?1 = ?1) AND ") +
      kWindowFilter + " ORDER BY w.start_us, w.id";
  std::lock_guard<std::mutex> lock(db_mu_);
  Stmt s(Prepare(sql.c_str()));
  if (!s.ok()) return Error("cannot prepare the window query");
  BindQuery(s, query);
  std::vector<StoredWindow> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW)
    out.push_back({s.I64(0), s.Str(1), s.Str(2), s.Str(3), s.I64(4), s.I64(5), s.I64(6), s.I64(7), s.Str(8)});
  if (rc != SQLITE_DONE) return Error("cannot read windows");
  return out;
}

Result<std::vector<StoredFinding>> RunStore::Findings(const EventQuery& query) {
  static const std::string sql =
      "SELECT f.id, f.run_id, r.pipeline, f.node, f.time_us, f.window_start_us, f.feature, f.code, f.statistic, "
      "f.value, f.threshold, f.top_values, f.message, r.run_date FROM findings f JOIN runs r ON r.run_id = f.run_id "
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
    f.run_date = s.Str(13);
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

}  // namespace trestle::core
