#pragma once
/// RunStore: the run store, an embedded SQLite database (default STATE_DIR/runs.db) that
/// records every run (id, pipeline, config hash, plugin and model versions with hashes,
/// start and end, status, row accounting, the run report), every monitor window (time
/// span, rows, each feature's statistics and scores) and every finding.
///
/// Writing: `trestle run` calls BeginRun, hands the store to the runner as its
/// EventRecorder, and calls EndRun with the run report. RecordWindow/RecordFinding only
/// queue the payload (bounded: beyond kMaxQueued pending records they are dropped and
/// counted) and return at once; a writer thread stores what is queued, all of it in one
/// transaction, so a monitor never waits for the disk or for another process's lock.
/// Flush()/EndRun wait for the queue to drain.
///
/// Concurrency: WAL journal, a busy timeout, and every write in a BEGIN IMMEDIATE
/// transaction, so several processes (concurrent runs) share one database file safely;
/// within a process one connection behind a mutex, so every method is thread-safe.
///
/// Errors are Status values naming the database file and SQLite's message. The schema
/// is created or migrated on Open (table schema_version); docs/ops-guide.md, "The run
/// store", describes it.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process_identity.h"
#include "common/status.h"
#include "observe/event_recorder.h"

struct sqlite3;
struct sqlite3_stmt;

namespace trestle::core {

/// Which share of its input a run read (`trestle run --shard I/N`): shard `index` of
/// `count`. A count below 2 is an unsharded run (stored as NULL).
struct RunShard {
  int64_t index = 0;
  int64_t count = 0;
  bool sharded() const { return count > 1; }
  bool operator==(const RunShard&) const = default;
};

/// One run as listed by `trestle runs`.
struct StoredRun {
  std::string run_id, pipeline, file, config_hash;
  std::string started, ended;  ///< ISO-8601 UTC; `ended` empty while running
  std::string status;          ///< running | succeeded | drained | failed
  std::string run_date;        ///< YYYY-MM-DD of `run --date`; empty for an undated run
  RunShard shard;              ///< of `run --shard I/N`; count 0 for an unsharded run
  std::string error;           ///< "CODE: message" when failed
  double duration_seconds = -1;  ///< -1 while running
  int64_t rows_read = 0;       ///< summed over the sources
  int64_t rows_written = 0;    ///< rows that reached a sink, summed over the sinks
  int64_t windows = 0, findings = 0;
  nlohmann::json accounting;   ///< null until the run ended
  nlohmann::json report;       ///< the run report; null until the run ended
};

/// Who runs a run: the process (for stale-run reconciliation) and its run directory.
struct RunOwner {
  ProcessIdentity process;
  std::string run_dir;
};

/// A run recorded as running, with who runs it.
struct RunningRun {
  std::string run_id, started;
  RunOwner owner;
};

struct StoredPlugin {
  std::string plugin, version, sha256;
};

struct StoredModel {
  std::string node, version, path, sha256, framework;
  int64_t rows = 0;
};

/// One feature's statistics and scores in one monitor window. Statistics stored as
/// null (non-finite) read back as NaN.
struct StoredFeatureWindow {
  int64_t window_id = 0;
  std::string run_id, pipeline, node;
  int64_t start_us = 0, end_us = 0, rows = 0, skipped_batches = 0;
  std::string feature, kind;
  std::map<std::string, double> stats, scores;
  std::string run_date;  ///< the run's --date (YYYY-MM-DD), or empty
};

struct StoredFinding {
  int64_t id = 0;
  std::string run_id, pipeline, node;
  int64_t time_us = 0, window_start_us = 0;
  std::string feature, code, statistic;
  double value = 0, threshold = 0;  ///< NaN when stored as null
  nlohmann::json top_values = nlohmann::json::array();
  std::string message;
  std::string run_date;  ///< the run's --date (YYYY-MM-DD), or empty
};

/// A monitor window without its features: the timeline the "since" rule walks.
struct StoredWindow {
  int64_t window_id = 0;
  std::string run_id, pipeline, node;
  int64_t start_us = 0, end_us = 0, rows = 0, skipped_batches = 0;
  std::string run_date;  ///< the run's --date (YYYY-MM-DD), or empty
};

/// Filters of the window and finding queries; empty strings and the default bounds
/// select everything.
struct EventQuery {
  std::string feature;   ///< exact feature name
  std::string node;      ///< monitor node
  std::string pipeline;  ///< pipeline name
  std::string run_id;
  int64_t since_us = std::numeric_limits<int64_t>::min();  ///< windows/findings ending at or after
  int64_t until_us = std::numeric_limits<int64_t>::max();  ///< windows/findings starting at or before
};

struct RunQuery {
  RunQuery(std::string pipeline_ = "", int64_t limit_ = 20) : pipeline(std::move(pipeline_)), limit(limit_) {}
  std::string pipeline;
  int64_t limit = 20;  ///< newest first; <= 0 = all
  std::string from_date, to_date;  ///< run_date bounds (inclusive, YYYY-MM-DD); empty = open
  bool dated_only = false;         ///< only runs made with --date
};

class RunStore final : public EventRecorder {
 public:
  /// Records queued and not yet written beyond which new ones are dropped (and counted).
  static constexpr size_t kMaxQueued = 100000;
  /// The schema version this build writes (schema_version.version).
  static constexpr int kSchemaVersion = 4;

  /// STATE_DIR/runs.db.
  static std::string DefaultPath(const std::string& state_dir);
  /// Opens (creating the file and its directory when `create`) and creates or migrates
  /// the schema. A database written by a newer schema is refused.
  static Result<std::unique_ptr<RunStore>> Open(const std::string& path, bool create = true);

  ~RunStore() override;
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }

  /// Records the start of run `run_id` (status "running") by `owner` and makes it the
  /// run that RecordWindow/RecordFinding attach to. `started` is ISO-8601 UTC.
  Status BeginRun(const std::string& run_id, const std::string& pipeline, const std::string& file,
                  const std::string& config_hash, const std::string& started, const RunOwner& owner = {},
                  const std::string& run_date = "", const RunShard& shard = {});
  /// Runs recorded as running by processes of `host`, oldest first.
  Result<std::vector<RunningRun>> RunningOn(const std::string& host);
  /// Records a run whose process is gone as failed with `error` ("CODE: message"),
  /// ended at `ended` (ISO-8601 UTC); a run no longer running is left alone.
  Status MarkAbandoned(const std::string& run_id, const std::string& error, const std::string& ended);
  /// Waits for queued windows and findings, then records the end of the run from its
  /// run report (core/exec/run_report.h): status, error, start and end, accounting,
  /// plugins and models. Inserts the run when BeginRun was not called (with the
  /// report's "run_date" and "shard", {"index": I, "count": N}, when it has them).
  /// Fails when a record of this run could not be stored (or was dropped), after
  /// storing the rest.
  Status EndRun(const nlohmann::json& report);

  // EventRecorder: queue and return.
  void RecordWindow(const std::string& node, const nlohmann::json& window) override;
  void RecordFinding(const std::string& node, const nlohmann::json& finding) override;
  /// Waits until everything queued so far is written. The first write error, if any.
  Status Flush();
  /// Windows and findings dropped (queue full) or lost (write failed) so far.
  int64_t lost() const;

  // Reading.
  Result<std::vector<StoredRun>> ListRuns(const RunQuery& query);
  /// InvalidArgument when there is no such run.
  Result<StoredRun> GetRun(const std::string& run_id);
  Result<std::vector<StoredPlugin>> RunPlugins(const std::string& run_id);
  Result<std::vector<StoredModel>> RunModels(const std::string& run_id);
  /// Features of windows (feature empty: every feature), oldest window first.
  Result<std::vector<StoredFeatureWindow>> FeatureWindows(const EventQuery& query);
  /// Windows regardless of features (the feature filter is ignored), oldest first.
  Result<std::vector<StoredWindow>> Windows(const EventQuery& query);
  /// Findings, oldest first.
  Result<std::vector<StoredFinding>> Findings(const EventQuery& query);
  /// Distinct feature names with windows or findings in `run_id`, sorted.
  Result<std::vector<std::string>> RunFeatures(const std::string& run_id);
  /// `PRAGMA integrity_check`: "ok" or SQLite's list of problems.
  Result<std::string> IntegrityCheck();

 private:
  struct Pending {
    bool window = false;  ///< else a finding
    std::string run_id, node;
    nlohmann::json payload;
  };

  RunStore(std::string path, sqlite3* db);
  /// The cached prepared statement for `sql` (a string that outlives the store), or
  /// null when it does not compile. Call with db_mu_ held.
  sqlite3_stmt* Prepare(const char* sql);
  Status Error(const std::string& what) const;  // with sqlite3_errmsg
  Status Exec(const std::string& sql);
  Status Migrate();
  /// Runs `body` in BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it fails), retrying the
  /// whole transaction while the database is busy. Call with db_mu_ held.
  template <typename Body>
  Status Transaction(Body&& body);
  Status WritePending(const std::vector<Pending>& batch);
  void Enqueue(Pending p);
  void WriterLoop();
  void NoteLoss(int64_t n, const Status& why);

  const std::string path_;
  sqlite3* db_;
  std::mutex db_mu_;  // the connection and stmts_
  std::unordered_map<const char*, sqlite3_stmt*> stmts_;

  mutable std::mutex q_mu_;
  std::condition_variable q_cv_, idle_cv_;
  std::deque<Pending> queue_;
  bool writing_ = false, stop_ = false;
  std::string run_id_;
  int64_t lost_ = 0;
  Status first_error_;
  std::thread writer_;
};

/// When a finding began: over the timeline of its monitor node's windows (every window
/// of that node in that pipeline, in every run, ordered by date, then start time), the
/// latest unbroken streak of windows that each carry at least one finding with the same
/// (pipeline, node, feature, code, statistic). `since_*` is its first window, `last_*`
/// its last; `ongoing` when the last is the node's latest window. A window of the node
/// without such a finding breaks a streak; runs without windows of the node do not.
/// A window's date is its run's --date, so that a backfill files its windows under the
/// days they describe; a window of a run without one is dated by its start (UTC).
struct FindingStreak {
  std::string pipeline, node, feature, code, statistic;
  int64_t since_us = 0;        ///< start of the streak's first window
  std::string since_date;      ///< the date of that window (YYYY-MM-DD)
  bool since_dated = false;    ///< since_date is its run's --date (not its start)
  std::string since_run;       ///< the run of that window
  int64_t last_us = 0;         ///< start of the streak's last window
  int64_t last_end_us = 0;     ///< time_us of the last finding in it
  std::string last_date;       ///< the date of the streak's last window
  bool last_dated = false;
  std::string last_run;
  int64_t windows = 0;         ///< windows in the streak
  int64_t total_windows = 0;   ///< windows with this finding on the whole timeline
  bool ongoing = false;
  double last_value = 0, threshold = 0;
  std::string message;         ///< of the last finding
};

/// Applies the rule above. `timeline` holds the windows of the nodes concerned (any
/// order, any other nodes are ignored); findings whose window is not in it add their
/// window to the timeline. Sorted by pipeline, node, feature, code, statistic.
std::vector<FindingStreak> ComputeStreaks(const std::vector<StoredWindow>& timeline,
                                          const std::vector<StoredFinding>& findings);

/// The UTC date (YYYY-MM-DD) of a time in microseconds since the epoch.
std::string UtcDate(int64_t us);

/// The date a window is filed under: its run's --date, else its start's UTC date.
inline std::string WindowDate(const std::string& run_date, int64_t start_us) {
  return run_date.empty() ? UtcDate(start_us) : run_date;
}
inline std::string WindowDate(const StoredFeatureWindow& w) { return WindowDate(w.run_date, w.start_us); }
/// Order of windows on a timeline: by WindowDate, then start, then id.
inline bool ByDateThenStart(const StoredFeatureWindow& a, const StoredFeatureWindow& b) {
  const std::string da = WindowDate(a), db = WindowDate(b);
  if (da != db) return da < db;
  if (a.start_us != b.start_us) return a.start_us < b.start_us;
  return a.window_id < b.window_id;
}

/// Parses an ISO-8601 date or time as microseconds since the epoch: "2026-11-25",
/// "2026-11-25T06:19", "2026-11-25T06:19:07", fractions of a second, a space instead of
/// the T, and "Z" or "+HH:MM"/"-HH:MM"/"+HHMM" (no zone = UTC).
Result<int64_t> ParseIsoTimeMicros(const std::string& text);

}  // namespace trestle::core
