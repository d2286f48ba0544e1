#include "sqlite_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "declared_type.h"
#include "result_value.h"
#include "min_rows.hpp"
#include "schema_option.hpp"

namespace trestle_sqlite {
namespace {

// A whole decimal number: [+-]digits[.digits][e[+-]digits], or .digits after the sign.
bool decimal_number(const std::string& v, bool* integral) {
  size_t i = 0;
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++int_digits;
  *integral = true;
  if (i < v.size() && v[i] == '.') {
    *integral = false;
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    *integral = false;
    ++i;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == v.size();
}

int bind_param(sqlite3_stmt* s, int index, const std::string& v) {
  bool integral = false;
  if (decimal_number(v, &integral)) {
    errno = 0;
    if (integral) {
      char* end = nullptr;
      long long n = std::strtoll(v.c_str(), &end, 10);
      if (errno == 0 && *end == '\0') return sqlite3_bind_int64(s, index, n);
    } else {
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (errno == 0 && *end == '\0') return sqlite3_bind_double(s, index, d);
    }
  }
  return sqlite3_bind_text(s, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

// Ends the interrupt hook when next() returns, so it never sees a stale Context.
class CancelHook {
 public:
  CancelHook(sqlite3* db, const trestle::Context* ctx) : db_(db) {
    sqlite3_progress_handler(db_, 10000, &CancelHook::poll, const_cast<trestle::Context*>(ctx));
  }
  ~CancelHook() { sqlite3_progress_handler(db_, 0, nullptr, nullptr); }
  CancelHook(const CancelHook&) = delete;
  CancelHook& operator=(const CancelHook&) = delete;

 private:
  static int poll(void* ctx) { return static_cast<trestle::Context*>(ctx)->cancelled() ? 1 : 0; }
  sqlite3* db_;
};

}  // namespace

trestle::OperatorSpec SqliteSource::spec() {
  return trestle::OperatorSpec(
             "sqlite_source",
             "Reads the rows of one SELECT from a SQLite database file, opened read-only. The schema comes from "
             "the result columns' declared types (INTEGER kinds -> int64, REAL/FLOAT/DOUBLE/NUMERIC/DECIMAL -> "
             "float64, BOOLEAN -> bool, TEXT/CHAR/CLOB -> utf8, DATE/DATETIME/TIMESTAMP -> timestamp[us] from "
             "ISO-8601 text) unless `schema` says otherwise; expressions and BLOB columns need a `schema` entry. "
             "A value that does not fit its column's type (text in an int64 column, an integer beyond int32, a "
             "number in a timestamp column) sends its row to the dead letters with the column and value; NULL is "
             "null. A database locked by a writer longer than busy_timeout_ms is UNAVAILABLE (retried).")
      .param<std::string>("path", "SQLite database file to read; must exist (never read as a URI)")
      .required()
      .input_path()
      .param<std::string>("query",
                          "one SELECT (or WITH ... SELECT) statement returning rows; a second statement after it is "
                          "refused. Values come in through ?1..?N and `params`, never by editing the SQL")
      .required()
      .param<trestle::StringList>(
          "params",
          "values bound to ?1..?N in order, as many as the query has placeholders. A whole decimal integer "
          "(\"42\", \"-7\") binds as INTEGER, a decimal real (\"0.5\", \"1e3\") as REAL, anything else "
          "(\"2026-12-01\", \"FR\") as TEXT; \"${RUN_DATE}\" is the usual one. A sharded run (trestle run "
          "--shard I/N) selects its share with [\"${SHARD_COUNT}\", \"${SHARD_INDEX}\"] and e.g. "
          "\"WHERE abs(customer_id) % ?1 = ?2\" (an integer key; SQLite has no hash function for text)",
          trestle::StringList{})
      .param<trestle::StringMap>(
          "schema",
          "column -> [type] for result columns whose declared type does not say (expressions such as count(*) or "
          "CAST(...), BLOB or untyped columns) or should read differently; types: bool, int32, int64, float32, "
          "float64, utf8, timestamp. Example: {n: [int64], share: [float64]}")
      .param<int64_t>("busy_timeout_ms",
                      "how long SQLite waits for a writer's lock before the read fails with UNAVAILABLE (and the "
                      "host retries)",
                      int64_t{5000})
      .range(0, 3600000)
      .param<int64_t>("min_rows", trestle_support::kMinRowsDoc, int64_t{0})
      .min(0)
      .output_doc("the query's result columns, in order, all nullable")
      .serial();
}

SqliteSource::SqliteSource(const trestle::Options& o)
    : path_(o.get<std::string>("path")),
      query_(o.get<std::string>("query")),
      params_(o.get_or<trestle::StringList>("params", {})),
      declared_(trestle_support::parse_schema_option(o)),
      busy_timeout_ms_(o.get_or<int64_t>("busy_timeout_ms", 5000)),
      min_rows_(o.get_or<int64_t>("min_rows", 0)) {
  if (path_.empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  if (query_.find_first_not_of(" \t\r\n") == std::string::npos)
    throw trestle::InvalidArgument("option \"query\" must not be empty");
}

std::string SqliteSource::where() const { return "sqlite_source \"" + path_ + "\""; }

trestle::Schema SqliteSource::open() {
  stmt_.finalize();
  db_.close();
  rows_stepped_ = 0;
  done_ = false;
  struct stat st{};
  if (::stat(path_.c_str(), &st) != 0)
    throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" cannot be read: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    throw trestle::InvalidArgument("option \"path\": \"" + path_ + "\" is not a regular file (a SQLite database is)");
  db_ = Db::open(path_, SQLITE_OPEN_READONLY, busy_timeout_ms_, where());
  // Reading the catalogue refuses a file that is not a database even when the query
  // would not touch a table.
  db_.exec("SELECT count(*) FROM sqlite_master", where() + ": reading the database");

  size_t tail = 0;
  stmt_ = Stmt::prepare(db_, query_, where() + ": option \"query\"", &tail);
  if (!stmt_) throw trestle::InvalidArgument(where() + ": option \"query\" holds no statement (only comments?)");
  // What follows the first statement may only be blanks, ';' and comments: preparing it
  // yields no statement exactly then.
  if (tail < query_.size()) {
    std::string rest = query_.substr(tail);
    Stmt next = Stmt::prepare(db_, rest, where() + ": option \"query\" (after the first statement)");
    if (next)
      throw trestle::InvalidArgument(where() + ": option \"query\" holds more than one statement; give one SELECT (" +
                                     "the second starts at \"" + rest.substr(rest.find_first_not_of(" \t\r\n;")).substr(0, 40) +
                                     "\")");
  }
  if (!sqlite3_stmt_readonly(stmt_.get()) || sqlite3_column_count(stmt_.get()) == 0)
    throw trestle::InvalidArgument(where() + ": option \"query\" must be a SELECT returning rows; \"" +
                                   query_.substr(0, 60) + "\" is not");

  const int want = sqlite3_bind_parameter_count(stmt_.get());
  if (static_cast<int>(params_.size()) != want)
    throw trestle::InvalidArgument(where() + ": option \"params\" has " + std::to_string(params_.size()) +
                                   " values but the query has " + std::to_string(want) + " placeholders (?1..?" +
                                   std::to_string(want) + ")");
  for (int i = 0; i < want; ++i) {
    int rc = bind_param(stmt_.get(), i + 1, params_[static_cast<size_t>(i)]);
    if (rc != SQLITE_OK) throw sqlite_error(rc, where() + ": option \"params\"[" + std::to_string(i) + "]", db_.errmsg());
  }

  std::vector<trestle::Field> fields;
  const int n = sqlite3_column_count(stmt_.get());
  for (int c = 0; c < n; ++c) {
    const char* cname = sqlite3_column_name(stmt_.get(), c);
    std::string name = cname ? cname : "";
    for (const auto& f : fields)
      if (f.name == name)
        throw trestle::InvalidArgument(where() + ": the query returns two columns named \"" + name +
                                       "\"; give one another name with AS");
    trestle::Field f{name, trestle::Type::Utf8, true};
    if (auto it = declared_.find(name); it != declared_.end()) {
      f.type = it->second;
    } else {
      const char* decl = sqlite3_column_decltype(stmt_.get(), c);
      std::optional<trestle::Type> t = type_for_declared(decl ? decl : "");
      if (!t) {
        const std::string what = decl && *decl ? std::string("is declared ") + decl + ", which no Trestle type holds"
                                                : "is an expression without a declared type";
        throw trestle::InvalidArgument(where() + ": result column \"" + name + "\" " + what +
                                       "; declare its type with the \"schema\" option, e.g. schema: {" + name +
                                       ": [int64]} (or float64, utf8, bool, timestamp)");
      }
      f.type = *t;
    }
    fields.push_back(f);
  }
  for (const auto& [name, t] : declared_) {
    bool found = false;
    for (const auto& f : fields) found = found || f.name == name;
    if (!found)
      throw trestle::InvalidArgument(where() + ": option \"schema\" names column \"" + name +
                                     "\", which the query does not return (it returns: " +
                                     trestle::Schema(fields).names_list() + ")");
  }
  schema_ = trestle::Schema(std::move(fields));
  return schema_;
}

std::optional<trestle::Batch> SqliteSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (done_ || !stmt_) return std::nullopt;
  sqlite3_stmt* s = stmt_.get();
  const size_t ncols = schema_.size();
  const int64_t limit = max_rows > 0 ? max_rows : 1;
  std::vector<trestle::ColumnBuilder> builders;
  builders.reserve(ncols);
  for (const auto& f : schema_.fields()) builders.emplace_back(f.type, limit);
  std::vector<Cell> cells(ncols);
  int64_t rows = 0;
  CancelHook hook(db_.get(), &ctx);

  while (rows < limit) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
      done_ = true;
      sqlite3_reset(s);  // ends the read transaction
      trestle_support::check_min_rows(rows_stepped_, min_rows_, where());
      break;
    }
    if (rc == SQLITE_INTERRUPT) {  // the host is draining or aborting
      done_ = true;
      sqlite3_reset(s);
      break;
    }
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
      // Outside an explicit transaction a busy step may simply be stepped again later.
      if (rows > 0) break;
      throw sqlite_error(rc, where() + ": reading row " + std::to_string(rows_stepped_ + 1) +
                                 " (another connection holds the database longer than busy_timeout_ms " +
                                 std::to_string(busy_timeout_ms_) + ")",
                         db_.errmsg());
    }
    if (rc != SQLITE_ROW) {
      std::string msg = db_.errmsg();
      sqlite3_reset(s);
      done_ = true;
      throw sqlite_error(rc, where() + ": query row " + std::to_string(rows_stepped_ + 1), msg);
    }
    ++rows_stepped_;
    std::string reason;
    for (size_t c = 0; c < ncols && reason.empty(); ++c) {
      std::string why = read_cell(s, static_cast<int>(c), schema_.field(c).type, &cells[c]);
      if (!why.empty()) reason = "column \"" + schema_.field(c).name + "\": " + why;
    }
    if (!reason.empty()) {
      ctx.reject_record(row_as_json(s), path_ + " query row " + std::to_string(rows_stepped_), reason);
      continue;
    }
    for (size_t c = 0; c < ncols; ++c) {
      trestle::ColumnBuilder& b = builders[c];
      const Cell& v = cells[c];
      if (v.null) {
        b.append_null();
        continue;
      }
      switch (schema_.field(c).type) {
        case trestle::Type::Bool: b.append_bool(v.i != 0); break;
        case trestle::Type::Int32: b.append_i32(static_cast<int32_t>(v.i)); break;
        case trestle::Type::Int64: b.append_i64(v.i); break;
        case trestle::Type::TimestampUs: b.append_ts(v.i); break;
        case trestle::Type::Float32: b.append_f32(static_cast<float>(v.d)); break;
        case trestle::Type::Float64: b.append_f64(v.d); break;
        case trestle::Type::Utf8: b.append_str(v.text); break;
      }
    }
    ++rows;
  }
  if (rows == 0 && done_) return std::nullopt;
  std::vector<trestle::Column> cols;
  cols.reserve(ncols);
  for (auto& b : builders) cols.push_back(b.finish());
  return trestle::Batch(schema_, std::move(cols));
}

void SqliteSource::close(trestle::Context&) {
  stmt_.finalize();
  db_.close();
}

}  // namespace trestle_sqlite
