// libFuzzer target: the csv_source operator (CsvReader, FileReader, type inference,
// typed parsing) over arbitrary bytes, run through the SDK's test harness the way the
// runtime runs it.
//
// Input: byte 0 picks the options, byte 1 the declared column types, the rest is the
// file, held in a memfd (no disk). Checks beyond the sanitizers:
//  - open() fails only with INVALID_ARGUMENT, and next() never fails;
//  - rejected records' lines increase and lie within the file;
//  - reading again with every column's type declared as the first read inferred it
//    (so no sample at open) and one row per batch gives the same rows, rejected records
//    and counters: the sample and the reset to its mark lose, repeat or shift nothing,
//    and batching changes nothing;
//  - parsing in chunks on three threads (parse_threads, chunks of 1 to 128 bytes) gives
//    the same rows, rejected records and counters as the first read;
//  - for a file shorter than the record limit, reading every column as utf8 gives
//    exactly the records, fields, lines and errors of a plain whole-buffer reference
//    tokenizer below (so read chunk boundaries change nothing).
// CMakeLists.txt builds it with small reader limits, so that small inputs cross read
// chunks and reach the record and sample limits.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>
#include <trestle/testing.hpp>

#include "csv_source.h"
#include "../reader_fuzz.h"
#include "schema_option.h"

namespace {

using namespace reader_fuzz;

// ---- The reference: the documented CSV rules over the whole buffer at once, for inputs
// that no size limit applies to.

struct RefRecord {
  std::vector<std::string> fields;
  std::vector<bool> quoted;
  std::string raw;
  int64_t line = 0;
  std::string error;
};

std::vector<RefRecord> reference_records(std::string_view s, char d, int64_t* blank_lines) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  const auto end_len = [&](size_t i) -> size_t { return s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n' ? 2 : 1; };
  const auto is_end = [&](size_t i) { return s[i] == '\n' || s[i] == '\r'; };
  std::vector<RefRecord> out;
  size_t p = 0;
  int64_t line = 1;
  *blank_lines = 0;
  while (p < s.size()) {
    RefRecord r;
    r.line = line;
    size_t i = p;
    int64_t lines = 0;
    bool unterminated = false;
    for (;;) {
      std::string f;
      bool quoted = false;
      if (i < s.size() && s[i] == '"') {
        quoted = true;
        ++i;
        for (;;) {
          if (i >= s.size()) {
            unterminated = true;
            break;
          }
          if (s[i] == '"') {
            if (i + 1 < s.size() && s[i + 1] == '"') {
              f += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (s[i] == '\n' || (s[i] == '\r' && !(i + 1 < s.size() && s[i + 1] == '\n'))) ++lines;
          f += s[i++];
        }
        if (unterminated) break;
        if (i < s.size() && s[i] != d && !is_end(i)) {
          r.error = "a quoted field continues after its closing quote";
          while (i < s.size() && s[i] != d && !is_end(i)) ++i;
        }
      } else {
        while (i < s.size() && s[i] != d && !is_end(i)) f += s[i++];
      }
      if (r.fields.size() < trestle_io::CsvReader::kMaxFields) {
        r.fields.push_back(f);
        r.quoted.push_back(quoted);
      } else {
        r.error = "record has more than " + std::to_string(trestle_io::CsvReader::kMaxFields) + " fields";
      }
      if (i < s.size() && s[i] == d) {
        ++i;
        continue;
      }
      r.raw = std::string(s.substr(p, i - p));
      if (i < s.size()) {
        i += end_len(i);
        ++lines;
      }
      p = i;
      break;
    }
    if (unterminated) {  // the record's first physical line is rejected
      size_t e = p;
      while (e < s.size() && !is_end(e)) ++e;
      r.raw = std::string(s.substr(p, e - p));
      r.fields.clear();
      r.error = "unterminated quoted field";
      p = e < s.size() ? e + end_len(e) : e;
      ++line;
      out.push_back(std::move(r));
      continue;
    }
    line += lines;
    if (r.raw.empty() && r.fields.size() == 1 && !r.quoted[0]) {
      ++*blank_lines;
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

// What csv_source must do with every column read as utf8 and no null values: the
// column names, or the open error; then the rows (as dumped) and rejected records.
struct RefOutcome {
  bool opens = false;
  std::vector<std::string> names;
  std::map<std::string, std::string> columns;
  int64_t rows = 0;
  std::vector<trestle::testing::Recorded::Record> rejected;
  int64_t blank_lines = 0;
};

RefOutcome reference(std::string_view s, char d, bool header, const std::string& path) {
  RefOutcome out;
  std::vector<RefRecord> recs = reference_records(s, d, &out.blank_lines);
  if (recs.empty() || !recs[0].error.empty()) return out;
  const size_t ncols = recs[0].fields.size();
  std::map<std::string, int> seen;
  for (size_t c = 0; c < ncols; ++c) {
    const std::string& f = recs[0].fields[c];
    std::string name = header && !f.empty() ? f : "col" + std::to_string(c);
    if (name.find('\0') != std::string::npos || !seen.emplace(name, 0).second) return out;
    out.names.push_back(name);
  }
  out.opens = true;
  for (size_t k = header ? 1 : 0; k < recs.size(); ++k) {
    const RefRecord& r = recs[k];
    const std::string location = path + ":" + std::to_string(r.line);
    if (!r.error.empty()) {
      out.rejected.push_back({r.raw, location, r.error});
    } else if (r.fields.size() != ncols) {
      const std::string why =
          "expected " + std::to_string(ncols) + " fields, found " + std::to_string(r.fields.size());
      out.rejected.push_back({r.raw, location, why});
    } else {
      ++out.rows;
      for (size_t c = 0; c < ncols; ++c) {
        std::string& col = out.columns[out.names[c]];
        col += std::to_string(r.fields[c].size()) + ":" + r.fields[c] + ",";
      }
    }
  }
  return out;
}

void check_reference(const Outcome& got, const RefOutcome& want) {
  if (got.schema.names() != want.names) fail("columns differ from the reference: " + got.schema.names_list());
  if (got.rows != want.rows)
    fail("rows differ from the reference: " + std::to_string(got.rows) + " / " + std::to_string(want.rows));
  const auto values = [](const std::map<std::string, std::string>& columns, const std::string& name) {
    auto it = columns.find(name);
    return it == columns.end() ? std::string() : it->second;  // no rows: no entry
  };
  for (const auto& name : want.names) {
    if (values(got.columns, name) != values(want.columns, name))
      fail("the values of column \"" + name + "\" differ from the reference");
  }
  if (got.rejected.size() != want.rejected.size())
    fail("rejected records differ from the reference: " + std::to_string(got.rejected.size()) + " / " +
         std::to_string(want.rejected.size()));
  for (size_t i = 0; i < want.rejected.size(); ++i) {
    const auto &x = got.rejected[i], &y = want.rejected[i];
    // The record crosses the ABI with its length (reject_record_bytes): NUL bytes too.
    if (x.record != y.record || x.location != y.location || x.reason != y.reason)
      fail("rejected record " + std::to_string(i) + " differs from the reference: " + x.location + " " + x.reason +
           " / " + y.location + " " + y.reason);
  }
  auto blank = got.counters.find("blank_lines");
  if ((blank == got.counters.end() ? 0.0 : blank->second) != static_cast<double>(want.blank_lines))
    fail("blank lines differ from the reference");
}

// Physical lines of the file as CsvReader counts them: LF, CRLF and lone CR end one.
int64_t count_lines(const uint8_t* p, size_t n) {
  int64_t lines = 1;
  for (size_t i = 0; i < n; ++i)
    if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))) ++lines;
  return lines;
}

void check_locations(const Outcome& o, const std::string& path, int64_t lines) {
  int64_t last = 0;
  for (const auto& r : o.rejected) {
    if (r.location.compare(0, path.size() + 1, path + ":") != 0) fail("location " + r.location);
    const int64_t line = std::strtoll(r.location.c_str() + path.size() + 1, nullptr, 10);
    if (line <= last || line > lines)
      fail("rejected record at line " + std::to_string(line) + " after line " + std::to_string(last) + " of " +
           std::to_string(lines));
    last = line;
  }
}

void check_same(const Outcome& a, const Outcome& b) {
  if (a.schema != b.schema) fail("schemas differ: " + a.schema.names_list() + " / " + b.schema.names_list());
  if (a.rows != b.rows) fail("rows differ: " + std::to_string(a.rows) + " / " + std::to_string(b.rows));
  if (a.columns != b.columns) fail("values differ");
  if (a.rejected.size() != b.rejected.size())
    fail("rejected records differ: " + std::to_string(a.rejected.size()) + " / " + std::to_string(b.rejected.size()));
  for (size_t i = 0; i < a.rejected.size(); ++i) {
    const auto &x = a.rejected[i], &y = b.rejected[i];
    if (x.record != y.record || x.location != y.location || without_hint(x.reason) != without_hint(y.reason))
      fail("rejected record " + std::to_string(i) + " differs: " + x.location + " " + x.reason + " / " + y.location +
           " " + y.reason);
  }
  if (a.counters != b.counters) fail("counters differ");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t opt = data[0], types = data[1];
  MemFile file(data + 2, size - 2);

  static const char* const kDelimiters[] = {",", ";", "\\t", "|"};
  static const int64_t kInferRows[] = {1000, 1, 3, 120};
  static const Type kTypes[] = {Type::Bool, Type::Int32, Type::Int64, Type::Float32,
                                Type::Float64, Type::Utf8, Type::TimestampUs};
  const bool header = (opt & 4) == 0;
  Options base = Options()
                     .set("path", file.path())
                     .set("delimiter", std::string(kDelimiters[opt & 3]))
                     .set("header", header);
  if (opt & 128) base.set("null_values", trestle::StringList{"", "-", "N/A"});
  Options first = base;
  first.set("infer_rows", kInferRows[(opt >> 4) & 3]);
  if (opt & 8) {  // declare up to two columns, named as a header of "a,b" or none names them
    trestle::StringMap schema;
    const char* names[2] = {header ? "a" : "col0", header ? "b" : "col1"};
    for (int k = 0; k < 2; ++k) {
      const unsigned t = (k == 0 ? types : types >> 3) & 7u;
      if (t < 7) schema[names[k]] = {trestle::type_name(kTypes[t])};
    }
    if (!schema.empty()) first.set("schema", schema);
  }
  static const char kDelimiterChars[] = {',', ';', '\t', '|'};
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const bool small = size - 2 < trestle_io::CsvReader::kMaxRecordBytes;  // no limit applies

  const Outcome a = run<trestle_io::CsvSource>(first, (opt & 64) ? 3 : 1024);
  if (!a.opened) {
    if (small && !(opt & 8) && reference(text, kDelimiterChars[opt & 3], header, file.path()).opens)
      fail("csv_source refused a file the reference reads");
    return 0;
  }
  const int64_t lines = count_lines(data + 2, size - 2);
  check_locations(a, file.path(), lines);

  // Again, with every type declared: nothing is sampled.
  trestle::StringMap all;
  for (const auto& f : a.schema.fields()) all[f.name] = {trestle::type_name(f.type)};
  Options second = base;
  second.set("schema", all);
  const Outcome b = run<trestle_io::CsvSource>(second, 1);
  if (!b.opened) fail("the second open() failed");
  check_same(a, b);

  // The same in chunks parsed on three threads (the chunk size from the types byte).
  Options parallel = first;
  parallel.set("parse_threads", int64_t{3}).set("parse_chunk_bytes", int64_t{1 + types % 128});
  Outcome p = run<trestle_io::CsvSource>(parallel, (opt & 64) ? 3 : 1024);
  if (!p.opened) fail("the parallel open() failed");
  p.counters.erase("parse_chunks");
  check_same(a, p);

  // Every column as text, nothing null: the fields exactly as the reference reads them.
  if (small) {
    const RefOutcome want = reference(text, kDelimiterChars[opt & 3], header, file.path());
    if (!want.opens) fail("the reference does not open what csv_source opened");
    trestle::StringMap utf8;
    for (const auto& f : a.schema.fields()) utf8[f.name] = {"utf8"};
    Options third = base;
    third.set("schema", utf8).set("null_values", trestle::StringList{});
    const Outcome c = run<trestle_io::CsvSource>(third, (opt & 64) ? 1024 : 2);
    if (!c.opened) fail("the utf8 open() failed");
    check_reference(c, want);
  }
  return 0;
}
