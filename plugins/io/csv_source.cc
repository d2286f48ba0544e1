#include "csv_source.h"

#include <sched.h>

#include <algorithm>
#include <set>
#include <thread>

#include "column_concat.h"
#include "schema_option.h"
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

// Parallel parsing: the default chunk, and at most this many threads when automatic.
constexpr int64_t kDefaultChunkBytes = int64_t{1} << 20;
constexpr int64_t kMaxChunkBytesOption = int64_t{16} << 20;
constexpr int kMaxAutoThreads = 4;

// A chunk may grow past its size to reach a cut; beyond this the rest is read serially.
// It stays below the record limit, so that no record of a chunk can reach that limit
// (CsvReader handles records that long, and the serial reader then does).
size_t max_chunk_bytes(size_t chunk_bytes) {
  return std::min(chunk_bytes + std::max(3 * chunk_bytes, size_t{1} << 20), CsvReader::kMaxRecordBytes - 1);
}

int available_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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
      .param<int64_t>("parse_threads",
                      "threads that parse the file. 0: automatic, i.e. as many as the process may use, at most 4, "
                      "on a regular file of at least two chunks (parse_chunk_bytes), else 1. With more than 1, the "
                      "file is cut into chunks after a line end that follows an even number of quote characters "
                      "(outside any quoted field) and the chunks are parsed at once; rows, batches, dead letters "
                      "and line numbers are exactly those of one thread. A pipe, a sharded read (shard_count > 1), "
                      "and the rest of a file from a chunk whose cut a stray quote made wrong are read by one thread. "
                      "The counter parse_chunks counts the chunks parsed in parallel",
                      int64_t{0})
      .range(0, 64)
      .param<int64_t>("parse_chunk_bytes",
                      "bytes per chunk when parse_threads > 1, at most 16 MiB (a chunk runs on to its cut); up to "
                      "parse_threads + 1 chunks are read ahead",
                      kDefaultChunkBytes)
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
      parse_threads_(o.get_or<int64_t>("parse_threads", 0)),
      reader_(delimiter_) {
  if (path_.empty()) throw trestle::InvalidArgument("option \"path\" must not be empty");
  if (infer_rows_ < 1) throw trestle::InvalidArgument("option \"infer_rows\" must be at least 1");
  if (parse_threads_ < 0 || parse_threads_ > 64)
    throw trestle::InvalidArgument("option \"parse_threads\" must be in [0, 64], got " + std::to_string(parse_threads_));
  const int64_t chunk = o.get_or<int64_t>("parse_chunk_bytes", kDefaultChunkBytes);
  if (chunk < 1 || chunk > kMaxChunkBytesOption)
    throw trestle::InvalidArgument("option \"parse_chunk_bytes\" must be in [1, " + std::to_string(kMaxChunkBytesOption) +
                                   "], got " + std::to_string(chunk));
  parse_chunk_bytes_ = static_cast<size_t>(chunk);
}

trestle::Schema CsvSource::open() {
  parallel_.reset();  // before reader_ opens again: it reads reader_'s file
  front_.reset();
  reader_.open(path_);
  started_ = false;
  done_ = false;
  parts_.clear();
  pending_rows_ = 0;
  blank_lines_ = 0;
  blank_lines_reported_ = 0;
  progress_offset_ = 0;
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
        if (null_values_.contains(trim(v))) continue;
        guesses[c].observe(v, rec_.line);
      }
    }
  }
  reader_.reset_to_mark();

  std::vector<trestle::Field> fields;
  for (size_t c = 0; c < ncols; ++c) {
    trestle::Type t;
    if (infer[c]) {
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
  }
  schema_ = trestle::Schema(std::move(fields));
  converter_ = CsvRowConverter(schema_, std::move(infer), null_values_);
  builders_ = converter_.make_builders();
  cells_ = converter_.make_cells();
  opened_ = true;
  return schema_;
}

int CsvSource::parse_threads_for_file() const {
  // One reader where chunks cannot be read at an offset (a pipe) or shards count records
  // from the file's start, and where a chunk and its read-ahead would reach the record
  // limit (a build with a small TRESTLE_IO_MAX_RECORD_BYTES).
  if (!shard_.keeps_all() || reader_.file_size() == 0) return 1;
  const size_t max_chunk = max_chunk_bytes(parse_chunk_bytes_);
  if (max_chunk < parse_chunk_bytes_ + CsvChunkSplitter::lookahead_bytes(parse_chunk_bytes_)) return 1;
  if (parse_threads_ > 0) return static_cast<int>(parse_threads_);
  const uint64_t left = reader_.file_size() > reader_.offset() ? reader_.file_size() - reader_.offset() : 0;
  if (left < 2 * parse_chunk_bytes_) return 1;
  return std::min(kMaxAutoThreads, available_cpus());
}

void CsvSource::start_reading() {
  started_ = true;
  const int threads = parse_threads_for_file();
  if (threads <= 1) return;
  // The chunks start where the sample went back to, the first data record. reader_ keeps
  // only the file open for them (and for going on alone should a cut prove wrong).
  const uint64_t start = reader_.offset();
  front_line_ = reader_.line();
  blank_lines_ += reader_.blank_lines();  // before the header: reported by this first call
  reader_.restart_at(start, front_line_);
  progress_offset_ = start;
  parallel_ = std::make_unique<CsvParallelParser>(reader_.file(), start, parse_chunk_bytes_,
                                                  max_chunk_bytes(parse_chunk_bytes_), delimiter_, converter_, threads);
}

void CsvSource::switch_to_serial(uint64_t offset, int64_t line) {
  parallel_.reset();  // the chunks read ahead of this point are dropped
  front_.reset();
  reader_.restart_at(offset, line);
  progress_offset_ = offset;
}

void CsvSource::emit_before_row(int64_t row, trestle::Context& ctx) {
  CsvChunkRows& c = *front_;
  while (front_reject_ < c.rejects.size() && c.rejects[front_reject_].rows_before <= row) {
    const CsvChunkRows::Reject& r = c.rejects[front_reject_++];
    ctx.reject_record(r.record, location(front_line_ + r.line - 1), r.reason);
  }
  while (front_blanks_ < c.blanks.size() && c.blanks[front_blanks_].rows_before <= row)
    blank_lines_ += c.blanks[front_blanks_++].count;
}

void CsvSource::next_parallel(int64_t limit, trestle::Context& ctx) {
  const std::function<bool()> stop = [&ctx] { return ctx.cancelled(); };
  while (!done_ && pending_rows_ < limit) {
    if (!front_) {
      front_ = parallel_->next_chunk(stop);
      if (!front_) {
        if (std::optional<uint64_t> from = parallel_->serial_from()) return switch_to_serial(*from, front_line_);
        done_ = true;
        parallel_.reset();
        return;
      }
      ctx.count("parse_chunks");
      front_row_ = 0;
      front_reject_ = front_blanks_ = 0;
    }
    CsvChunkRows& c = *front_;
    // One reader would meet these before the chunk's next row: they belong to this call.
    emit_before_row(front_row_, ctx);
    const int64_t take = std::min(limit - pending_rows_, c.rows - front_row_);
    if (take > 0) {
      std::vector<trestle::Column> part;
      part.reserve(c.columns.size());
      for (const auto& col : c.columns) part.push_back(col.slice(front_row_, take));
      parts_.push_back(std::move(part));
      front_row_ += take;
      pending_rows_ += take;
      emit_before_row(front_row_ - 1, ctx);  // met among the rows taken
      // One reader stops right after the batch's last row: what follows it in the chunk
      // is reported by the next call.
      if (pending_rows_ == limit) return;
    }
    emit_before_row(c.rows, ctx);  // the rest, after the chunk's last row
    front_line_ += c.line_ends;
    progress_offset_ = c.offset + c.parsed_bytes;
    const bool ended_at_cut = c.ended_at_cut;
    front_.reset();
    if (!ended_at_cut) return switch_to_serial(progress_offset_, front_line_);
  }
}

void CsvSource::next_serial(int64_t limit, trestle::Context& ctx, int64_t* other_shards) {
  if (builders_.at(0).size() == 0)
    for (auto& b : builders_) b.reserve(rows_to_reserve(limit - pending_rows_, builders_.size()));
  std::string reason;
  while (!done_ && pending_rows_ < limit) {
    if (!reader_.next(&rec_)) {
      done_ = true;
      break;
    }
    // Before anything else: a malformed record is dead-lettered by its own shard alone.
    if (!shard_.keep_next()) {
      ++*other_shards;
      continue;
    }
    if (!converter_.accept(rec_, cells_, &reason)) {
      ctx.reject_record(std::string(rec_.raw), location(rec_.line), reason);
      continue;
    }
    converter_.append(cells_, builders_);
    ++pending_rows_;
  }
  progress_offset_ = reader_.offset();
}

trestle::Batch CsvSource::take_batch() {
  if (builders_.at(0).size() > 0) {
    std::vector<trestle::Column> part;
    part.reserve(builders_.size());
    for (auto& b : builders_) part.push_back(b.finish());
    parts_.push_back(std::move(part));
  }
  const size_t ncols = builders_.size();
  std::vector<trestle::Column> cols;
  cols.reserve(ncols);
  std::vector<trestle::Column> pieces;
  for (size_t c = 0; c < ncols; ++c) {
    pieces.clear();
    for (const auto& p : parts_) pieces.push_back(p[c]);
    cols.push_back(concat_columns(pieces));
  }
  parts_.clear();
  pending_rows_ = 0;
  return trestle::Batch(schema_, std::move(cols));
}

std::optional<trestle::Batch> CsvSource::next(int64_t max_rows, trestle::Context& ctx) {
  if (!opened_) throw trestle::Internal("csv_source: next() before open()");
  // A drain or an abort ends the read, also one waiting on a pipe or skipping a huge line.
  const std::function<bool()> stop = [&ctx] { return ctx.cancelled(); };
  InterruptScope<CsvReader> interrupt(reader_, &stop);
  const int64_t limit = std::max<int64_t>(1, max_rows);
  // DataSource::open() has no Context: the warnings of open() are logged here, once.
  for (const auto& w : warnings_) ctx.warning(w);
  warnings_.clear();
  if (!started_) start_reading();
  int64_t other_shards = 0;
  if (parallel_) next_parallel(limit, ctx);
  if (!parallel_ && !done_ && pending_rows_ < limit) next_serial(limit, ctx, &other_shards);
  ctx.progress(static_cast<double>(progress_offset_), static_cast<double>(reader_.file_size()));
  const int64_t blank_lines = blank_lines_ + reader_.blank_lines();
  if (blank_lines > blank_lines_reported_) {
    ctx.count("blank_lines", static_cast<double>(blank_lines - blank_lines_reported_));
    blank_lines_reported_ = blank_lines;
  }
  if (other_shards > 0) ctx.count("other_shards_records", static_cast<double>(other_shards));
  if (pending_rows_ == 0) return std::nullopt;
  return take_batch();
}

void CsvSource::close(trestle::Context&) {
  parallel_.reset();
  front_.reset();
  reader_.close();
}

}  // namespace trestle_io
