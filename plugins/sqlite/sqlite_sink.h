#pragma once
// sqlite_sink: writes rows into a table of a SQLite database file, made visible only
// when the run succeeds, in one of three modes (sink_plan.h): append, replace_partition
// (partition_by) or upsert (key), so that re-running a date gives the same table.
//
// The database is updated in place, never replaced, so `path` is not an output_path:
// it must be a regular file (or a link to one), or absent with create: true (the file,
// its parent directories and the table are then created at the first write).
//
// Lifecycle (the engine's two-phase publish):
//   open()           checks, changing nothing (validate runs it too): the path, the table
//                    (or create: true) and the input against it (sink_plan.h).
//   write()          the first write opens the transaction with BEGIN IMMEDIATE (the
//                    file's write lock, held until publish or close; another writer waits
//                    busy_timeout_ms, then UNAVAILABLE and the host retries), creates the
//                    table if asked and re-checks it, then stages the batch's rows in the
//                    TEMP table inside a savepoint: a failed write leaves nothing staged
//                    and may be retried. Rejected rows (ctx.reject): NULL where sink_plan
//                    forbids it (key, partition_by, NOT NULL columns), NaN in a float
//                    column (SQLite would store NULL), and in upsert mode a key already
//                    staged by this run ("key collision": the first row is kept). INTEGER
//                    holds all of int64, so no range is checked; CHECK, UNIQUE (outside
//                    upsert's key) and foreign-key constraints are checked by the merge.
//   commit(false)    nothing: nothing becomes durable before publish.
//   commit(true)     runs the merge in the open transaction (for a run without rows too,
//                    so create: true still creates the table). A failure there fails the
//                    run and publishes nothing.
//   publish()        COMMIT: the table changes at once, for every reader.
//   close()          without publish: ROLLBACK, the table is exactly as before (a database
//                    file this run created is removed again). SIGKILL at any point leaves
//                    SQLite's journal, which the next connection rolls back.
// Timestamps are stored as ISO-8601 text "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC), bools as
// 0/1. Two sqlite_sink nodes of one run must not write the same database file: the
// first holds its write lock until publish, so the second could never start.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "sink_plan.h"
#include "sqlite_db.h"

namespace trestle_sqlite {

class SqliteSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  /// Checks the options alone: mode and its lists, the table name.
  explicit SqliteSink(const trestle::Options& options);

  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void commit(bool final_commit, trestle::Context& ctx) override;
  void publish(trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  std::string where() const;  // sqlite_sink "<path>"
  void check_path() const;
  void begin();  // the transaction, the table and the staging table
  void rollback() noexcept;
  // Why row `r` cannot be staged, or empty. Binds its values when it can.
  std::string bind_row(const trestle::Batch& batch, int64_t r);
  std::string key_text(const trestle::Batch& batch, int64_t r) const;

  std::string path_;
  SinkSettings settings_;
  bool create_;
  int64_t busy_timeout_ms_;
  trestle::Schema input_;
  std::vector<ColumnPlan> plan_;
  Db db_;
  Stmt insert_;
  std::vector<std::string> text_;  // per column: the text bound for a timestamp
  bool created_file_ = false;
  bool in_transaction_ = false;
  bool merged_ = false;
  bool published_ = false;
};

}  // namespace trestle_sqlite
