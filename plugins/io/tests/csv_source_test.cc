#include "csv_source.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "test_util.h"

namespace trestle_io {
namespace {

using test::TempDir;
using trestle::Options;
using trestle::Type;
using trestle::testing::Harness;
using Source = Harness<CsvSource>;

Options opts(const std::string& path) { return Options().set("path", path); }

TEST(CsvSource, QuotingBomCrlfAndMissingFinalNewline) {
  Source h(opts(test::testdata("quoting.csv")));
  trestle::Schema s = h.open();
  ASSERT_EQ(s.names(), (std::vector<std::string>{"id", "name", "note"}));  // BOM not in "id"
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "id"), (std::vector<std::optional<int64_t>>{1, 2, 3, 4}));
  EXPECT_EQ(test::strs(bs, "name"),
            (std::vector<std::optional<std::string>>{"Smith, John", "plain", "", "last"}));  // "" is a string
  EXPECT_EQ(test::strs(bs, "note"), (std::vector<std::optional<std::string>>{
                                        "said \"hi\"", "line one\r\nline two", "x", "no newline at the end"}));
  EXPECT_TRUE(h.recorded().rejected_records.empty());
}

TEST(CsvSource, LineNumbersCountLinesInsideQuotes) {
  TempDir d;
  std::string p = d.write("a.csv", "a,b\n1,\"x\ny\nz\"\n2,oops,extra\n3,ok\n");
  Source h(opts(p));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 3}));
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].location, p + ":5");
  EXPECT_EQ(h.recorded().rejected_records[0].record, "2,oops,extra");
  EXPECT_EQ(h.recorded().rejected_records[0].reason, "expected 2 fields, found 3");
}

TEST(CsvSource, InfersEachType) {
  Source h(opts(test::testdata("types.csv")));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("i").type, Type::Int64);
  EXPECT_EQ(s.require("f").type, Type::Float64);
  EXPECT_EQ(s.require("b").type, Type::Bool);
  EXPECT_EQ(s.require("t").type, Type::TimestampUs);
  EXPECT_EQ(s.require("s").type, Type::Utf8);
  EXPECT_EQ(s.require("empty").type, Type::Utf8);  // no value at all
  EXPECT_EQ(s.require("mixed").type, Type::Utf8);
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "i"), (std::vector<std::optional<int64_t>>{1, -2, 3, std::nullopt}));
  auto f = test::f64s(bs, "f");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], 1.5);
  EXPECT_TRUE(std::isnan(*f[1]));
  EXPECT_EQ(f[2], -INFINITY);
  EXPECT_EQ(f[3], 2000.0);
  EXPECT_EQ(test::bools(bs, "b"), (std::vector<std::optional<bool>>{true, false, true, std::nullopt}));
  const int64_t jan2 = 19724, leap_day = 11016;
  EXPECT_EQ(test::tss(bs, "t"), (std::vector<std::optional<int64_t>>{
                                    test::micros(jan2, 3, 4, 5), test::micros(jan2, 3, 4, 5, 123456),
                                    0, test::micros(leap_day, 23, 59, 59, 500000)}));
  EXPECT_EQ(test::strs(bs, "s"),
            (std::vector<std::optional<std::string>>{"apple", "banana", "cherry", std::nullopt}));
  EXPECT_EQ(test::strs(bs, "empty"), (std::vector<std::optional<std::string>>(4, std::nullopt)));
  EXPECT_EQ(test::strs(bs, "mixed"), (std::vector<std::optional<std::string>>{"1", "x", "2.5", std::nullopt}));
}

TEST(CsvSource, IntegersAndFloatsMixToFloat64AndNanIsAFloat) {
  TempDir d;
  Source h(opts(d.write("a.csv", "x,y\n1,nan\n2.5,NaN\n")));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("x").type, Type::Float64);
  EXPECT_EQ(s.require("y").type, Type::Float64);
}

TEST(CsvSource, DeclaredSchemaOverridesInference) {
  TempDir d;
  std::string p = d.write("a.csv", "zip,n,r,when,other\n007,1,0.1,2024-01-01 00:00:00,5\n010,2,0.2,,6\n");
  Options o = opts(p).set("schema", trestle::StringMap{{"zip", {"utf8"}}, {"n", {"int32"}}, {"r", {"float32"}},
                                                      {"when", {"timestamp"}}});
  Source h(o);
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("zip").type, Type::Utf8);
  EXPECT_EQ(s.require("n").type, Type::Int32);
  EXPECT_EQ(s.require("r").type, Type::Float32);
  EXPECT_EQ(s.require("when").type, Type::TimestampUs);
  EXPECT_EQ(s.require("other").type, Type::Int64);  // undeclared: inferred
  auto bs = h.drain();
  EXPECT_EQ(test::strs(bs, "zip"), (std::vector<std::optional<std::string>>{"007", "010"}));
  EXPECT_EQ(test::i32s(bs, "n"), (std::vector<std::optional<int32_t>>{1, 2}));
  EXPECT_EQ(test::f32s(bs, "r"), (std::vector<std::optional<float>>{0.1f, 0.2f}));
  EXPECT_EQ(test::tss(bs, "when"), (std::vector<std::optional<int64_t>>{test::micros(19723, 0, 0, 0), std::nullopt}));
}

TEST(CsvSource, DeclaredColumnMissingFromHeaderIsRefused) {
  TempDir d;
  Source h(opts(d.write("a.csv", "a,b\n1,2\n")).set("schema", trestle::StringMap{{"c", {"int64"}}}));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("\"c\""), std::string::npos) << e.what();
  }
}

TEST(CsvSource, UnknownDeclaredTypeIsRefused) {
  EXPECT_THROW(Source(opts("x.csv").set("schema", trestle::StringMap{{"a", {"decimal"}}})), trestle::Error);
}

TEST(CsvSource, NullValues) {
  TempDir d;
  std::string p = d.write("a.csv", "n,s\n1,NA\nNA,null\n,\"\"\n-,\"NA\"\n");
  {
    Source h(opts(p).set("schema", trestle::StringMap{{"n", {"int64"}}}));
    h.open();
    auto bs = h.drain();
    // "-" is no null value and no int64: that row is rejected.
    EXPECT_EQ(test::i64s(bs, "n"), (std::vector<std::optional<int64_t>>{1, std::nullopt, std::nullopt}));
    // A quoted value in a string column is a value.
    EXPECT_EQ(test::strs(bs, "s"), (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt, ""}));
    ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
    EXPECT_EQ(h.recorded().rejected_records[0].reason, "column \"n\": \"-\" is not an int64");
  }
  {
    Source h(opts(p).set("null_values", trestle::StringList{"-"}));
    trestle::Schema s = h.open();
    EXPECT_EQ(s.require("n").type, Type::Utf8);  // "NA" is a value now
    auto bs = h.drain();
    EXPECT_EQ(test::strs(bs, "n"), (std::vector<std::optional<std::string>>{"1", "NA", "", std::nullopt}));
  }
}

TEST(CsvSource, MalformedLinesAreRejectedAndGoodLinesContinue) {
  std::string p = test::testdata("malformed.csv");
  Source h(opts(p).set("schema", trestle::StringMap{{"age", {"int64"}}}));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "id"), (std::vector<std::optional<int64_t>>{1, 4, 6}));
  EXPECT_EQ(test::strs(bs, "name"), (std::vector<std::optional<std::string>>{"ann", "dan\nwith a newline", "fay"}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 3u);
  EXPECT_EQ(rej[0].location, p + ":3");
  EXPECT_EQ(rej[0].record, "2,abc,bob");
  EXPECT_EQ(rej[0].reason, "column \"age\": \"abc\" is not an int64");
  EXPECT_EQ(rej[1].location, p + ":4");
  EXPECT_EQ(rej[1].reason, "expected 3 fields, found 2");
  EXPECT_EQ(rej[2].location, p + ":7");
  EXPECT_EQ(rej[2].record, "5,60,eve,extra");
  EXPECT_EQ(rej[2].reason, "expected 3 fields, found 4");
}

TEST(CsvSource, UnterminatedQuoteAtEndOfFile) {
  TempDir d;
  std::string p = d.write("a.csv", "a,b\n1,x\n2,\"never closed\n3,y\n");
  Source h(opts(p));
  h.open();
  auto bs = h.drain();
  // The record is rejected from its first line; reading resumes on the next line.
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 3}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0].location, p + ":3");
  EXPECT_EQ(rej[0].record, "2,\"never closed");
  EXPECT_EQ(rej[0].reason, "unterminated quoted field");
}

TEST(CsvSource, TextAfterClosingQuoteIsRejected) {
  TempDir d;
  std::string p = d.write("a.csv", "a,b\n1,\"x\"y\n2,z\n");
  Source h(opts(p));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{2}));
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].location, p + ":2");
  EXPECT_EQ(h.recorded().rejected_records[0].reason, "a quoted field continues after its closing quote");
}

TEST(CsvSource, ValueOutsideTheSampleIsRejectedWithTheInferredType) {
  TempDir d;
  std::string p = d.write("a.csv", "a\n1\n2\n3.5\n4\n");
  Source h(opts(p).set("infer_rows", int64_t{2}));
  EXPECT_EQ(h.open().require("a").type, Type::Int64);
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 2, 4}));
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].location, p + ":4");
  EXPECT_EQ(h.recorded().rejected_records[0].reason,
            "column \"a\": \"3.5\" is not an int64, the type inferred from the sampled rows (to read such values, "
            "declare the column's type with the \"schema\" option)");
}

TEST(CsvSource, MissingFileNamesThePath) {
  TempDir d;
  std::string p = d.file("nope.csv");
  Source h(opts(p));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(CsvSource, EmptyFileIsRefused) {
  TempDir d;
  for (const char* content : {"", "\n\n", "\xef\xbb\xbf"}) {
    std::string p = d.write("empty.csv", content);
    Source h(opts(p));
    try {
      h.open();
      FAIL() << "expected InvalidArgument";
    } catch (const trestle::Error& e) {
      EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
      EXPECT_EQ(std::string(e.what()), "\"" + p + "\" is empty");
    }
  }
}

TEST(CsvSource, HeaderOnlyGivesNoRows) {
  TempDir d;
  Source h(opts(d.write("a.csv", "a,b\n")));
  EXPECT_EQ(h.open().names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(h.next().has_value());
}

TEST(CsvSource, NoHeaderNamesColumnsByPosition) {
  TempDir d;
  Source h(opts(d.write("a.csv", "1;x\n2;y\n")).set("header", false).set("delimiter", std::string(";")));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.names(), (std::vector<std::string>{"col0", "col1"}));
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "col0"), (std::vector<std::optional<int64_t>>{1, 2}));
  EXPECT_EQ(test::strs(bs, "col1"), (std::vector<std::optional<std::string>>{"x", "y"}));
}

TEST(CsvSource, TabDelimiter) {
  TempDir d;
  Source h(opts(d.write("a.tsv", "a\tb\n1\tx,y\n")).set("delimiter", std::string("\t")));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::strs(bs, "b"), (std::vector<std::optional<std::string>>{"x,y"}));
}

TEST(CsvSource, BadDelimiterIsRefused) {
  EXPECT_THROW(Source(opts("a.csv").set("delimiter", std::string(";;"))), trestle::Error);
  EXPECT_THROW(Source(opts("a.csv").set("delimiter", std::string("\""))), trestle::Error);
}

TEST(CsvSource, BatchesRespectMaxRowsAndReportProgress) {
  TempDir d;
  std::string content = "n\n";
  for (int i = 0; i < 25; ++i) content += std::to_string(i) + "\n";
  std::string p = d.write("a.csv", content);
  Source h(opts(p));
  h.open();
  std::vector<int64_t> sizes;
  std::vector<trestle::Batch> bs;
  while (auto b = h.next(10)) {
    sizes.push_back(b->num_rows());
    bs.push_back(*b);
    EXPECT_EQ(h.recorded().progress_total, static_cast<double>(content.size()));
    EXPECT_GT(h.recorded().progress_done, 0);
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{10, 10, 5}));
  EXPECT_EQ(h.recorded().progress_done, static_cast<double>(content.size()));
  auto n = test::i64s(bs, "n");
  ASSERT_EQ(n.size(), 25u);
  for (int i = 0; i < 25; ++i) EXPECT_EQ(n[static_cast<size_t>(i)], i);
}

TEST(CsvSource, StreamsRecordsAcrossChunkBoundaries) {
  // Several MiB with quoted multi-line fields so that records straddle the 1 MiB
  // read chunks at many different offsets.
  TempDir d;
  std::string content = "id,text,x\n";
  const int rows = 60000;
  for (int i = 0; i < rows; ++i) {
    content += std::to_string(i) + ",\"row " + std::to_string(i) + ", \"\"quoted\"\"\nsecond line " +
               std::string(static_cast<size_t>(i % 97), 'z') + "\"," + std::to_string(i * 0.5) + "\r\n";
  }
  std::string p = d.write("big.csv", content);
  Source h(opts(p));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("text").type, Type::Utf8);
  EXPECT_EQ(s.require("x").type, Type::Float64);
  auto bs = h.drain(4096);
  ASSERT_EQ(test::total_rows(bs), rows);
  auto ids = test::i64s(bs, "id");
  auto texts = test::strs(bs, "text");
  for (int i = 0; i < rows; i += 997) {
    EXPECT_EQ(ids[static_cast<size_t>(i)], i);
    EXPECT_EQ(texts[static_cast<size_t>(i)], "row " + std::to_string(i) + ", \"quoted\"\nsecond line " +
                                                 std::string(static_cast<size_t>(i % 97), 'z'));
  }
  EXPECT_TRUE(h.recorded().rejected_records.empty());
  EXPECT_EQ(h.recorded().progress_done, static_cast<double>(content.size()));
}

TEST(CsvSource, BlankLinesAreSkippedAndCounted) {
  TempDir d;
  Source h(opts(d.write("a.csv", "a\n1\n\n2\r\n\r\n3\n")));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 2, 3}));
  EXPECT_EQ(h.recorded().counters["blank_lines"], 2);
}

TEST(CsvSource, Int32OutOfRangeIsRejected) {
  TempDir d;
  std::string p = d.write("a.csv", "a\n2147483647\n2147483648\n");
  Source h(opts(p).set("schema", trestle::StringMap{{"a", {"int32"}}}));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i32s(bs, "a"), (std::vector<std::optional<int32_t>>{2147483647}));
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].reason, "column \"a\": \"2147483648\" is not an int32");
}

TEST(CsvSource, OverlongRecordIsRejectedAndReadingResumes) {
  TempDir d;
  std::string content = "a,b\n1,x\n2,\"";
  content += std::string(CsvReader::kMaxRecordBytes / 64, 'q') + "\n";  // one line
  for (int i = 0; i < 40; ++i) content += std::string(1 << 20, 'w') + "\n";  // > 32 MiB, no quote
  content += "3,y\n";
  std::string p = d.write("a.csv", content);
  Source h(opts(p));  // the sample at open() stops at the long record
  EXPECT_EQ(h.open().require("a").type, trestle::Type::Int64);
  auto bs = h.drain();
  // Line 3 opened a quote that never closes within the limit: it alone is rejected,
  // and the 40 one-field lines after it are rejected for their field count.
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 3}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 41u);
  EXPECT_EQ(rej[0].location, p + ":3");
  EXPECT_EQ(rej[0].reason, "record exceeds the 32 MiB limit (a quoted field does not close within it)");
  EXPECT_EQ(rej[1].location, p + ":4");
}

TEST(CsvSource, AGigabyteLineIsRejectedInBoundedMemory) {
  TempDir d;
  const int64_t peak_before = test::peak_rss_bytes();
  {
    // 1 GiB in one unquoted field on line 3, through a FIFO: in no file, and never
    // whole in memory unless the reader buffers it.
    test::FifoWriter w(d.file("big.csv"), "a,b\n1,x\n", 'w', size_t{1} << 30, "\n2,y\n");
    Source h(opts(w.path()));
    EXPECT_EQ(h.open().require("a").type, Type::Int64);  // the sample stops at the long line
    auto bs = h.drain();
    EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 2}));
    const auto& rej = h.recorded().rejected_records;
    ASSERT_EQ(rej.size(), 1u);
    EXPECT_EQ(rej[0].location, w.path() + ":3");
    EXPECT_EQ(rej[0].reason, "record exceeds the 32 MiB limit");
    EXPECT_EQ(rej[0].record, std::string(64 * 1024, 'w') + "...");  // its start
  }
  EXPECT_LT(test::peak_rss_bytes() - peak_before, int64_t{256} << 20);
}

TEST(CsvSource, FirstRecordOverTheLimitIsNamedWithoutAHeader) {
  TempDir d;
  test::FifoWriter w(d.file("big.csv"), "\n", 'w', CsvReader::kMaxRecordBytes + 10, "\n1\n");
  Source h(opts(w.path()).set("header", false));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()), w.path() + ":2: the first record, which gives the columns, is malformed: "
                                                 "record exceeds the 32 MiB limit");
  }
}

TEST(CsvSource, RecordsWithTooManyFieldsAreRejected) {
  TempDir d;
  const std::string commas(CsvReader::kMaxFields, ',');  // kMaxFields + 1 fields
  std::string p = d.write("a.csv", "a,b\n1,x\n" + commas + "\n2,y\n");
  Source h(opts(p));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 2}));
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].location, p + ":3");
  EXPECT_EQ(h.recorded().rejected_records[0].reason, "record has more than 100000 fields");
  // As a header: the file is refused.
  std::string wide = d.write("b.csv", commas + "\n");
  Source g(opts(wide));
  try {
    g.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()),
              wide + ":1: the first record, which gives the columns, is malformed: record has more than 100000 fields");
  }
}

TEST(CsvSource, NulInAHeaderNameIsRefused) {
  TempDir d;
  Source h(opts(d.write("a.csv", std::string("a,b\0c\n1,2\n", 10))));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("column 2 has a NUL byte in its name"), std::string::npos) << e.what();
  }
}

TEST(CsvSource, LoneCrLineEndsAndAnUnterminatedQuoteCostOneLine) {
  TempDir d;
  // Classic Mac line ends: an unterminated quote on line 3 must not swallow the rest.
  std::string p = d.write("a.csv", "a,b\r1,\"x\ry\"\r2,\"never closed\r3,z\r4,w");
  Source h(opts(p));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 3, 4}));
  EXPECT_EQ(test::strs(bs, "b"), (std::vector<std::optional<std::string>>{"x\ry", "z", "w"}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0].location, p + ":4");  // the quoted CR ended line 2
  EXPECT_EQ(rej[0].record, "2,\"never closed");
  EXPECT_EQ(rej[0].reason, "unterminated quoted field");
}

TEST(CsvSource, CrLfAfterAnUnterminatedQuoteIsOneLineEnd) {
  TempDir d;
  std::string p = d.write("a.csv", "a,b\r\n1,\"open\r\n2,ok\r\n");
  Source h(opts(p));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{2}));
  ASSERT_EQ(h.recorded().rejected_records.size(), 1u);
  EXPECT_EQ(h.recorded().rejected_records[0].record, "1,\"open");
  EXPECT_EQ(h.recorded().counters["blank_lines"], 0);
}

// Three shards of one file: each keeps the records at positions I, I+3, ... (a quoted
// line break does not count, a malformed record does), all infer the same schema from
// the same sample, and together they keep every record once.
TEST(CsvSource, ShardsSplitTheRecordsByPositionAndAgreeOnTheSchema) {
  TempDir d;
  std::string p = d.write("a.csv",
                          "id,note\n0,a\n1,\"two\nlines\"\n2,c\n\n3,d\n4,oops,extra\n5,f\n6,g\n7,h\n8,i\n");
  std::vector<std::optional<int64_t>> all;
  std::vector<std::vector<std::string>> schemas;
  for (int64_t shard = 0; shard < 3; ++shard) {
    Source h(opts(p).set("shard_index", shard).set("shard_count", int64_t{3}));
    trestle::Schema schema = h.open();
    EXPECT_EQ(schema.require("id").type, Type::Int64);
    schemas.push_back(schema.names());
    auto bs = h.drain(2);
    auto ids = test::i64s(bs, "id");
    for (const auto& id : ids) {
      ASSERT_TRUE(id.has_value());
      EXPECT_EQ(*id % 3, shard) << "id " << *id << " in shard " << shard;
    }
    all.insert(all.end(), ids.begin(), ids.end());
    // Record 4 (the malformed one) is shard 1's: only it dead-letters the record.
    EXPECT_EQ(h.recorded().rejected_records.size(), shard == 1 ? 1u : 0u) << "shard " << shard;
    EXPECT_EQ(h.recorded().counters["other_shards_records"], 6);  // of the 9 records
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::optional<int64_t>>{0, 1, 2, 3, 5, 6, 7, 8}));
  EXPECT_EQ(schemas[0], schemas[1]);
  EXPECT_EQ(schemas[0], schemas[2]);
}

TEST(CsvSource, ShardsWithoutAHeaderCountTheFirstLine) {
  TempDir d;
  std::string p = d.write("a.csv", "10\n11\n12\n13\n");
  Source h(opts(p).set("header", false).set("shard_index", int64_t{0}).set("shard_count", int64_t{2}));
  h.open();
  EXPECT_EQ(test::i64s(h.drain(), "col0"), (std::vector<std::optional<int64_t>>{10, 12}));
}

TEST(CsvSource, AShardIndexOutsideTheCountIsRefusedNamingBoth) {
  try {
    Source h(opts("x.csv").set("shard_index", int64_t{3}).set("shard_count", int64_t{3}));
    FAIL() << "expected an error";
  } catch (const trestle::Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"shard_index\" (3) must be from 0 to shard_count - 1 (shard_count is 3)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace trestle_io

namespace trestle_io {
namespace {

TEST(CsvSource, CancelWhileARecordIsHalfBufferedEndsTheRead) {
  // The reader's buffer ends inside a record; a drain then stops further reads, which
  // must end the input, not make the reader ask for the same partial record forever.
  test::TempDir d;
  std::string text = "id,s\n";
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + ",some text to fill the buffer\n";
  Harness<CsvSource> h(Options().set("path", d.write("a.csv", text)).set("parse_threads", int64_t{1}));
  h.open();
  ASSERT_TRUE(h.next(10).has_value());
  h.recorded().cancel = true;
  int64_t rows = 10;
  for (auto b = h.next(1 << 30); b; b = h.next(1 << 30)) rows += b->num_rows();
  EXPECT_LT(rows, 200000);
  EXPECT_GT(rows, 10);  // what was buffered is read
}

}  // namespace
}  // namespace trestle_io
