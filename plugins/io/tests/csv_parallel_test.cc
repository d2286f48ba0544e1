// csv_source with parse_threads > 1 against the same source with one thread: for
// generated files of every shape, every next() call must return the same batch and
// report the same dead letters and counters, and open() and next() the same errors.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "csv_source.h"
#include "test_util.h"

namespace trestle_io {
namespace {

using test::TempDir;
using trestle::Options;
using trestle::testing::Harness;

// Every value of a batch as text that tells all values apart (floats by their bits).
std::string dump(const trestle::Batch& b) {
  std::string out = std::to_string(b.num_rows()) + " rows\n";
  for (int64_t r = 0; r < b.num_rows(); ++r) {
    for (const auto& c : b.columns()) {
      if (c.is_null(r)) {
        out += "~|";
        continue;
      }
      switch (c.type()) {
        case trestle::Type::Bool: out += c.bool_at(r) ? "t" : "f"; break;
        case trestle::Type::Int32: out += std::to_string(c.i32(r)); break;
        case trestle::Type::Int64:
        case trestle::Type::TimestampUs: out += std::to_string(c.i64(r)); break;
        case trestle::Type::Float32: {
          uint32_t u;
          const float f = c.f32(r);
          std::memcpy(&u, &f, sizeof u);
          out += "f" + std::to_string(u);
          break;
        }
        case trestle::Type::Float64: {
          uint64_t u;
          const double d = c.f64(r);
          std::memcpy(&u, &d, sizeof u);
          out += "d" + std::to_string(u);
          break;
        }
        case trestle::Type::Utf8: out += std::to_string(c.str(r).size()) + ":" + std::string(c.str(r)); break;
      }
      out += "|";
    }
    out += "\n";
  }
  return out;
}

// What one open() or next() call did.
struct Call {
  std::string batch;  // dumped, "end", or empty after an error
  std::vector<std::string> rejects;
  std::map<std::string, double> counters;  // all so far, without parse_chunks
  std::string error;
  bool operator==(const Call& o) const {
    return batch == o.batch && rejects == o.rejects && counters == o.counters && error == o.error;
  }
};

struct Reading {
  std::vector<Call> calls;
  double chunks = 0;  // the parse_chunks counter at the end
};

// Reads the whole file, the calls asking for max_rows[0], max_rows[1], ... in turn.
Reading read_calls(const Options& options, const std::vector<int64_t>& max_rows) {
  Reading out;
  Harness<CsvSource> h(options);
  Call opened;
  try {
    opened.batch = h.open().names_list();
  } catch (const trestle::Error& e) {
    opened.error = e.what();
    out.calls.push_back(opened);
    return out;
  }
  out.calls.push_back(opened);
  size_t seen = 0;
  for (size_t k = 0;; ++k) {
    Call c;
    std::optional<trestle::Batch> b;
    try {
      b = h.next(max_rows[k % max_rows.size()]);
      c.batch = b ? dump(*b) : "end";
    } catch (const trestle::Error& e) {
      c.error = e.what();
    }
    const auto& rejected = h.recorded().rejected_records;
    for (; seen < rejected.size(); ++seen)
      c.rejects.push_back(rejected[seen].location + " " + rejected[seen].reason + " [" + rejected[seen].record + "]");
    c.counters = h.recorded().counters;
    if (auto it = c.counters.find("parse_chunks"); it != c.counters.end()) {
      out.chunks = it->second;
      c.counters.erase(it);
    }
    out.calls.push_back(c);
    if (!b) break;
    if (k > 1000000) ADD_FAILURE() << "no end";
  }
  return out;
}

// The first line where two texts differ, and the one after it.
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  const size_t from = a.rfind('\n', i == 0 ? 0 : i - 1);
  const size_t start = from == std::string::npos ? 0 : from + 1;
  return "\n  serial:   " + a.substr(start, 200) + "\n  parallel: " + b.substr(start, 200);
}

void expect_same(const Reading& serial, const Reading& parallel, const std::string& what) {
  for (size_t k = 0; k < std::min(serial.calls.size(), parallel.calls.size()); ++k) {
    const Call &a = serial.calls[k], &b = parallel.calls[k];
    EXPECT_EQ(a.error, b.error) << what << ", call " << k;
    if (a.batch != b.batch) ADD_FAILURE() << what << ", call " << k << ": batches differ" << first_difference(a.batch, b.batch);
    for (size_t r = 0; r < std::max(a.rejects.size(), b.rejects.size()); ++r) {
      const std::string x = r < a.rejects.size() ? a.rejects[r] : "(none)";
      const std::string y = r < b.rejects.size() ? b.rejects[r] : "(none)";
      if (x != y) {
        ADD_FAILURE() << what << ", call " << k << ", dead letter " << r << "\n  serial:   " << x << "\n  parallel: " << y;
        break;
      }
    }
    EXPECT_EQ(a.counters, b.counters) << what << ", call " << k;
    if (!(a == b)) return;  // one difference is enough to read
  }
  EXPECT_EQ(serial.calls.size(), parallel.calls.size()) << what;
}

struct Shape {
  bool crlf = false;            // CRLF line ends (else LF; some lone CRs when lone_cr)
  bool lone_cr = false;         // some records end with a lone CR
  bool quoted_breaks = true;    // quoted fields with line breaks, delimiters, doubled quotes
  bool bad_rows = true;         // wrong field counts, values that do not parse, text after a closing quote
  bool stray_quotes = false;    // quotes inside unquoted fields: the quote count misleads
  bool blank_lines = true;
  bool final_newline = true;
  bool unterminated_end = false;  // the last record opens a quote that never closes
};

// A header "id,x,ok,t,s" and `rows` records of an int, a float, a bool, a timestamp and
// a text, as the shape says.
std::string generate(uint64_t seed, int rows, const Shape& shape) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  auto line_end = [&]() -> std::string {
    if (shape.lone_cr && pick(4) == 0) return "\r";
    return shape.crlf ? "\r\n" : "\n";
  };
  std::string out = "id,x,ok,t,s" + line_end();
  for (int i = 0; i < rows; ++i) {
    if (shape.blank_lines && pick(20) == 0) out += line_end();
    std::string id = std::to_string(i), x = std::to_string(static_cast<double>(pick(100000)) / 7.0);
    std::string ok = pick(2) ? "true" : "false";
    std::string t = "2024-0" + std::to_string(1 + pick(9)) + "-1" + std::to_string(pick(10)) + "T12:34:56";
    std::string s = "text" + std::to_string(pick(1000));
    if (pick(10) == 0) x = "";  // null
    if (pick(15) == 0) s = "NA";
    if (shape.quoted_breaks) {
      switch (pick(8)) {
        case 0: s = "\"line one\nline two\""; break;
        case 1: s = "\"a, b and \"\"c\"\"\""; break;
        case 2: s = "\"crlf\r\ninside\r\n\""; break;
        case 3: s = "\"\n\n\""; break;
        case 4: s = "\"\""; break;
        default: break;
      }
    }
    if (shape.stray_quotes && pick(12) == 0) s = "ab\"c";
    if (shape.bad_rows) {
      switch (pick(25)) {
        case 0: id = "not a number"; break;
        case 1: ok = "maybe"; break;
        case 2: s += ",extra"; break;
        case 3: t = "yesterday"; break;
        case 4: s = "\"closed\"after"; break;
        default: break;
      }
    }
    if (shape.bad_rows && pick(40) == 0) {
      out += "1,2" + line_end();  // too few fields
      continue;
    }
    out += id + "," + x + "," + ok + "," + t + "," + s;
    if (i + 1 < rows || shape.final_newline) out += line_end();
  }
  if (shape.unterminated_end) out += "99,1.5,true,2024-01-01,\"never closed\nstill open, \"\"quoted\"\" and on\n";
  return out;
}

Options base(const std::string& path, bool declared) {
  Options o = Options().set("path", path);
  if (declared)
    o.set("schema", trestle::StringMap{{"id", {"int64"}}, {"x", {"float32"}}, {"ok", {"bool"}}, {"t", {"timestamp"}},
                                       {"s", {"utf8"}}});
  return o;
}

// Reads `path` with one thread and with several (chunk sizes from tiny to larger than
// the file), in batches of several sizes; returns the most chunks any read used.
double check_file(const std::string& path, bool declared, const std::string& what) {
  double most_chunks = 0;
  for (const std::vector<int64_t>& rows : {std::vector<int64_t>{1024}, std::vector<int64_t>{1}, std::vector<int64_t>{7, 3, 50}}) {
    Options serial = base(path, declared);
    serial.set("parse_threads", int64_t{1});
    const Reading want = read_calls(serial, rows);
    EXPECT_EQ(want.chunks, 0) << what;
    for (int64_t threads : {2, 3, 4}) {
      for (int64_t chunk : {1, 16, 100, 1000, 1 << 20}) {
        Options parallel = base(path, declared);
        parallel.set("parse_threads", threads).set("parse_chunk_bytes", chunk);
        const Reading got = read_calls(parallel, rows);
        expect_same(want, got,
                    what + ", " + std::to_string(threads) + " threads, chunks of " + std::to_string(chunk) +
                        " bytes, max_rows " + std::to_string(rows[0]));
        most_chunks = std::max(most_chunks, got.chunks);
        if (::testing::Test::HasFailure()) return most_chunks;
      }
    }
  }
  return most_chunks;
}

TEST(CsvParallel, WellFormedFilesSpanningManyChunks) {
  TempDir d;
  for (bool crlf : {false, true}) {
    Shape shape;
    shape.crlf = crlf;
    const std::string p = d.write("a.csv", generate(crlf ? 2 : 1, 3000, shape));
    for (bool declared : {true, false}) {
      const double chunks = check_file(p, declared, std::string(crlf ? "crlf" : "lf") + (declared ? ", declared" : ""));
      EXPECT_GT(chunks, 50) << "the file must really be read in many chunks";
    }
  }
}

TEST(CsvParallel, NoFinalNewlineAndUnterminatedQuoteAtTheEnd) {
  TempDir d;
  Shape shape;
  shape.final_newline = false;
  check_file(d.write("a.csv", generate(3, 800, shape)), true, "no final newline");
  shape.final_newline = true;
  shape.unterminated_end = true;
  check_file(d.write("b.csv", generate(4, 800, shape)), true, "unterminated quote at the end");
}

TEST(CsvParallel, StrayQuotesFallBackToOneReaderWithTheSameOutput) {
  // A quote inside an unquoted field is a character to the reader but flips the
  // splitter's count: the first cut it makes wrong is found and the rest is read serially.
  TempDir d;
  Shape shape;
  shape.stray_quotes = true;
  check_file(d.write("a.csv", generate(5, 1500, shape)), true, "stray quotes");
  check_file(d.write("b.csv", "id,x,ok,t,s\n1,2,true,2024-01-01,a\"b\n2,3,false,2024-01-02,\"x\ny\"\n3,4,true,2024-01-03,c\n"),
             true, "one stray quote");
}

TEST(CsvParallel, LoneCarriageReturns) {
  TempDir d;
  Shape shape;
  shape.lone_cr = true;
  check_file(d.write("a.csv", generate(6, 1500, shape)), true, "some lone CRs");
  // No LF at all: no chunk can be cut, one reader reads it all.
  std::string only_cr = "a,b\r";
  for (int i = 0; i < 3000; ++i) only_cr += std::to_string(i) + "," + std::to_string(i * 2) + "\r";
  check_file(d.write("b.csv", only_cr), false, "only lone CRs");
}

TEST(CsvParallel, NoCutWithinTheLongestChunkGoesOnWithOneReader) {
  // LF-ended lines, then more than a chunk may grow to (1 MiB past its size) without
  // an LF: the chunks before are parsed in parallel, the rest by one reader.
  TempDir d;
  std::string text = "a,b\n";
  for (int i = 0; i < 2000; ++i) text += std::to_string(i) + ",x\n";
  for (int i = 2000; i < 150000; ++i) text += std::to_string(i) + ",y\r";
  for (int i = 150000; i < 152000; ++i) text += std::to_string(i) + ",z\n";
  const std::string p = d.write("a.csv", text);
  const Reading want = read_calls(Options().set("path", p).set("parse_threads", int64_t{1}), {5000});
  const Reading got = read_calls(
      Options().set("path", p).set("parse_threads", int64_t{2}).set("parse_chunk_bytes", int64_t{1000}), {5000});
  expect_same(want, got, "no cut");
  EXPECT_GT(got.chunks, 5);
  EXPECT_LT(got.chunks, 30);
}

TEST(CsvParallel, HeaderOnlyEmptyBlankAndBom) {
  TempDir d;
  check_file(d.write("a.csv", "id,x,ok,t,s\n"), true, "header only");
  check_file(d.write("b.csv", "id,x,ok,t,s"), true, "header only, no newline");
  check_file(d.write("c.csv", "\n\nid,x,ok,t,s\n\n\n1,2,true,2024-01-01,a\n\n"), true, "blank lines around");
  check_file(d.write("d.csv", "\xEF\xBB\xBFid,x,ok,t,s\r\n1,2,true,2024-01-01,a\r\n"), true, "BOM");
  check_file(d.write("e.csv", ""), true, "empty");
  Shape shape;
  shape.bad_rows = false;
  shape.quoted_breaks = false;
  check_file(d.write("f.csv", generate(7, 2000, shape)), false, "plain");
}

TEST(CsvParallel, WithoutAHeaderAndWithAnotherDelimiter) {
  TempDir d;
  Shape shape;
  std::string text = generate(8, 1000, shape);
  text = text.substr(text.find('\n') + 1);  // no header
  const std::string p = d.write("a.csv", text);
  Options serial = Options().set("path", p).set("header", false).set("parse_threads", int64_t{1});
  Options parallel = Options().set("path", p).set("header", false).set("parse_threads", int64_t{3})
                         .set("parse_chunk_bytes", int64_t{64});
  expect_same(read_calls(serial, {100}), read_calls(parallel, {100}), "no header");

  std::string tsv = "a\tb\n";
  for (int i = 0; i < 2000; ++i) tsv += std::to_string(i) + "\t\"x\ty\"\n";
  const std::string q = d.write("b.tsv", tsv);
  serial = Options().set("path", q).set("delimiter", std::string("\\t")).set("parse_threads", int64_t{1});
  parallel = Options().set("path", q).set("delimiter", std::string("\\t")).set("parse_threads", int64_t{2})
                 .set("parse_chunk_bytes", int64_t{256});
  const Reading got = read_calls(parallel, {333});
  expect_same(read_calls(serial, {333}), got, "tab");
  EXPECT_GT(got.chunks, 10);
}

TEST(CsvParallel, AutomaticIsOneThreadOnSmallFilesAndSharded) {
  TempDir d;
  Shape shape;
  const std::string p = d.write("a.csv", generate(9, 2000, shape));
  // The file is far smaller than two default chunks: automatic reads it with one thread.
  EXPECT_EQ(read_calls(Options().set("path", p), {1024}).chunks, 0);
  // ... but with small chunks it is big enough.
  EXPECT_GT(read_calls(Options().set("path", p).set("parse_chunk_bytes", int64_t{1000}), {1024}).chunks, 10);
  // A sharded read counts records from the start: one thread, whatever was asked.
  Options sharded = Options().set("path", p).set("parse_threads", int64_t{3}).set("parse_chunk_bytes", int64_t{100});
  sharded.set("shard_index", int64_t{1}).set("shard_count", int64_t{2});
  Options sharded_serial = sharded;
  sharded_serial.set("parse_threads", int64_t{1});
  const Reading got = read_calls(sharded, {100});
  EXPECT_EQ(got.chunks, 0);
  expect_same(read_calls(sharded_serial, {100}), got, "sharded");
}

TEST(CsvParallel, ParseThreadsIsChecked) {
  EXPECT_THROW(Harness<CsvSource>(Options().set("path", std::string("x")).set("parse_threads", int64_t{-1})),
               trestle::Error);
  EXPECT_THROW(Harness<CsvSource>(Options().set("path", std::string("x")).set("parse_chunk_bytes", int64_t{0})),
               trestle::Error);
}

TEST(CsvParallel, ReadingAgainAfterOpenStartsOver) {
  TempDir d;
  Shape shape;
  const std::string p = d.write("a.csv", generate(10, 1500, shape));
  Harness<CsvSource> h(base(p, true).set("parse_threads", int64_t{3}).set("parse_chunk_bytes", int64_t{200}));
  h.open();
  auto first = h.next(100);
  ASSERT_TRUE(first.has_value());
  h.next(100);
  h.open();  // while chunks are read ahead
  auto again = h.next(100);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(dump(*first), dump(*again));
}

TEST(CsvParallel, CancelEndsTheReadWithoutLosingOrder) {
  TempDir d;
  Shape shape;
  shape.bad_rows = false;
  const std::string p = d.write("a.csv", generate(11, 5000, shape));
  Harness<CsvSource> h(base(p, true).set("parse_threads", int64_t{2}).set("parse_chunk_bytes", int64_t{512}));
  h.open();
  std::vector<trestle::Batch> got;
  got.push_back(*h.next(100));
  h.recorded().cancel = true;
  for (auto b = h.next(100); b; b = h.next(100)) got.push_back(*b);
  // Ends early, with the first rows of the file in order.
  const auto ids = test::i64s(got, "id");
  ASSERT_LT(ids.size(), 5000u);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], static_cast<int64_t>(i));
}

}  // namespace
}  // namespace trestle_io
