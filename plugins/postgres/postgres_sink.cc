#include "postgres_sink.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "offline.h"

namespace trestle_pg {

trestle::OperatorSpec PostgresSink::spec() {
  return trestle::OperatorSpec(
             "postgres_sink",
             "Loads rows into a PostgreSQL table in one transaction that commits only when the run does. Rows are "
             "streamed with COPY FROM STDIN into a temporary staging table (mode append: into the table itself, "
             "inside the transaction); the final commit merges staging into the table (replace_partition or upsert) "
             "without committing, and the run's publish step commits. A failed or aborted run rolls back: the table stays exactly as it was and readers never see "
             "part of a load. A session advisory lock on lock_key, taken before staging and held until the end, keeps "
             "two runs from loading the same table (or pipeline and date) at once. open() (validate) connects and "
             "checks the table: it must exist unless create: true, every input column must exist with a compatible "
             "type, NOT NULL columns without a default must be in the input, and mode upsert needs a unique index or "
             "primary key on exactly the key columns; nothing is changed. With TRESTLE_OFFLINE=1 in the environment "
             "open() does not connect and these checks wait for the first write. Rows that cannot go into the table "
             "are rejected one by one (dead letters): a null in a key or partition column, an upsert key this run "
             "already staged (the first row keeps it), a null in a NOT NULL column, a value outside the column type's "
             "range (int64 into integer or smallint, float64 into real, numeric(p,s) overflow, infinity into "
             "numeric(p,s)), text longer than varchar(n)/char(n), text with a NUL byte or invalid UTF-8, a date that "
             "is not YYYY-MM-DD, a timestamp outside the years 1-9999. A connection lost while staging (server "
             "restart, network) fails the call with UNAVAILABLE; with spool: true (the default) the staged COPY text "
             "is also kept in an unlinked temporary file in $TMPDIR, and the retried call reconnects, starts a new "
             "transaction and sends the whole staging again, so the table ends exactly as if nothing had happened. "
             "Errors name host:port/dbname, the table, the SQLSTATE and the server's message; conninfo is never "
             "logged.")
      .param<std::string>("conninfo",
                          "libpq connection string (\"host=... port=... dbname=... user=...\") or postgresql:// URI; "
                          "secret: never logged or stored, messages name only host:port/dbname (use ${ENV} for it)")
      .required()
      .secret()
      .param<std::string>("table",
                          "target table, \"name\" or \"schema.name\"; as in SQL unquoted names fold to lower case and "
                          "\"double-quoted\" parts are kept exactly. Column names are the input's, exactly")
      .required()
      .param<std::string>("mode",
                          "append: insert every row; replace_partition: delete the table's rows whose partition_by "
                          "values occur in this run's rows, then insert (a re-run of a date replaces that date's rows; "
                          "a run with no rows deletes nothing); upsert: INSERT ... ON CONFLICT (key) DO UPDATE the "
                          "other input columns",
                          std::string("append"))
      .one_of({"append", "replace_partition", "upsert"})
      .param<trestle::StringList>("partition_by", "replace_partition: the input columns that identify a partition, "
                                                  "e.g. [run_date]; nulls in them are rejected",
                                  trestle::StringList{})
      .param<trestle::StringList>("key", "upsert: the key columns (a unique index or the primary key of the table "
                                         "must cover exactly them); nulls and keys already staged by the run are "
                                         "rejected",
                                  trestle::StringList{})
      .param<bool>("create",
                   "create the table when it does not exist, inside the load's transaction (an aborted run creates "
                   "nothing): bool->boolean, int32->integer, int64->bigint, float32->real, float64->double precision, "
                   "utf8->text, timestamp->timestamp with time zone; key and partition columns NOT NULL, the key "
                   "the primary key",
                   false)
      .param<double>("connect_deadline_s",
                     "refused connections (server down or starting) are retried with exponential backoff and full "
                     "jitter for this long, then the call fails with UNAVAILABLE naming host:port and the last error",
                     30.0)
      .min(0.1)
      .param<int64_t>("statement_timeout_ms",
                      "client-side deadline of each statement (0 = none): past it the statement is cancelled on the "
                      "server and the call fails with DEADLINE_EXCEEDED (retried per the node's retry settings)",
                      int64_t{0})
      .min(0)
      .param<std::string>("lock_key",
                          "key of the session advisory lock (pg_try_advisory_lock(hashtext(lock_key))) held from the "
                          "start of staging to the end of the load; e.g. \"scores-${RUN_DATE}\"; empty = the table "
                          "option. In a sharded run (trestle run --shard I/N, N > 1) the key is lock_key followed by "
                          "\" shard I/N\", so that the shards of one date load side by side while one shard never "
                          "loads twice at once. Another session holding it fails the load with UNAVAILABLE naming "
                          "the key",
                          std::string(""))
      .param<double>("lock_wait_s", "wait this long for the advisory lock before failing (0 = do not wait)", 0.0)
      .min(0)
      .param<bool>("spool",
                   "keep the staged COPY text in an unlinked temporary file (in $TMPDIR; as large as the COPY text of "
                   "the run's rows) so that a lost connection is survived by replaying it; false: a connection lost "
                   "after rows were staged fails with \"nothing was published; re-run the date\"",
                   true)
      .input_doc("any columns; each must exist in the table with a type it can be written into (see create)")
      .serial();
}

PostgresSink::PostgresSink(const trestle::Options& o)
    : conninfo_(o.get<std::string>("conninfo")),
      endpoint_(Endpoint::parse(conninfo_, "conninfo")),
      table_(TableName::parse(o.get<std::string>("table"))),
      mode_(o.get_or<std::string>("mode", "append")),
      partition_by_(o.get_or<trestle::StringList>("partition_by", {})),
      key_(o.get_or<trestle::StringList>("key", {})),
      create_(o.get_or<bool>("create", false)),
      connect_deadline_s_(o.get_or<double>("connect_deadline_s", 30.0)),
      statement_timeout_ms_(o.get_or<int64_t>("statement_timeout_ms", 0)),
      lock_key_(o.get_or<std::string>("lock_key", "")),
      lock_wait_s_(o.get_or<double>("lock_wait_s", 0.0)),
      spool_enabled_(o.get_or<bool>("spool", true)) {
  if (lock_key_.empty()) lock_key_ = o.get<std::string>("table");
  // The runtime sets TRESTLE_SHARD=I/N for a sharded run only (runtime/common_options.h):
  // an operator sees no run context through the ABI.
  if (const char* shard = ::getenv("TRESTLE_SHARD"); shard != nullptr && *shard != '\0')
    lock_key_ += std::string(" shard ") + shard;
  if (mode_ == "replace_partition" && partition_by_.empty())
    throw trestle::InvalidArgument("mode replace_partition needs option \"partition_by\" (e.g. [run_date])");
  if (mode_ == "upsert" && key_.empty()) throw trestle::InvalidArgument("mode upsert needs option \"key\"");
  if (mode_ != "replace_partition" && !partition_by_.empty())
    throw trestle::InvalidArgument("option \"partition_by\" applies to mode replace_partition only (mode is " + mode_ + ")");
  if (mode_ != "upsert" && !key_.empty())
    throw trestle::InvalidArgument("option \"key\" applies to mode upsert only (mode is " + mode_ + ")");
}

void PostgresSink::open(const trestle::Schema& input) {
  input_ = input;
  if (input.size() == 0) throw trestle::InvalidArgument("the input has no columns to load into table " + table_.display);
  key_columns_.clear();
  const auto& keys = mode_ == "upsert" ? key_ : partition_by_;
  const std::string which = mode_ == "upsert" ? "key" : "partition_by";
  for (const auto& k : keys) {
    int i = input.index_of(k);
    if (i < 0)
      throw trestle::InvalidArgument("option \"" + which + "\" names column \"" + k +
                                     "\", which the input lacks (input columns: " + input.names_list() + ")");
    key_columns_.push_back(i);
  }
  if (offline()) return;
  connect(nullptr);
  load_catalog(nullptr);
}

void PostgresSink::connect(const CancelFn& cancelled) {
  session_ = Session::connect(conninfo_, endpoint_, connect_deadline_s_, cancelled);
}

void PostgresSink::load_catalog(const CancelFn& cancelled) {
  const std::string where = " (postgres " + endpoint_.str() + ")";
  TableInfo info = read_table(*session_, table_, statement_deadline(), cancelled);
  writers_.clear();
  table_exists_ = info.exists;
  if (!info.exists) {
    if (!create_)
      throw trestle::InvalidArgument("table " + table_.display + " does not exist" + where +
                                     "; create it or set create: true");
    for (const auto& f : input_.fields()) {
      TargetColumn c;
      c.name = f.name;
      c.type = create_type_for(f.type);
      switch (f.type) {
        case trestle::Type::Bool: c.oid = kBoolOid; break;
        case trestle::Type::Int32: c.oid = kInt4Oid; break;
        case trestle::Type::Int64: c.oid = kInt8Oid; break;
        case trestle::Type::Float32: c.oid = kFloat4Oid; break;
        case trestle::Type::Float64: c.oid = kFloat8Oid; break;
        case trestle::Type::Utf8: c.oid = kTextOid; break;
        case trestle::Type::TimestampUs: c.oid = kTimestampTzOid; break;
      }
      writers_.push_back(ValueWriter::make(f, c, table_.display));
    }
    catalog_loaded_ = true;
    return;
  }
  std::string table_columns;
  for (const auto& c : info.columns) table_columns += (table_columns.empty() ? "" : ", ") + c.name;
  // Every mismatch at once: whoever fixes the table should not meet them one a run.
  std::vector<std::string> problems;
  for (const auto& f : input_.fields()) {
    const TargetColumn* c = info.find(f.name);
    if (c == nullptr) {
      problems.push_back("column \"" + f.name + "\" of the input is not in table " + table_.display + where +
                         " (table columns: " + table_columns + ")");
    } else if (c->generated) {
      problems.push_back("column \"" + f.name + "\" of table " + table_.display +
                         " is a generated column, which cannot be written");
    } else {
      try {
        writers_.push_back(ValueWriter::make(f, *c, table_.display));
      } catch (const trestle::InvalidArgument& e) {
        problems.push_back(e.what());
      }
    }
  }
  for (const auto& c : info.columns)
    if (c.not_null && !c.has_default && !input_.has(c.name))
      problems.push_back("column \"" + c.name + "\" of table " + table_.display +
                         " is NOT NULL without a default, and the input has no such column" + where);
  if (mode_ == "upsert") {
    std::vector<std::string> want = key_;
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    if (std::find(info.unique_keys.begin(), info.unique_keys.end(), want) == info.unique_keys.end()) {
      std::string k;
      for (const auto& s : want) k += (k.empty() ? "" : ", ") + s;
      problems.push_back("mode upsert needs a primary key or unique index on exactly (" + k + ") in table " +
                         table_.display + where + ", which has none");
    }
  }
  if (!problems.empty()) {
    writers_.clear();
    std::string all;
    for (size_t k = 0; k < problems.size(); ++k) all += (k == 0 ? "" : "; ") + problems[k];
    throw trestle::InvalidArgument(all);
  }
  catalog_loaded_ = true;
}

std::string PostgresSink::create_table_sql() const {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + table_.sql() + " (";
  for (size_t i = 0; i < input_.size(); ++i) {
    const auto& f = input_.field(i);
    bool key = std::find(key_columns_.begin(), key_columns_.end(), static_cast<int>(i)) != key_columns_.end();
    sql += (i ? ", " : "") + quote_ident(f.name) + " " + create_type_for(f.type) + (key ? " NOT NULL" : "");
  }
  if (mode_ == "upsert") {
    sql += ", PRIMARY KEY (";
    for (size_t i = 0; i < key_.size(); ++i) sql += (i ? ", " : "") + quote_ident(key_[i]);
    sql += ")";
  }
  return sql + ")";
}

void PostgresSink::take_lock(const CancelFn& cancelled) {
  const Deadline wait = Deadline::in_ms(static_cast<int64_t>(lock_wait_s_ * 1000), "lock_wait_s");
  for (;;) {
    Result r = session_->exec("SELECT pg_try_advisory_lock(hashtext($1))", {lock_key_},
                              "taking the advisory lock on lock_key \"" + lock_key_ + "\"", statement_deadline(),
                              cancelled);
    if (PQgetvalue(r.get(), 0, 0)[0] == 't') return;
    if (lock_wait_s_ <= 0 || wait.passed() || (cancelled && cancelled())) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%g", lock_wait_s_);
      throw trestle::Unavailable(
          "postgres " + endpoint_.str() + ": the advisory lock on lock_key \"" + lock_key_ +
          "\" is held by another session (another run loading table " + table_.display +
          ", e.g. the same pipeline and date?); " +
          (lock_wait_s_ > 0 ? "waited lock_wait_s = " + std::string(secs) + " s; " : "set lock_wait_s to wait; ") +
          "nothing was written");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void PostgresSink::throw_staging_lost(const std::string& cause) const {
  throw trestle::Unavailable("postgres " + endpoint_.str() + ": connection lost while staging " +
                             std::to_string(staged_rows_) + " rows into " + table_.display +
                             "; nothing was published; re-run the date (spool: false)" +
                             (cause.empty() ? "" : " (" + cause + ")"));
}

void PostgresSink::ensure_staging(trestle::Context& ctx) {
  if (phase_ == Phase::kCopying && session_ && session_->ok()) return;
  const CancelFn cancelled = [&ctx] { return ctx.cancelled(); };
  phase_ = Phase::kBroken;  // until the staging below is complete
  if (session_ && session_->ok() && session_->in_transaction()) {
    try {
      session_->exec("ROLLBACK", {}, "rolling back a failed staging", Deadline::in_ms(5000, "rollback"), cancelled);
    } catch (const trestle::Error&) {
      session_.reset();
    }
  }
  if (!session_ || !session_->ok()) {
    if (staged_rows_ > 0 && !spool_enabled_) throw_staging_lost("");
    session_.reset();
    connect(cancelled);
  }
  if (!catalog_loaded_) load_catalog(cancelled);
  take_lock(cancelled);
  const Deadline d = statement_deadline();
  const std::string what = "starting the load into " + table_.display;
  session_->exec("BEGIN", {}, what, d, cancelled);
  if (!table_exists_) session_->exec(create_table_sql(), {}, "creating table " + table_.display, d, cancelled);
  // append needs no merge: its COPY goes straight into the table, inside the same
  // transaction, so its rows stay as invisible until COMMIT (and the server writes them
  // once instead of twice).
  std::string target = table_.sql();
  if (mode_ != "append") {
    target = "trestle_staging";
    session_->exec("CREATE TEMP TABLE trestle_staging (LIKE " + table_.sql() + " INCLUDING DEFAULTS) ON COMMIT DROP",
                   {}, "creating the staging table for " + table_.display, d, cancelled);
  }
  std::string cols;
  for (const auto& f : input_.fields()) cols += (cols.empty() ? "" : ", ") + quote_ident(f.name);
  Result copy = session_->exec("COPY " + target + " (" + cols + ") FROM STDIN", {}, what, d, cancelled);
  if (PQresultStatus(copy.get()) != PGRES_COPY_IN)
    throw trestle::Internal("postgres " + endpoint_.str() + ": COPY FROM STDIN did not start");
  if (spool_.size() > 0) {
    ctx.warning("postgres_sink: replaying " + std::to_string(staged_rows_) + " staged rows into " + table_.display +
                " on a new connection");
    spool_.replay([&](const char* p, size_t n) {
      session_->put_copy(p, n, "replaying the staged rows into " + table_.display, d, cancelled);
    });
  }
  phase_ = Phase::kCopying;
}

void PostgresSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  if (phase_ == Phase::kPrepared || phase_ == Phase::kPublished)
    throw trestle::Internal("postgres_sink: write() after the final commit");
  const bool upsert = mode_ == "upsert";
  const int64_t rows = batch.num_rows();
  const size_t ncols = batch.num_columns();
  std::string buf, key, reason;
  buf.reserve(static_cast<size_t>(rows) * 16 * ncols);
  std::unordered_set<std::string> batch_keys;
  int64_t accepted = 0;
  for (int64_t r = 0; r < rows; ++r) {
    bool bad = false;
    for (int k : key_columns_) {
      if (batch.column(static_cast<size_t>(k)).is_null(r)) {
        reason = "null in " + std::string(upsert ? "key" : "partition") + " column \"" +
                 input_.field(static_cast<size_t>(k)).name + "\" (mode " + mode_ + ")";
        bad = true;
        break;
      }
    }
    const size_t mark = buf.size();
    for (size_t c = 0; c < ncols && !bad; ++c) {
      if (c) buf += '\t';
      bad = !writers_[c].append(batch.column(c), r, buf, &reason);
    }
    if (!bad && upsert) {
      key.clear();
      for (int k : key_columns_) {
        std::string field;
        writers_[static_cast<size_t>(k)].append(batch.column(static_cast<size_t>(k)), r, field, &reason);
        key += (key.empty() ? "" : ", ") + input_.field(static_cast<size_t>(k)).name + "=" + field;
      }
      if (staged_keys_.count(key) || !batch_keys.insert(key).second) {
        reason = "key (" + key + ") was already staged by this run: the first row with it is kept (mode upsert)";
        bad = true;
      }
    }
    if (bad) {
      buf.resize(mark);
      ctx.reject(r, reason);
      continue;
    }
    buf += '\n';
    ++accepted;
  }
  if (accepted == 0) return;
  ensure_staging(ctx);
  const uint64_t spooled = spool_.size();
  if (spool_enabled_) spool_.append(buf);  // before sending: a full disk fails the call with nothing sent
  try {
    session_->put_copy(buf.data(), buf.size(), "staging " + std::to_string(accepted) + " rows into " + table_.display,
                       statement_deadline(), [&ctx] { return ctx.cancelled(); });
  } catch (const trestle::Unavailable& e) {
    phase_ = Phase::kBroken;
    spool_.truncate(spooled);  // a retry sends this batch itself, after the replay
    if (!spool_enabled_ && staged_rows_ > 0) throw_staging_lost(e.what());
    throw;
  } catch (...) {
    phase_ = Phase::kBroken;
    spool_.truncate(spooled);
    throw;
  }
  staged_rows_ += accepted;
  staged_keys_.merge(batch_keys);
}

void PostgresSink::merge(const CancelFn& cancelled) {
  std::string cols;
  for (const auto& f : input_.fields()) cols += (cols.empty() ? "" : ", ") + quote_ident(f.name);
  const std::string t = table_.sql();
  const std::string insert = "INSERT INTO " + t + " (" + cols + ") SELECT " + cols + " FROM trestle_staging";
  const Deadline d = statement_deadline();
  const std::string what = "merging the staged rows into " + table_.display + " (mode " + mode_ + ")";
  if (mode_ == "append") {
    return;  // the COPY went into the table itself (ensure_staging)
  } else if (mode_ == "replace_partition") {
    std::string parts, match;
    for (const auto& p : partition_by_) {
      parts += (parts.empty() ? "" : ", ") + quote_ident(p);
      match += (match.empty() ? "" : " AND ") + std::string("t.") + quote_ident(p) + " = s." + quote_ident(p);
    }
    session_->exec("DELETE FROM " + t + " AS t USING (SELECT DISTINCT " + parts + " FROM trestle_staging) AS s WHERE " +
                       match,
                   {}, what, d, cancelled);
    session_->exec(insert, {}, what, d, cancelled);
  } else {
    std::string keys, set;
    for (const auto& k : key_) keys += (keys.empty() ? "" : ", ") + quote_ident(k);
    for (const auto& f : input_.fields())
      if (std::find(key_.begin(), key_.end(), f.name) == key_.end())
        set += (set.empty() ? "" : ", ") + quote_ident(f.name) + " = EXCLUDED." + quote_ident(f.name);
    session_->exec(insert + " ON CONFLICT (" + keys + ") " + (set.empty() ? "DO NOTHING" : "DO UPDATE SET " + set), {},
                   what, d, cancelled);
  }
}

void PostgresSink::commit(bool final_commit, trestle::Context& ctx) {
  if (!final_commit || phase_ == Phase::kPrepared || phase_ == Phase::kPublished) return;
  // A drained run has read part of its input: replacing whole partitions with part of
  // their rows would lose the rest.
  if (mode_ == "replace_partition" && ctx.cancelled())
    throw trestle::Error(TRESTLE_CANCELLED, "the run was stopped before its input ended; replacing partitions of " +
                                                table_.display + " with part of their rows would lose the rest, so "
                                                "nothing is written");
  const CancelFn cancelled = [&ctx] { return ctx.cancelled(); };
  try {
    ensure_staging(ctx);
    session_->end_copy("ending the COPY of " + std::to_string(staged_rows_) + " rows into staging for " + table_.display,
                       statement_deadline(), cancelled);
    phase_ = Phase::kCopied;
    merge(cancelled);
  } catch (const trestle::Unavailable& e) {
    phase_ = Phase::kBroken;
    if (!spool_enabled_ && staged_rows_ > 0) throw_staging_lost(e.what());
    throw;
  } catch (...) {
    phase_ = Phase::kBroken;
    throw;
  }
  phase_ = Phase::kPrepared;
}

void PostgresSink::publish(trestle::Context& ctx) {
  if (phase_ != Phase::kPrepared) throw trestle::Internal("postgres_sink: publish() without a prepared load");
  try {
    session_->exec("COMMIT", {}, "committing the load into " + table_.display, Deadline::never(), nullptr);
  } catch (const trestle::Unavailable& e) {
    throw trestle::Unavailable(std::string(e.what()) + "; whether the COMMIT of table " + table_.display +
                               " took effect is unknown: check the table before re-running");
  }
  phase_ = Phase::kPublished;
  ctx.info("postgres_sink: loaded " + std::to_string(staged_rows_) + " rows into " + table_.display + " (mode " + mode_ +
           ") on " + endpoint_.str());
  try {
    session_->exec("SELECT pg_advisory_unlock_all()", {}, "releasing the advisory lock", Deadline::in_ms(5000, ""),
                   nullptr);
  } catch (const trestle::Error&) {
    // The lock is a session lock: it goes with the session at close() anyway.
  }
}

void PostgresSink::close(trestle::Context&) {
  if (session_ && session_->ok() && phase_ != Phase::kCopying && session_->in_transaction()) {
    try {
      session_->exec("ROLLBACK", {}, "rolling back", Deadline::in_ms(5000, "rollback"), nullptr);
    } catch (const trestle::Error&) {
      // Ending the session below rolls back as well.
    }
  }
  // Ending the session rolls back an open transaction (a COPY in progress included)
  // and releases the advisory lock.
  session_.reset();
}

}  // namespace trestle_pg
