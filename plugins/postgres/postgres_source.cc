#include "postgres_source.h"

#include <set>

#include "offline.h"
#include "min_rows.hpp"
#include "schema_option.hpp"
#include "pg_types.h"

namespace trestle_pg {

namespace {

constexpr const char* kStatement = "trestle_query";
constexpr const char* kCursor = "trestle_cursor";

}  // namespace

trestle::OperatorSpec PostgresSource::spec() {
  return trestle::OperatorSpec(
             "postgres_source",
             "Reads the rows of a SQL query from PostgreSQL in batches, through a server-side cursor (DECLARE ... NO "
             "SCROLL CURSOR in a READ ONLY transaction, FETCH FORWARD fetch_rows). Parameters are bound as $1..$N "
             "text values, never spliced into the query. open() (validate) connects and prepares the query: its "
             "result columns give the schema (bool->bool, smallint/integer->int32, bigint->int64, real->float32, "
             "double precision->float64, numeric->float64 (lossy: beyond 15-17 significant digits and beyond the "
             "range of float64, which is rejected), text/varchar/char/name->utf8, date->utf8 \"YYYY-MM-DD\", "
             "timestamp/timestamptz->timestamp (UTC; a timestamp without time zone is read as UTC)); any other type "
             "is an error naming the column: cast it in the query (e.g. col::text) or declare it in schema. A "
             "dropped column or table is an error at validate with the server's message. With TRESTLE_OFFLINE=1 in "
             "the environment open() does not connect: schema must then declare every column (offline the columns "
             "come in name order). A value that does not convert (an int64 read as int32, a numeric beyond float64, "
             "an infinite timestamp) sends its row to the dead letters (location \"postgres query row N\"), never "
             "the batch. A failed next() is retried by the engine per the node's retry settings: the retry "
             "reconnects if needed, declares the cursor again and skips the rows already delivered, which gives "
             "each row exactly once only if the query has an ORDER BY on a unique key. Errors name "
             "host:port/dbname, the SQLSTATE and the server's message; conninfo is never logged.")
      .param<std::string>("conninfo",
                          "libpq connection string (\"host=... port=... dbname=... user=...\") or postgresql:// URI; "
                          "secret: never logged or stored, messages name only host:port/dbname (use ${ENV} for it)")
      .required()
      .secret()
      .param<std::string>("query", "the SELECT to read, with $1..$N for params; add ORDER BY for exact retries")
      .required()
      .param<trestle::StringList>("params", "values of $1..$N, as text (the server converts them to the types the "
                                            "query needs), e.g. [\"${RUN_DATE}\"]",
                                  trestle::StringList{})
      .param<trestle::StringMap>("schema",
                                 "column -> type (bool, int32, int64, float32, float64, utf8, timestamp): read these "
                                 "result columns as this type instead of the mapped one (the server's text is "
                                 "converted; utf8 takes any type as text); offline: every column",
                                 trestle::StringMap{})
      .param<int64_t>("fetch_rows", "rows per FETCH (and per batch); 0 = the engine's batch_rows", int64_t{0})
      .min(0)
      .param<double>("connect_deadline_s",
                     "refused connections (server down or starting) are retried with exponential backoff and full "
                     "jitter for this long, then the call fails with UNAVAILABLE naming host:port and the last error",
                     30.0)
      .min(0.1)
      .param<int64_t>("statement_timeout_ms",
                      "client-side deadline of each statement (DECLARE, each FETCH; 0 = none): past it the query is "
                      "cancelled on the server and next() fails with DEADLINE_EXCEEDED, which the engine retries per "
                      "the node's retry settings",
                      int64_t{0})
      .min(0)
      .param<int64_t>("min_rows", trestle_support::kMinRowsDoc, int64_t{0})
      .min(0)
      .output_doc("the query's result columns, typed as above; every column nullable")
      .serial();
}

PostgresSource::PostgresSource(const trestle::Options& o)
    : conninfo_(o.get<std::string>("conninfo")),
      endpoint_(Endpoint::parse(conninfo_, "conninfo")),
      query_(o.get<std::string>("query")),
      params_(o.get_or<trestle::StringList>("params", {})),
      declared_(trestle_support::parse_schema_option(o)),
      fetch_rows_(o.get_or<int64_t>("fetch_rows", 0)),
      connect_deadline_s_(o.get_or<double>("connect_deadline_s", 30.0)),
      statement_timeout_ms_(o.get_or<int64_t>("statement_timeout_ms", 0)),
      min_rows_(o.get_or<int64_t>("min_rows", 0)) {
  if (query_.find_first_not_of(" \t\r\n") == std::string::npos)
    throw trestle::InvalidArgument("option \"query\" is empty");
}

trestle::Schema PostgresSource::open() {
  std::vector<trestle::Field> fields;
  if (offline()) {
    if (declared_.empty())
      throw trestle::InvalidArgument(
          "TRESTLE_OFFLINE=1: postgres_source cannot describe its query without connecting; declare every result "
          "column in option \"schema\"");
    for (const auto& [name, type] : declared_) fields.push_back({name, type, true});
    schema_ = trestle::Schema(std::move(fields));
    return schema_;
  }
  session_ = Session::connect(conninfo_, endpoint_, connect_deadline_s_, nullptr);
  const Deadline d = Deadline::in_ms(statement_timeout_ms_ > 0 ? statement_timeout_ms_ : 60'000, "statement_timeout_ms");
  session_->prepare(kStatement, query_, "preparing option \"query\"", d, nullptr);
  Result desc = session_->describe_prepared(kStatement, "describing option \"query\"", d, nullptr);
  const int nparams = PQnparams(desc.get());
  if (nparams != static_cast<int>(params_.size()))
    throw trestle::InvalidArgument("option \"query\" has " + std::to_string(nparams) + " parameter" +
                                   (nparams == 1 ? "" : "s") + " ($1..$N) but option \"params\" gives " +
                                   std::to_string(params_.size()));
  std::set<std::string> seen;
  for (int c = 0; c < PQnfields(desc.get()); ++c) {
    std::string name = PQfname(desc.get(), c);
    if (!seen.insert(name).second)
      throw trestle::InvalidArgument("option \"query\" returns two columns named \"" + name +
                                     "\"; give them distinct names with AS");
    std::optional<trestle::Type> t;
    if (auto it = declared_.find(name); it != declared_.end()) t = it->second;
    else t = source_type_for(PQftype(desc.get(), c));
    if (!t) {
      Result tn = session_->exec("SELECT format_type($1::oid, NULL)", {std::to_string(PQftype(desc.get(), c))},
                                 "naming a column type", d, nullptr);
      throw trestle::InvalidArgument("column \"" + name + "\" of option \"query\" has type " +
                                     PQgetvalue(tn.get(), 0, 0) +
                                     ", which postgres_source does not map; cast it in the query, e.g. " + name +
                                     "::text, or declare its type in option \"schema\"");
    }
    fields.push_back({name, *t, true});
  }
  for (const auto& [name, _] : declared_)
    if (!seen.count(name))
      throw trestle::InvalidArgument("option \"schema\" declares column \"" + name +
                                     "\", which option \"query\" does not return");
  if (fields.empty()) throw trestle::InvalidArgument("option \"query\" returns no columns");
  schema_ = trestle::Schema(std::move(fields));
  return schema_;
}

void PostgresSource::start_cursor(trestle::Context& ctx) {
  const CancelFn cancelled = [&ctx] { return ctx.cancelled(); };
  if (session_ && session_->ok() && session_->in_transaction()) {
    try {
      session_->exec("ROLLBACK", {}, "rolling back a failed read", Deadline::in_ms(5000, "rollback"), cancelled);
    } catch (const trestle::Error&) {
      session_.reset();
    }
  }
  if (!session_ || !session_->ok()) session_ = Session::connect(conninfo_, endpoint_, connect_deadline_s_, cancelled);
  const Deadline d = statement_deadline();
  session_->exec("BEGIN READ ONLY", {}, "starting the read", d, cancelled);
  session_->exec(std::string("DECLARE ") + kCursor + " NO SCROLL CURSOR FOR " + query_, params_,
                 "declaring a cursor for option \"query\"", d, cancelled);
  if (delivered_ > 0) {
    ctx.warning("postgres_source: reading again from row " + std::to_string(delivered_ + 1) + " of the query on " +
                endpoint_.str() + " (rows come out exactly once only if the query has a deterministic ORDER BY)");
    session_->exec(std::string("MOVE FORWARD ") + std::to_string(delivered_) + " FROM " + kCursor, {},
                   "skipping the " + std::to_string(delivered_) + " rows already read", d, cancelled);
  }
  cursor_open_ = true;
}

std::optional<trestle::Batch> PostgresSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (done_) return std::nullopt;
  const CancelFn cancelled = [&ctx] { return ctx.cancelled(); };
  Result rows;
  try {
    if (!cursor_open_) start_cursor(ctx);
    const int64_t n = fetch_rows_ > 0 ? fetch_rows_ : std::max<int64_t>(1, max_rows);
    rows = session_->exec("FETCH FORWARD " + std::to_string(n) + " FROM " + kCursor, {},
                          "fetching rows " + std::to_string(delivered_ + 1) + ".." + std::to_string(delivered_ + n) +
                              " of option \"query\"",
                          statement_deadline(), cancelled);
    if (PQntuples(rows.get()) == 0) {
      session_->exec("COMMIT", {}, "ending the read", statement_deadline(), cancelled);
      cursor_open_ = false;
      done_ = true;
      trestle_support::check_min_rows(delivered_, min_rows_, "postgres_source on " + endpoint_.str());
      return std::nullopt;
    }
  } catch (...) {
    cursor_open_ = false;
    throw;
  }
  trestle::Batch b = convert(rows.get(), ctx);
  delivered_ += PQntuples(rows.get());
  ctx.progress(static_cast<double>(delivered_), 0);
  return b;
}

trestle::Batch PostgresSource::convert(const PGresult* res, trestle::Context& ctx) {
  const int rows = PQntuples(res), cols = PQnfields(res);
  std::vector<trestle::ColumnBuilder> out;
  for (const auto& f : schema_.fields()) out.emplace_back(f.type, rows);
  std::string reason;
  auto append_row = [&](std::vector<trestle::ColumnBuilder>& to, int r, int* bad_col) {
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res, r, c)) {
        to[static_cast<size_t>(c)].append_null();
        continue;
      }
      std::string_view v(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
      if (!append_text_value(to[static_cast<size_t>(c)], schema_.field(static_cast<size_t>(c)).type, v, &reason)) {
        *bad_col = c;
        return false;
      }
    }
    return true;
  };
  int bad_col = -1;
  int r = 0;
  for (; r < rows; ++r)
    if (!append_row(out, r, &bad_col)) break;
  if (r == rows) {
    std::vector<trestle::Column> done;
    for (auto& b : out) done.push_back(b.finish());
    return trestle::Batch(schema_, std::move(done));
  }
  // A value that does not convert: build the batch again, trying each row on scratch
  // builders first so that a bad row leaves no partial values behind.
  std::vector<trestle::ColumnBuilder> good, scratch;
  for (const auto& f : schema_.fields()) good.emplace_back(f.type, rows), scratch.emplace_back(f.type);
  for (r = 0; r < rows; ++r) {
    bad_col = -1;
    if (append_row(scratch, r, &bad_col)) {
      int ignored = -1;
      append_row(good, r, &ignored);
      continue;
    }
    std::string record;
    for (int c = 0; c < cols; ++c) {
      record += (c ? "\t" : "") + schema_.field(static_cast<size_t>(c)).name + "=";
      record += PQgetisnull(res, r, c) ? "NULL" : PQgetvalue(res, r, c);
    }
    ctx.reject_record(record, "postgres query row " + std::to_string(delivered_ + r + 1),
                      "column \"" + schema_.field(static_cast<size_t>(bad_col)).name + "\": " + reason);
  }
  std::vector<trestle::Column> done;
  for (auto& b : good) done.push_back(b.finish());
  return trestle::Batch(schema_, std::move(done));
}

void PostgresSource::close(trestle::Context&) {
  if (session_ && session_->ok() && session_->in_transaction()) {
    try {
      session_->exec("ROLLBACK", {}, "ending the read", Deadline::in_ms(5000, "rollback"), nullptr);
    } catch (const trestle::Error&) {
      // Ending the session ends the transaction as well.
    }
  }
  session_.reset();
}

}  // namespace trestle_pg
