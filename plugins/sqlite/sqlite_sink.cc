#include "sqlite_sink.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "table_info.h"
#include "timestamp_text.hpp"

namespace trestle_sqlite {
namespace {

namespace fs = std::filesystem;

const char* file_kind(mode_t m) {
  return S_ISDIR(m)    ? "a directory"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISSOCK(m) ? "a socket"
                       : "not a regular file";
}

WriteMode parse_mode(const std::string& m) {
  if (m == "append") return WriteMode::Append;
  if (m == "replace_partition") return WriteMode::ReplacePartition;
  if (m == "upsert") return WriteMode::Upsert;
  throw trestle::InvalidArgument("option \"mode\" must be append, replace_partition or upsert, got \"" + m + "\"");
}

void check_list(const trestle::StringList& names, const char* option) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) throw trestle::InvalidArgument(std::string("option \"") + option + "\" holds an empty name");
    for (size_t j = 0; j < i; ++j)
      if (same_name(names[i], names[j]))
        throw trestle::InvalidArgument(std::string("option \"") + option + "\" names column \"" + names[i] + "\" twice");
  }
}

}  // namespace

trestle::OperatorSpec SqliteSink::spec() {
  return trestle::OperatorSpec(
             "sqlite_sink",
             "Writes rows into a table of a SQLite database file, in one transaction that commits only when the run "
             "succeeds (a failed or killed run leaves the table as it was). mode: append adds the rows; "
             "replace_partition deletes the rows of every partition_by value present in this run's rows, then adds "
             "them (re-running a date replaces that date); upsert inserts or updates by key. validate checks the "
             "table: every input column must exist with a declared type that holds it (int -> INTEGER/REAL/NUMERIC, "
             "float -> REAL/NUMERIC, bool -> BOOLEAN/INTEGER/NUMERIC, utf8 and timestamp -> TEXT or DATE/TIME; any "
             "type into a column without one) and table columns the input lacks must be nullable or defaulted. Rows "
             "are rejected (dead letters) for a NULL in a key, partition_by or NOT NULL column, a NaN float, and in "
             "upsert mode a key seen earlier in the run. Timestamps are stored as ISO-8601 text (UTC), bools as 0/1. "
             "The file's write lock is held from the first write to the end of the run: one sqlite_sink per file.")
      .param<std::string>("path",
                          "SQLite database file, updated in place: a regular file (or a link to one), or absent with "
                          "create: true")
      .required()
      .param<std::string>("table", "table to write (in the main database; not a view)")
      .required()
      .param<std::string>("mode",
                          "append: add the rows; replace_partition: replace the rows whose partition_by values occur "
                          "in this run (a run without rows replaces nothing); upsert: insert, or update the row with "
                          "the same key (every input column outside the key; other table columns keep their values)",
                          std::string("append"))
      .one_of({"append", "replace_partition", "upsert"})
      .param<trestle::StringList>("partition_by",
                                  "input columns whose values name a partition, e.g. [day]; required by, and only "
                                  "for, mode: replace_partition",
                                  trestle::StringList{})
      .param<trestle::StringList>("key",
                                  "input columns forming the key; required by, and only for, mode: upsert. The table "
                                  "needs a PRIMARY KEY or UNIQUE index on exactly these columns",
                                  trestle::StringList{})
      .param<bool>("create",
                   "create the file (and parent directories) and the table when absent, with the input's columns: "
                   "int -> INTEGER, float -> REAL, utf8 -> TEXT, bool -> BOOLEAN, timestamp -> TIMESTAMP, and "
                   "PRIMARY KEY (key) for upsert. Without it a missing file or table is an error",
                   false)
      .param<int64_t>("busy_timeout_ms",
                      "how long to wait for another connection's write lock before the write fails with "
                      "UNAVAILABLE (and the host retries)",
                      int64_t{5000})
      .range(0, 3600000)
      .input_doc("columns of the table (by name, any order); key and partition_by columns among them")
      .ordered_input()
      .serial();
}

SqliteSink::SqliteSink(const trestle::Options& o)
    : path_(o.get<std::string>("path")),
      create_(o.get_or<bool>("create", false)),
      busy_timeout_ms_(o.get_or<int64_t>("busy_timeout_ms", 5000)) {
  settings_.table = o.get<std::string>("table");
  settings_.mode = parse_mode(o.get_or<std::string>("mode", "append"));
  settings_.partition_by = o.get_or<trestle::StringList>("partition_by", {});
  settings_.key = o.get_or<trestle::StringList>("key", {});
  if (path_.empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  if (settings_.table.empty()) throw trestle::InvalidArgument("option \"table\" must not be empty");
  if (same_name(settings_.table.substr(0, 7), "sqlite_"))
    throw trestle::InvalidArgument("option \"table\": \"" + settings_.table + "\" is reserved for SQLite (sqlite_*)");
  check_list(settings_.partition_by, "partition_by");
  check_list(settings_.key, "key");
  const bool replace = settings_.mode == WriteMode::ReplacePartition, upsert = settings_.mode == WriteMode::Upsert;
  if (replace && settings_.partition_by.empty())
    throw trestle::InvalidArgument("mode: replace_partition needs option \"partition_by\" (e.g. [day])");
  if (!replace && !settings_.partition_by.empty())
    throw trestle::InvalidArgument("option \"partition_by\" is only for mode: replace_partition (mode is " +
                                   o.get_or<std::string>("mode", "append") + ")");
  if (upsert && settings_.key.empty()) throw trestle::InvalidArgument("mode: upsert needs option \"key\" (e.g. [id])");
  if (!upsert && !settings_.key.empty())
    throw trestle::InvalidArgument("option \"key\" is only for mode: upsert (mode is " +
                                   o.get_or<std::string>("mode", "append") + ")");
}

std::string SqliteSink::where() const { return "sqlite_sink \"" + path_ + "\""; }

void SqliteSink::check_path() const {
  struct stat st{};
  if (::stat(path_.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode))
      throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" is " + file_kind(st.st_mode) +
                                     "; sqlite_sink updates a database file in place, which must be a regular file");
    return;
  }
  if (errno != ENOENT)
    throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" cannot be used: " + std::strerror(errno));
  if (!create_)
    throw trestle::InvalidArgument("option \"path\": \"" + path_ +
                                   "\" does not exist; set create: true to create the database");
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(path_), ec).parent_path();
  while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.parent_path()) dir = dir.parent_path();
  if (!fs::is_directory(dir, ec) || ::access(dir.c_str(), W_OK | X_OK) != 0)
    throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" cannot be created: \"" + dir.string() +
                                   "\" is not a writable directory");
}

void SqliteSink::open(const trestle::Schema& input) {
  input_ = input;
  for (size_t i = 0; i < input.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (same_name(input.field(i).name, input.field(j).name))
        throw trestle::InvalidArgument(where() + ": input columns \"" + input.field(j).name + "\" and \"" +
                                       input.field(i).name + "\" name one table column (SQLite ignores case)");
  for (const auto* list : {&settings_.partition_by, &settings_.key})
    for (const auto& n : *list)
      if (!input.has(n))
        throw trestle::InvalidArgument(std::string("option \"") + (list == &settings_.key ? "key" : "partition_by") +
                                       "\" names column \"" + n + "\", which the input lacks (input columns: " +
                                       input.names_list() + ")");
  check_path();
  if (!fs::exists(path_)) {
    plan_ = plan_new_table(input_, settings_);
    return;
  }
  // Reading the catalogue changes nothing; the file is opened for writing now only so
  // that a read-only file is refused here rather than at the first write.
  db_ = Db::open(path_, SQLITE_OPEN_READWRITE, busy_timeout_ms_, where());
  if (sqlite3_db_readonly(db_.get(), "main") == 1)
    throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" is not writable");
  // SQLite writes its rollback journal beside the file: a directory it cannot write in
  // would fail the run only at the merge, after all the work, looking like an outage.
  std::error_code ec;
  const fs::path dir = fs::absolute(fs::path(path_), ec).parent_path();
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw trestle::InvalidArgument("option \"path\": the directory \"" + dir.string() + "\" of \"" + path_ +
                                   "\" is not writable, and SQLite writes its journal there");
  TableInfo info = read_table_info(db_, settings_.table, where());
  if (info.exists) {
    plan_ = plan_columns(info, input_, settings_, where());
  } else if (create_) {
    plan_ = plan_new_table(input_, settings_);
  } else {
    throw trestle::InvalidArgument(where() + ": option \"table\": table \"" + settings_.table +
                                   "\" does not exist; create it, or set create: true to create it from the input");
  }
}

void SqliteSink::begin() {
  if (in_transaction_) return;
  if (published_ || merged_) throw trestle::Internal(where() + ": the run's transaction already ended");
  if (!db_) {
    std::error_code ec;
    const bool existed = fs::exists(path_, ec);
    if (!existed) {
      if (!create_) throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" no longer exists");
      fs::path parent = fs::path(path_).parent_path();
      if (!parent.empty()) fs::create_directories(parent, ec);
    }
    db_ = Db::open(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, busy_timeout_ms_, where());
    created_file_ = !existed;
  }
  db_.exec("BEGIN IMMEDIATE", where() + ": taking the database's write lock (another connection held it longer than "
                                        "busy_timeout_ms " + std::to_string(busy_timeout_ms_) +
                                        "; within one run, only one sqlite_sink may write a database file)");
  in_transaction_ = true;
  try {
    TableInfo info = read_table_info(db_, settings_.table, where());
    if (info.exists) {
      plan_ = plan_columns(info, input_, settings_, where());  // it may have changed since validate
    } else {
      if (!create_)
        throw trestle::InvalidArgument(where() + ": table \"" + settings_.table + "\" no longer exists");
      plan_ = plan_new_table(input_, settings_);
      db_.exec(create_table_sql(plan_, settings_), where() + ": creating table \"" + settings_.table + "\"");
    }
    db_.exec("DROP TABLE IF EXISTS temp.\"trestle_staging\"", where() + ": dropping an old staging table");
    db_.exec(create_staging_sql(plan_, settings_), where() + ": creating the staging table");
    insert_ = Stmt::prepare(db_, staging_insert_sql(plan_, settings_), where() + ": preparing the staging insert");
    text_.assign(plan_.size(), std::string());
  } catch (...) {
    rollback();
    throw;
  }
}

void SqliteSink::rollback() noexcept {
  insert_.finalize();
  if (in_transaction_) db_.exec_quietly("ROLLBACK");
  in_transaction_ = false;
}

std::string SqliteSink::bind_row(const trestle::Batch& batch, int64_t r) {
  sqlite3_stmt* s = insert_.get();
  for (size_t c = 0; c < plan_.size(); ++c) {
    const trestle::Column& col = batch.column(c);
    const int at = static_cast<int>(c) + 1;
    const std::string& name = plan_[c].name;
    int rc = SQLITE_OK;
    if (col.is_null(r)) {
      if (!plan_[c].null_rule.empty()) return "column \"" + name + "\" is NULL, but " + plan_[c].null_rule;
      rc = sqlite3_bind_null(s, at);
    } else {
      switch (plan_[c].type) {
        case trestle::Type::Bool: rc = sqlite3_bind_int(s, at, col.bool_at(r) ? 1 : 0); break;
        case trestle::Type::Int32: rc = sqlite3_bind_int64(s, at, col.i32(r)); break;
        case trestle::Type::Int64: rc = sqlite3_bind_int64(s, at, col.i64(r)); break;
        case trestle::Type::Float32:
        case trestle::Type::Float64: {
          const double d = plan_[c].type == trestle::Type::Float32 ? col.f32(r) : col.f64(r);
          if (std::isnan(d)) return "column \"" + name + "\" is NaN, which SQLite would store as NULL";
          rc = sqlite3_bind_double(s, at, d);
          break;
        }
        case trestle::Type::Utf8: {
          std::string_view v = col.str(r);
          rc = sqlite3_bind_text(s, at, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
          break;
        }
        case trestle::Type::TimestampUs:
          text_[c].clear();
          trestle_support::append_timestamp(text_[c], col.ts(r));
          rc = sqlite3_bind_text(s, at, text_[c].data(), static_cast<int>(text_[c].size()), SQLITE_STATIC);
          break;
      }
    }
    if (rc != SQLITE_OK) return "column \"" + name + "\": SQLite cannot take the value: " + sqlite3_errstr(rc);
  }
  return {};
}

std::string SqliteSink::key_text(const trestle::Batch& batch, int64_t r) const {
  std::string o = "(";
  for (size_t k = 0; k < settings_.key.size(); ++k) {
    const int c = batch.schema().index_of(settings_.key[k]);
    const trestle::Column& col = batch.column(static_cast<size_t>(c));
    std::string v;
    switch (col.type()) {
      case trestle::Type::Utf8: v = trestle::detail::json_quote(std::string(col.str(r))); break;
      case trestle::Type::TimestampUs: trestle_support::append_timestamp(v, col.ts(r)); break;
      case trestle::Type::Bool: v = col.bool_at(r) ? "true" : "false"; break;
      case trestle::Type::Int32: v = std::to_string(col.i32(r)); break;
      case trestle::Type::Int64: v = std::to_string(col.i64(r)); break;
      default: v = trestle::detail::json_number(col.as_double(r));
    }
    o += (k ? ", " : "") + settings_.key[k] + "=" + v;
  }
  return o + ")";
}

void SqliteSink::write(const trestle::Batch& batch, trestle::Context& ctx) {
  if (batch.schema() != input_)
    throw trestle::Internal(where() + ": a batch's columns differ from the schema given to open()");
  if (batch.num_rows() == 0) return;
  begin();
  const std::string batch_where = where() + ": staging rows for table \"" + settings_.table + "\"";
  db_.exec("SAVEPOINT trestle_batch", batch_where);
  std::vector<std::pair<int64_t, std::string>> rejects;
  sqlite3_stmt* s = insert_.get();
  try {
    for (int64_t r = 0; r < batch.num_rows(); ++r) {
      std::string why = bind_row(batch, r);
      if (!why.empty()) {
        rejects.emplace_back(r, why);
        continue;
      }
      const int rc = sqlite3_step(s);
      if (rc != SQLITE_DONE) {
        std::string msg = db_.errmsg();
        sqlite3_reset(s);
        throw sqlite_error(rc, batch_where + " (row " + std::to_string(r) + " of the batch)", msg);
      }
      if (settings_.mode == WriteMode::Upsert && sqlite3_changes(db_.get()) == 0)
        rejects.emplace_back(r, "key collision: key " + key_text(batch, r) +
                                    " was already written by an earlier row of this run; the first row is kept");
      sqlite3_reset(s);
    }
    sqlite3_clear_bindings(s);
    db_.exec("RELEASE trestle_batch", batch_where);
  } catch (...) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (sqlite3_get_autocommit(db_.get())) {
      // SQLite ended the transaction itself (it does on some I/O and memory errors):
      // the earlier batches' rows are gone, so the run cannot go on.
      in_transaction_ = false;
      merged_ = true;  // nothing may start a fresh transaction and publish a partial table
      throw trestle::Internal(batch_where + ": SQLite rolled the run's transaction back; the earlier rows are lost, "
                                            "nothing was written to the table");
    }
    db_.exec_quietly("ROLLBACK TO trestle_batch; RELEASE trestle_batch");
    throw;
  }
  // Rejects are reported only once the batch is staged, so a retried write does not
  // report them twice.
  for (const auto& [row, why] : rejects) ctx.reject(row, why);
}

void SqliteSink::commit(bool final_commit, trestle::Context& ctx) {
  // Nothing is durable before publish: the rows wait in the transaction.
  if (!final_commit || merged_) return;
  // A drained run has read part of its input: replacing whole partitions with part of
  // their rows would lose the rest.
  if (settings_.mode == WriteMode::ReplacePartition && ctx.cancelled())
    throw trestle::Error(TRESTLE_CANCELLED, where() + ": the run was stopped before its input ended; replacing "
                                            "partitions of table \"" + settings_.table +
                                            "\" with part of their rows would lose the rest, so nothing is written");
  begin();
  const char* mode = settings_.mode == WriteMode::Append ? "append" : settings_.mode == WriteMode::Upsert ? "upsert" : "replace_partition";
  const std::string merge_where = where() + ": merging the run's rows into table \"" + settings_.table + "\" (mode " + mode + ")";
  db_.exec("SAVEPOINT trestle_merge", merge_where);
  try {
    for (const std::string& sql : merge_sql(plan_, settings_)) db_.exec(sql, merge_where);
    db_.exec("RELEASE trestle_merge", merge_where);
  } catch (const trestle::Error& e) {
    if (sqlite3_get_autocommit(db_.get())) {
      in_transaction_ = false;
      merged_ = true;
      throw trestle::Internal(std::string(e.what()) + "; SQLite rolled the run's transaction back, nothing was written");
    }
    db_.exec_quietly("ROLLBACK TO trestle_merge; RELEASE trestle_merge");
    throw;
  }
  merged_ = true;
}

void SqliteSink::publish(trestle::Context&) {
  if (published_) return;
  if (!in_transaction_ || !merged_) throw trestle::Internal(where() + ": publish() without a final commit");
  db_.exec("COMMIT", where() + ": committing table \"" + settings_.table + "\"");
  in_transaction_ = false;
  published_ = true;
}

void SqliteSink::close(trestle::Context&) {
  rollback();
  db_.close();
  if (created_file_ && !published_) {
    // This run made the file; with the transaction rolled back it is empty again.
    std::error_code ec;
    if (fs::file_size(path_, ec) == 0 && !ec) fs::remove(path_, ec);
    fs::remove(path_ + "-journal", ec);
  }
}

}  // namespace trestle_sqlite
