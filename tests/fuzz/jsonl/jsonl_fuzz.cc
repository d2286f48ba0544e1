// libFuzzer target: the jsonl_source operator (LineReader, FileReader, the SAX sample
// and row handlers, type inference) over arbitrary bytes, run through the SDK's test
// harness the way the runtime runs it.
//
// Input: byte 0 picks the options, byte 1 the declared column types, the rest is the
// file, held in a memfd (no disk). Checks beyond the sanitizers:
//  - open() fails only with INVALID_ARGUMENT, and next() never fails;
//  - rejected lines increase and lie within the file;
//  - reading again with the schema declared as the first read inferred it (so no
//    sample at open) and one row per batch gives the same rows, rejected lines and
//    counters: the sample and the reset to its mark lose, repeat or shift nothing, and
//    batching changes nothing;
//  - every line is a row, a rejected line or a blank line, as a plain split of the
//    whole buffer at LF finds them, and exactly the lines over the limit are rejected
//    for their length (so read chunk boundaries change nothing).
// CMakeLists.txt builds it with small reader limits, so that small inputs cross read
// chunks and reach the line and sample limits.
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

#include "jsonl_source.h"
#include "../reader_fuzz.h"
#include "line_reader.h"
#include "schema_option.h"

namespace {

using namespace reader_fuzz;

// The lines of the whole buffer: LF ends one, a CR before it is not part of it, and a
// line of kMaxLineBytes or more (the last one: more) is over the limit.
struct RefLines {
  int64_t non_blank = 0;
  int64_t blank = 0;
  std::vector<std::string> too_long;  // their locations
};

RefLines reference_lines(std::string_view s, const std::string& path) {
  constexpr size_t kMax = trestle_io::LineReader::kMaxLineBytes;
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  RefLines out;
  int64_t number = 1;
  for (size_t p = 0; p < s.size(); ++number) {
    const size_t lf = s.find('\n', p);
    const size_t len = (lf == std::string_view::npos ? s.size() : lf) - p;
    const bool too_long = lf == std::string_view::npos ? len > kMax : len >= kMax;
    std::string_view text = s.substr(p, len);
    if (too_long) {
      out.too_long.push_back(path + ":" + std::to_string(number));
      ++out.non_blank;
    } else if (text.find_first_not_of(" \t\r") == std::string_view::npos) {
      ++out.blank;
    } else {
      ++out.non_blank;
    }
    p = lf == std::string_view::npos ? s.size() : lf + 1;
  }
  return out;
}

void check_lines(const Outcome& o, const RefLines& want) {
  if (o.rows + static_cast<int64_t>(o.rejected.size()) != want.non_blank)
    fail(std::to_string(o.rows) + " rows and " + std::to_string(o.rejected.size()) + " rejected lines, but " +
         std::to_string(want.non_blank) + " lines that are not blank");
  auto blank = o.counters.find("blank_lines");
  if ((blank == o.counters.end() ? 0.0 : blank->second) != static_cast<double>(want.blank))
    fail("blank lines differ from the reference");
  const std::string too_long =
      "line exceeds the " + trestle_io::byte_size_text(trestle_io::LineReader::kMaxLineBytes) + " limit";
  std::vector<std::string> got;
  for (const auto& r : o.rejected)
    if (r.reason == too_long) got.push_back(r.location);
  if (got != want.too_long) fail("the lines rejected as too long differ from the reference");
}

// Lines of the file as LineReader counts them: LF ends one.
int64_t count_lines(const uint8_t* p, size_t n) {
  int64_t lines = 1;
  for (size_t i = 0; i < n; ++i)
    if (p[i] == '\n') ++lines;
  return lines;
}

// The fields by name: a declared schema is in name order, an inferred one is not.
std::map<std::string, Type> by_name(const trestle::Schema& s) {
  std::map<std::string, Type> m;
  for (const auto& f : s.fields()) m[f.name] = f.type;
  return m;
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
  if (by_name(a.schema) != by_name(b.schema))
    fail("schemas differ: " + a.schema.names_list() + " / " + b.schema.names_list());
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

  static const int64_t kInferRows[] = {1000, 1, 2, 150};
  static const Type kTypes[] = {Type::Bool, Type::Int32, Type::Int64, Type::Float32,
                                Type::Float64, Type::Utf8, Type::TimestampUs};
  Options first = Options().set("path", file.path()).set("infer_rows", kInferRows[(opt >> 1) & 3]);
  if (opt & 1) {  // declare columns a and b (and c, utf8)
    trestle::StringMap schema{{"c", {"utf8"}}};
    schema["a"] = {trestle::type_name(kTypes[types % 7])};
    schema["b"] = {trestle::type_name(kTypes[(types / 7) % 7])};
    first.set("schema", schema);
  }
  const Outcome a = run<trestle_io::JsonlSource>(first, (opt & 8) ? 3 : 1024);
  if (!a.opened) return 0;
  const int64_t lines = count_lines(data + 2, size - 2);
  check_locations(a, file.path(), lines);

  // Again, with the schema declared: nothing is sampled.
  trestle::StringMap all;
  for (const auto& f : a.schema.fields()) all[f.name] = {trestle::type_name(f.type)};
  Options second = Options().set("path", file.path()).set("schema", all);
  const Outcome b = run<trestle_io::JsonlSource>(second, 1);
  if (!b.opened) fail("the second open() failed");
  check_same(a, b);
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const RefLines want = reference_lines(text, file.path());
  check_lines(a, want);
  check_lines(b, want);
  return 0;
}
