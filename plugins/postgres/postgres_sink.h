#pragma once
// postgres_sink: loads rows into a PostgreSQL table in two phases. The first write opens
// a transaction, takes a session advisory lock, creates a temporary staging table and
// streams every batch into it with COPY FROM STDIN (text format); mode append streams
// into the table itself, inside the transaction, which hides the rows just as well and
// writes them once. The final commit ends the COPY and merges staging into the table
// (replace_partition or upsert) in that same transaction, without committing;
// publish() commits. close() without
// publish rolls back, so an aborted run leaves the table exactly as it was and readers
// never see part of a load.
//
// A connection lost while staging (server restart, network) is survived: the staged
// COPY text is also kept in an unlinked spool file, and when the engine retries the
// write or commit that failed with UNAVAILABLE, the sink reconnects, starts a new
// transaction and sends the whole staging again (option spool: false fails cleanly
// instead, naming the rows staged; a re-run of the date then rebuilds the table).

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include <trestle/sdk.hpp>

#include "copy_spool.h"
#include "pg_catalog.h"
#include "pg_session.h"
#include "pg_types.h"

namespace trestle_pg {

class PostgresSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit PostgresSink(const trestle::Options& options);

  /// Connects (unless TRESTLE_OFFLINE=1) and checks the table against the input:
  /// existence, column types, NOT NULL columns the input lacks, a unique index on the
  /// upsert key. Changes nothing.
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  /// Non-final: nothing (the rows are durable only once published). Final: ends the
  /// COPY and merges, leaving the transaction open for publish().
  void commit(bool final_commit, trestle::Context& ctx) override;
  /// COMMIT, then the lock is released.
  void publish(trestle::Context& ctx) override;
  /// Without publish: ROLLBACK (by ending the session), which also releases the lock.
  void close(trestle::Context& ctx) override;

 private:
  enum class Phase { kIdle, kCopying, kCopied, kPrepared, kPublished, kBroken };

  Deadline statement_deadline() const { return Deadline::in_ms(statement_timeout_ms_, "statement_timeout_ms"); }
  void connect(const CancelFn& cancelled);
  void load_catalog(const CancelFn& cancelled);
  /// A transaction with an open COPY into staging holding everything staged so far:
  /// reconnects and replays the spool when the last one was lost.
  void ensure_staging(trestle::Context& ctx);
  void take_lock(const CancelFn& cancelled);
  /// spool: false and rows staged on a lost connection: the load cannot be completed.
  [[noreturn]] void throw_staging_lost(const std::string& cause) const;
  void merge(const CancelFn& cancelled);
  std::string create_table_sql() const;

  // Options.
  std::string conninfo_;
  Endpoint endpoint_;
  TableName table_;
  std::string mode_;
  std::vector<std::string> partition_by_, key_;
  bool create_ = false;
  double connect_deadline_s_ = 30;
  int64_t statement_timeout_ms_ = 0;
  std::string lock_key_;
  double lock_wait_s_ = 0;
  bool spool_enabled_ = true;

  // From open().
  trestle::Schema input_;
  bool catalog_loaded_ = false;
  bool table_exists_ = false;
  std::vector<ValueWriter> writers_;  // per input column
  std::vector<int> key_columns_;      // input indices of the key (upsert) or partition columns

  // The load.
  std::unique_ptr<Session> session_;
  Phase phase_ = Phase::kIdle;
  CopySpool spool_;
  int64_t staged_rows_ = 0;
  std::unordered_set<std::string> staged_keys_;  // upsert: keys staged by this run
};

}  // namespace trestle_pg
