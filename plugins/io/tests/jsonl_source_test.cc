#include "jsonl_source.h"

#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace trestle_io {
namespace {

using test::TempDir;
using trestle::Options;
using trestle::Type;
using trestle::testing::Harness;
using Source = Harness<JsonlSource>;

Options opts(const std::string& path) { return Options().set("path", path); }

TEST(JsonlSource, InfersTypesInOrderOfFirstAppearance) {
  Source h(opts(test::testdata("people.jsonl")));
  trestle::Schema s = h.open();
  // "tags" only ever holds arrays: no column (ABI 1 has no nested types).
  ASSERT_EQ(s.names(), (std::vector<std::string>{"id", "name", "score", "active", "extra"}));
  EXPECT_EQ(s.require("id").type, Type::Int64);
  EXPECT_EQ(s.require("name").type, Type::Utf8);
  EXPECT_EQ(s.require("score").type, Type::Float64);  // 1.5 and 2
  EXPECT_EQ(s.require("active").type, Type::Bool);
  EXPECT_EQ(s.require("extra").type, Type::Utf8);  // only null: utf8
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "id"), (std::vector<std::optional<int64_t>>{1, 2, 3, 4}));
  EXPECT_EQ(test::strs(bs, "name"), (std::vector<std::optional<std::string>>{"ann", "bob", std::nullopt, "dan"}));
  EXPECT_EQ(test::f64s(bs, "score"), (std::vector<std::optional<double>>{1.5, 2.0, std::nullopt, std::nullopt}));
  EXPECT_EQ(test::bools(bs, "active"), (std::vector<std::optional<bool>>{true, false, true, std::nullopt}));
  EXPECT_TRUE(h.recorded().rejected_records.empty());
  EXPECT_EQ(h.recorded().counters["unknown_fields"], 1);  // "tags" on line 1
  EXPECT_EQ(h.recorded().counters["blank_lines"], 1);
  EXPECT_GT(h.recorded().progress_total, 0);
  EXPECT_EQ(h.recorded().progress_done, h.recorded().progress_total);
}

TEST(JsonlSource, MixedValuesInferToTheWiderType) {
  TempDir d;
  std::string p = d.write("a.jsonl",
                          "{\"a\": 1, \"b\": true, \"c\": 1, \"d\": 18446744073709551615}\n"
                          "{\"a\": 2.5, \"b\": 3, \"c\": \"x\", \"d\": 1}\n");
  Source h(opts(p));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.require("a").type, Type::Float64);
  EXPECT_EQ(s.require("b").type, Type::Utf8);  // bool and number
  EXPECT_EQ(s.require("c").type, Type::Utf8);
  EXPECT_EQ(s.require("d").type, Type::Float64);  // beyond int64
  auto bs = h.drain();
  EXPECT_EQ(test::strs(bs, "b"), (std::vector<std::optional<std::string>>{"true", "3"}));
  EXPECT_EQ(test::strs(bs, "c"), (std::vector<std::optional<std::string>>{"1", "x"}));
  EXPECT_EQ(test::f64s(bs, "a"), (std::vector<std::optional<double>>{1.0, 2.5}));
}

TEST(JsonlSource, BadLinesAreRejectedWithLineNumbers) {
  std::string p = test::testdata("bad.jsonl");
  Source h(opts(p).set("schema", trestle::StringMap{{"id", {"int64"}}, {"name", {"utf8"}}}));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::i64s(bs, "id"), (std::vector<std::optional<int64_t>>{1, 6}));
  EXPECT_EQ(test::strs(bs, "name"), (std::vector<std::optional<std::string>>{"ann", "fay"}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 5u);
  EXPECT_EQ(rej[0].location, p + ":2");
  EXPECT_EQ(rej[0].record, "{\"id\": 2, \"name\": \"bob\"");
  EXPECT_EQ(rej[0].reason.rfind("invalid JSON: ", 0), 0u) << rej[0].reason;
  EXPECT_EQ(rej[1].location, p + ":3");
  EXPECT_EQ(rej[1].reason.rfind("invalid JSON: ", 0), 0u) << rej[1].reason;
  EXPECT_EQ(rej[2].location, p + ":4");
  EXPECT_EQ(rej[2].reason, "column \"id\": \"three\" is not an int64");
  EXPECT_EQ(rej[3].location, p + ":5");
  EXPECT_EQ(rej[3].reason, "the line is not a JSON object");
  EXPECT_EQ(rej[4].location, p + ":6");
  EXPECT_EQ(rej[4].reason, "column \"name\": an object is not a utf8 string");
}

TEST(JsonlSource, WrongTypedValuesAreRejected) {
  TempDir d;
  std::string p = d.write("a.jsonl",
                          "{\"n\": 1, \"f\": 1, \"b\": true, \"t\": \"2024-01-01T00:00:00\"}\n"
                          "{\"n\": 1.5}\n"
                          "{\"f\": \"1.5\"}\n"
                          "{\"b\": 1}\n"
                          "{\"t\": \"yesterday\"}\n"
                          "{\"n\": 2147483648}\n"
                          "{\"n\": null, \"f\": 2.5, \"other\": {\"deep\": [1, {\"n\": \"x\"}]}}\n");
  Source h(opts(p).set("schema", trestle::StringMap{
                                     {"n", {"int32"}}, {"f", {"float64"}}, {"b", {"bool"}}, {"t", {"timestamp"}}}));
  trestle::Schema s = h.open();
  EXPECT_EQ(s.names(), (std::vector<std::string>{"b", "f", "n", "t"}));  // a declared schema is in name order
  auto bs = h.drain();
  EXPECT_EQ(test::i32s(bs, "n"), (std::vector<std::optional<int32_t>>{1, std::nullopt}));
  EXPECT_EQ(test::f64s(bs, "f"), (std::vector<std::optional<double>>{1.0, 2.5}));
  EXPECT_EQ(test::tss(bs, "t"), (std::vector<std::optional<int64_t>>{test::micros(19723, 0, 0, 0), std::nullopt}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 5u);
  EXPECT_EQ(rej[0].location, p + ":2");
  EXPECT_EQ(rej[0].reason, "column \"n\": 1.5 is not an int32");
  EXPECT_EQ(rej[1].reason, "column \"f\": \"1.5\" is not a float64");
  EXPECT_EQ(rej[2].reason, "column \"b\": 1 is not a bool");
  EXPECT_EQ(rej[3].reason, "column \"t\": \"yesterday\" is not a timestamp");
  EXPECT_EQ(rej[4].location, p + ":6");
  EXPECT_EQ(rej[4].reason, "column \"n\": 2147483648 is not an int32");
  EXPECT_EQ(h.recorded().counters["unknown_fields"], 1);  // "other", once
}

TEST(JsonlSource, BatchesRespectMaxRows) {
  TempDir d;
  std::string content;
  for (int i = 0; i < 7; ++i) content += "{\"i\": " + std::to_string(i) + "}\n";
  Source h(opts(d.write("a.jsonl", content)));
  h.open();
  std::vector<int64_t> sizes;
  while (auto b = h.next(3)) sizes.push_back(b->num_rows());
  EXPECT_EQ(sizes, (std::vector<int64_t>{3, 3, 1}));
}

TEST(JsonlSource, CrlfBomAndNoFinalNewline) {
  TempDir d;
  Source h(opts(d.write("a.jsonl", "\xef\xbb\xbf{\"a\": \"x\"}\r\n{\"a\": \"y\"}")));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::strs(bs, "a"), (std::vector<std::optional<std::string>>{"x", "y"}));
}

TEST(JsonlSource, MissingFileNamesThePath) {
  TempDir d;
  std::string p = d.file("none.jsonl");
  Source h(opts(p));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(JsonlSource, NothingToInferFromIsRefused) {
  TempDir d;
  Source h(opts(d.write("a.jsonl", "")));
  EXPECT_THROW(h.open(), trestle::Error);
  // With a declared schema an empty file is zero rows.
  Source g(opts(d.write("b.jsonl", "")).set("schema", trestle::StringMap{{"a", {"int64"}}}));
  g.open();
  EXPECT_FALSE(g.next().has_value());
}

TEST(JsonlSource, AGigabyteLineIsRejectedInBoundedMemory) {
  TempDir d;
  const int64_t peak_before = test::peak_rss_bytes();
  {
    // 1 GiB on line 2, through a FIFO; inferred schema, so the sample meets it too.
    test::FifoWriter w(d.file("big.jsonl"), "{\"a\": 1}\n{\"a\": \"", 'w', size_t{1} << 30, "\"}\n{\"a\": 2}\n");
    Source h(opts(w.path()));
    EXPECT_EQ(h.open().require("a").type, Type::Int64);
    auto bs = h.drain();
    EXPECT_EQ(test::i64s(bs, "a"), (std::vector<std::optional<int64_t>>{1, 2}));
    const auto& rej = h.recorded().rejected_records;
    ASSERT_EQ(rej.size(), 1u);
    EXPECT_EQ(rej[0].location, w.path() + ":2");
    EXPECT_EQ(rej[0].reason, "line exceeds the 32 MiB limit");
    EXPECT_EQ(rej[0].record.size(), 64u * 1024 + 3);
  }
  EXPECT_LT(test::peak_rss_bytes() - peak_before, int64_t{256} << 20);
}

TEST(JsonlSource, NoObjectBeforeAnOverlongLineIsNamed) {
  TempDir d;
  test::FifoWriter w(d.file("big.jsonl"), "\n", 'x', LineReader::kMaxLineBytes + 1, "\n{\"a\": 1}\n");
  Source h(opts(w.path()));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()), "\"" + w.path() +
                                         "\" has no JSON object to infer a schema from before line 2, which exceeds "
                                         "the 32 MiB limit; declare one with the \"schema\" option");
  }
}

TEST(JsonlSource, TooManyFieldsToInferAreRefused) {
  TempDir d;
  std::string line = "{";
  for (int i = 0; i <= 100000; ++i) line += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  line += "}\n";
  std::string p = d.write("a.jsonl", "{\"a\": 1}\n" + line);
  Source h(opts(p));
  try {
    h.open();
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()), p + ":2: the sampled lines have more than 100000 fields to make columns of; "
                                         "declare the columns with the \"schema\" option");
  }
  // Declared, the same line is a row with unknown fields.
  Source g(opts(p).set("schema", trestle::StringMap{{"a", {"int64"}}}));
  g.open();
  EXPECT_EQ(test::total_rows(g.drain()), 2);
  EXPECT_EQ(g.recorded().counters["unknown_fields"], 100001);
}

TEST(JsonlSource, NulInAKeyMakesNoColumn) {
  TempDir d;
  Source h(opts(d.write("a.jsonl", "{\"a\": 1, \"k\\u0000x\": 2}\n")));
  EXPECT_EQ(h.open().names(), (std::vector<std::string>{"a"}));
  auto bs = h.drain();
  EXPECT_EQ(h.recorded().counters["unknown_fields"], 1);
  ASSERT_EQ(h.recorded().logs.size(), 1u);
  EXPECT_NE(h.recorded().logs[0].second.find("has a NUL character"), std::string::npos) << h.recorded().logs[0].second;
}

TEST(JsonlSource, NumbersOutOfRangeAreRejectedNotInfinite) {
  TempDir d;
  std::string p = d.write("a.jsonl",
                          "{\"f\": 1e39, \"d\": 1}\n{\"f\": 1, \"d\": 1e400}\n{\"f\": -3e38, \"d\": -1e308}\n");
  Source h(opts(p).set("schema", trestle::StringMap{{"f", {"float32"}}, {"d", {"float64"}}}));
  h.open();
  auto bs = h.drain();
  EXPECT_EQ(test::f32s(bs, "f"), (std::vector<std::optional<float>>{-3e38f}));
  EXPECT_EQ(test::f64s(bs, "d"), (std::vector<std::optional<double>>{-1e308}));
  const auto& rej = h.recorded().rejected_records;
  ASSERT_EQ(rej.size(), 2u);
  EXPECT_EQ(rej[0].reason, "column \"f\": 1e39 is not a float32");
  EXPECT_EQ(rej[1].reason, "invalid JSON: number overflow parsing '1e400'");
}

// Two shards: blank lines are not records, a bad line is its own shard's dead letter,
// and both infer the schema from the same first lines.
TEST(JsonlSource, ShardsSplitTheLinesByPosition) {
  TempDir d;
  std::string p = d.write("a.jsonl", "{\"id\": 0}\n\n{\"id\": 1}\nnot json\n{\"id\": 3}\n{\"id\": 4, \"x\": 1.5}\n");
  std::vector<std::optional<int64_t>> kept[2];
  for (int64_t shard = 0; shard < 2; ++shard) {
    Source h(opts(p).set("shard_index", shard).set("shard_count", int64_t{2}));
    trestle::Schema s = h.open();
    EXPECT_EQ(s.names(), (std::vector<std::string>{"id", "x"}));
    kept[shard] = test::i64s(h.drain(), "id");
    // "not json" is record 2: shard 0's.
    EXPECT_EQ(h.recorded().rejected_records.size(), shard == 0 ? 1u : 0u);
  }
  EXPECT_EQ(kept[0], (std::vector<std::optional<int64_t>>{0, 4}));
  EXPECT_EQ(kept[1], (std::vector<std::optional<int64_t>>{1, 3}));
}

}  // namespace
}  // namespace trestle_io
