#include "csv_source.h"

#include <algorithm>
#include <set>

#include "schema_option.h"
#include "timestamp_text.hpp"
#include "type_inference.h"
#include "value_parser.h"

namespace trestle_io {
namespace {

// Sampling keeps what it read in memory; past this it infers from fewer rows. (A fuzzing
// build may define TRESTLE_IO_MAX_SAMPLE_BYTES smaller.)
#ifdef TRESTLE_IO_MAX_SAMPLE_BYTES
constexpr size_t kMaxSampleBytes = TRESTLE_IO_MAX_SAMPLE_BYTES;
#else
constexpr size_t kMaxSampleBytes = size_t{16} << 20;
#endif
// Rows reserved up front per batch: max_rows may be huge, and so may the number of
// columns; builders grow past this.
constexpr int64_t kReserveRows = 65536;
constexpr int64_t kReserveCells = int64_t{1} << 20;

int64_t rows_to_reserve(int64_t max_rows, size_t columns) {
  const int64_t per_column = kReserveCells / std::max<int64_t>(1, static_cast<int64_t>(columns));
  return std::max<int64_t>(1, std::min({max_rows, kReserveRows, per_column}));
}

char parse_delimiter(const std::string& d) {
  if (d == "\\t") return '\t';
  if (d.size() != 1) throw trestle::InvalidArgument("option \"delimiter\" must be one character, got \"" + d + "\"");
  if (d[0] == '"' || d[0] == '\r' || d[0] == '\n')
    throw trestle::InvalidArgument("option \"delimiter\" cannot be a quote or a line break");
  return d[0];
}

}  // namespace

trestle::OperatorSpec CsvSource::spec() {
  return trestle::OperatorSpec("csv_source",
                               "Reads an RFC 4180 CSV file in batches. Column types come from the `schema` option "
                               "or are inferred from the first infer_rows rows: a column is int64, float64, bool or "
                               "timestamp when all its sampled values are, or when at most 1% of them are not and "
                               "at least 99 are (then a warning names the column and the first such value); else "
                               "utf8. Malformed lines and values that do not parse as their column's type are "
                               "dead-lettered with file:line and a reason; reading goes on. With shard_count > 1 "
                               "(a sharded run) it keeps only the records of shard shard_index.")
      .param<std::string>("path", "CSV file to read").required().input_path()
      .param<std::string>("delimiter", "field separator: one character (\"\\t\" for tab)", std::string(","))
      .param<bool>("header",
                   "the first line names the columns (an empty name becomes col<i>); when false they are "
                   "col0, col1...",
                   true)
      .param<trestle::StringMap>("schema",
                                 "column -> type (bool, int32, int64, float32, float64, utf8, timestamp); "
                                 "declared columns must exist, the others are inferred")
      .param<int64_t>("infer_rows", "rows sampled at open() to infer the undeclared column types", int64_t{1000})
      .min(1)
      .param<trestle::StringList>("null_values",
                                  "values read as null (a quoted value in a utf8 column is never null)",
                                  trestle::StringList{"", "NA", "null"})
      .param<int64_t>("shard_index", kShardIndexDoc, int64_t{0})
      .min(0)
      .param<int64_t>("shard_count", kShardCountDoc, int64_t{1})
      .min(1)
      .output_doc("the file's columns, typed as declared or inferred; every column nullable")
      .serial();
}

CsvSource::CsvSource(const trestle::Options& o)
    : path_(o.get<std::string>("path")),
      delimiter_(parse_delimiter(o.get_or<std::string>("delimiter", ","))),
      header_(o.get_or<bool>("header", true)),
      infer_rows_(o.get_or<int64_t>("infer_rows", 1000)),
      null_values_(o.get_or<trestle::StringList>("null_values", {"", "NA", "null"})),
      declared_(parse_schema_option(o)),
      shard_(RecordShard::from_options(o)),
      reader_(delimiter_) {
  if (path_.empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  if (infer_rows_ < 1) throw trestle::InvalidArgument("option \"infer_rows\" must be at least 1");
  for (const auto& n : null_values_) {
    if (n.size() < 64) null_lengths_ |= uint64_t{1} << n.size();
    else long_null_value_ = true;
  }
}

trestle::Schema CsvSource::open() {
  reader_.open(path_);
  done_ = false;
  pending_rows_ = 0;
  blank_lines_reported_ = 0;
  warnings_.clear();
  shard_.rewind();

  // Without a header the first record is data: remember where it starts.
  if (!header_) reader_.set_mark();
  if (!reader_.next(&rec_)) {
    if (reader_.stopped_at_limit())
      throw trestle::InvalidArgument(location(reader_.line()) +
                                     ": the first record, which gives the columns, is malformed: " +
                                     reader_.too_long_error());
    throw trestle::InvalidArgument("\"" + path_ + "\" is empty");
  }
  if (rec_.error != nullptr)
    throw trestle::InvalidArgument(location(rec_.line) + ": the first record, which gives the columns, is malformed: " +
                                   rec_.error);
  const size_t ncols = rec_.fields.size();
  std::vector<std::string> names(ncols);
  std::set<std::string> seen;
  for (size_t c = 0; c < ncols; ++c) {
    names[c] = header_ && !rec_.fields[c].empty() ? std::string(rec_.fields[c]) : "col" + std::to_string(c);
    // Column names cross the ABI as C strings (Arrow), which a NUL byte would cut short.
    if (names[c].find('\0') != std::string::npos)
      throw trestle::InvalidArgument(location(rec_.line) + ": the header's column " + std::to_string(c + 1) +
                                     " has a NUL byte in its name");
    if (!seen.insert(names[c]).second)
      throw trestle::InvalidArgument("\"" + path_ + "\": the header names column \"" + names[c] + "\" twice");
  }
  for (const auto& [name, type] : declared_) {
    if (!seen.count(name)) {
      std::string all;
      for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
      throw trestle::InvalidArgument("option \"schema\" declares column \"" + name + "\", which \"" + path_ +
                                     "\" does not have (columns: " + all + ")");
    }
  }

  std::vector<TypeGuess> guesses(ncols);
  std::vector<uint8_t> infer(ncols, 0);
  bool any_inferred = false;
  for (size_t c = 0; c < ncols; ++c) {
    infer[c] = declared_.count(names[c]) ? 0 : 1;
    any_inferred = any_inferred || infer[c];
  }
  if (header_) reader_.set_mark();
  if (any_inferred) {
    bool have = !header_;  // rec_ already holds the first data record
    for (int64_t n = 0; n < infer_rows_; ++n) {
      if (!have && (reader_.bytes_since_mark() > kMaxSampleBytes || !reader_.next(&rec_))) break;
      have = false;
      if (rec_.error != nullptr || rec_.fields.size() != ncols) continue;
      for (size_t c = 0; c < ncols; ++c) {
        if (!infer[c]) continue;
        std::string_view v = rec_.fields[c];
        // As the typed columns read nulls: trimmed, quoted or not.
        if (is_null(v, false, trestle::Type::Int64)) continue;
        guesses[c].observe(v, rec_.line);
      }
    }
  }
  reader_.reset_to_mark();

  std::vector<trestle::Field> fields;
  types_.clear();
  builders_.clear();
  inferred_ = std::move(infer);
  for (size_t c = 0; c < ncols; ++c) {
    trestle::Type t;
    if (inferred_[c]) {
      InferredType it = guesses[c].infer();
      t = it.type;
      if (it.misfits > 0)
        warnings_.push_back("column \"" + names[c] + "\" is inferred as " + trestle::type_name(t) + " although " +
                            std::to_string(it.misfits) + " of its " + std::to_string(it.values) +
                            " sampled values are not (the first: " + it.first_misfit + " at " +
                            location(it.first_misfit_line) +
                            "); their rows are dead-lettered. To read them, declare the column's type with the "
                            "\"schema\" option");
    } else {
      t = declared_.at(names[c]);
    }
    fields.push_back(trestle::Field{names[c], t, true});
    types_.push_back(t);
    builders_.emplace_back(t);
  }
  cells_.assign(ncols, Cell{});
  schema_ = trestle::Schema(std::move(fields));
  opened_ = true;
  return schema_;
}

bool CsvSource::is_null(std::string_view v, bool quoted, trestle::Type t) const {
  // A quoted value in a string column is a value ("" is the empty string), so that
  // csv_sink output reads back exactly; in other columns quoting does not matter.
  if (t == trestle::Type::Utf8) {
    if (quoted) return false;
  } else {
    v = trim(v);
  }
  // Most values have a length no null value has: decided without comparing.
  if (v.size() < 64 ? !((null_lengths_ >> v.size()) & 1) : !long_null_value_) return false;
  for (const auto& n : null_values_)
    if (v == n) return true;
  return false;
}

bool CsvSource::convert(const CsvRecord& rec, std::string* reason) {
  const size_t ncols = types_.size();
  for (size_t c = 0; c < ncols; ++c) {
    Cell& cell = cells_[c];
    const std::string_view v = rec.fields[c];
    const trestle::Type t = types_[c];
    cell.null = is_null(v, rec.quoted[c] != 0, t);
    if (cell.null) continue;
    bool ok = true;
    switch (t) {
      case trestle::Type::Bool: ok = parse_bool(trim(v), &cell.b); break;
      case trestle::Type::Int32:
        ok = parse_int64(trim(v), &cell.i) && cell.i >= INT32_MIN && cell.i <= INT32_MAX;
        break;
      case trestle::Type::Int64: ok = parse_int64(trim(v), &cell.i); break;
      case trestle::Type::Float32: ok = parse_float32(trim(v), &cell.f); break;
      case trestle::Type::Float64: ok = parse_float64(trim(v), &cell.d); break;
      case trestle::Type::TimestampUs: ok = trestle_support::parse_timestamp(trim(v), &cell.i); break;
      case trestle::Type::Utf8: cell.s = v; break;
    }
    if (!ok) {
      *reason = misfit_reason(schema_.field(c).name, quote_excerpt(v), t, inferred_[c] != 0);
      return false;
    }
  }
  return true;
}

void CsvSource::append_cells() {
  const size_t ncols = types_.size();
  for (size_t c = 0; c < ncols; ++c) {
    const Cell& cell = cells_[c];
    trestle::ColumnBuilder& b = builders_[c];
    if (cell.null) {
      b.append_null();
      continue;
    }
    switch (types_[c]) {
      case trestle::Type::Bool: b.append_bool(cell.b); break;
      case trestle::Type::Int32: b.append_i32(static_cast<int32_t>(cell.i)); break;
      case trestle::Type::Int64: b.append_i64(cell.i); break;
      case trestle::Type::Float32: b.append_f32(cell.f); break;
      case trestle::Type::Float64: b.append_f64(cell.d); break;
      case trestle::Type::TimestampUs: b.append_ts(cell.i); break;
      case trestle::Type::Utf8: b.append_str(cell.s); break;
    }
  }
}

std::optional<trestle::Batch> CsvSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (!opened_) throw trestle::Internal("csv_source: next() before open()");
  // A drain or an abort ends the read, also one waiting on a pipe or skipping a huge line.
  const std::function<bool()> stop = [&ctx] { return ctx.cancelled(); };
  InterruptScope<CsvReader> interrupt(reader_, &stop);
  const int64_t limit = std::max<int64_t>(1, max_rows);
  const size_t ncols = types_.size();
  // DataSource::open() has no Context: the warnings of open() are logged here, once.
  for (const auto& w : warnings_) ctx.warning(w);
  warnings_.clear();
  if (pending_rows_ == 0)
    for (auto& b : builders_) b.reserve(rows_to_reserve(limit, builders_.size()));
  std::string reason;
  int64_t other_shards = 0;
  while (!done_ && pending_rows_ < limit) {
    if (!reader_.next(&rec_)) {
      done_ = true;
      break;
    }
    // Before anything else: a malformed record is dead-lettered by its own shard alone.
    if (!shard_.keep_next()) {
      ++other_shards;
      continue;
    }
    if (rec_.error != nullptr) {
      ctx.reject_record(std::string(rec_.raw), location(rec_.line), rec_.error);
      continue;
    }
    if (rec_.fields.size() != ncols) {
      ctx.reject_record(std::string(rec_.raw), location(rec_.line),
                        "expected " + std::to_string(ncols) + " fields, found " + std::to_string(rec_.fields.size()));
      continue;
    }
    if (!convert(rec_, &reason)) {
      ctx.reject_record(std::string(rec_.raw), location(rec_.line), reason);
      continue;
    }
    append_cells();
    ++pending_rows_;
  }
  ctx.progress(static_cast<double>(reader_.offset()), static_cast<double>(reader_.file_size()));
  if (reader_.blank_lines() > blank_lines_reported_) {
    ctx.count("blank_lines", static_cast<double>(reader_.blank_lines() - blank_lines_reported_));
    blank_lines_reported_ = reader_.blank_lines();
  }
  if (other_shards > 0) ctx.count("other_shards_records", static_cast<double>(other_shards));
  if (pending_rows_ == 0) return std::nullopt;
  std::vector<trestle::Column> cols;
  cols.reserve(ncols);
  for (auto& b : builders_) cols.push_back(b.finish());
  pending_rows_ = 0;
  return trestle::Batch(schema_, std::move(cols));
}

void CsvSource::close(trestle::Context&) { reader_.close(); }

}  // namespace trestle_io
