#include "jsonl_sink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "jsonl_source.h"
#include "test_util.h"

namespace trestle_io {
namespace {

using test::TempDir;
using trestle::Options;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;

std::vector<nlohmann::ordered_json> parse_lines(const std::string& text) {
  std::vector<nlohmann::ordered_json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(nlohmann::ordered_json::parse(line));
  return out;
}

TEST(JsonlSink, OutputParsesBack) {
  TempDir d;
  std::string p = d.file("out/rows.jsonl");
  trestle::Batch in = BatchBuilder()
                          .i64("id", {1, 2, std::nullopt})
                          .f64("x", {1.0, 0.1, std::nan("")})
                          .f32("y", {INFINITY, 0.5f, std::nullopt})
                          .boolean("ok", {true, std::nullopt, false})
                          .str("s", {"tab\there \"q\" \\ \x01", "\xc3\xa9t\xc3\xa9", std::nullopt})
                          .ts("t", {1700000000123456, std::nullopt, 0})
                          .build();
  Harness<JsonlSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  EXPECT_FALSE(test::exists(p));
  sink.commit(true);
  sink.close();
  auto rows = parse_lines(test::slurp(p));
  ASSERT_EQ(rows.size(), 3u);
  std::vector<std::string> keys;
  for (const auto& [k, v] : rows[0].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "x", "y", "ok", "s", "t"}));
  EXPECT_EQ(rows[0]["id"], 1);
  EXPECT_TRUE(rows[0]["x"].is_number_float());  // 1.0 stays a float
  EXPECT_EQ(rows[0]["x"].get<double>(), 1.0);
  EXPECT_TRUE(rows[0]["y"].is_null());  // Inf
  EXPECT_EQ(rows[0]["ok"], true);
  EXPECT_EQ(rows[0]["s"], "tab\there \"q\" \\ \x01");
  EXPECT_EQ(rows[0]["t"], "2023-11-14T22:13:20.123456");
  EXPECT_EQ(rows[1]["x"].get<double>(), 0.1);
  EXPECT_EQ(rows[1]["y"].get<double>(), 0.5);
  EXPECT_TRUE(rows[1]["ok"].is_null());
  EXPECT_EQ(rows[1]["s"], "\xc3\xa9t\xc3\xa9");
  EXPECT_TRUE(rows[2]["id"].is_null());
  EXPECT_TRUE(rows[2]["x"].is_null());  // NaN
  EXPECT_TRUE(rows[2]["s"].is_null());
  EXPECT_EQ(rows[2]["t"], "1970-01-01T00:00:00.000000");
  EXPECT_EQ(sink.recorded().counters["non_finite_as_null"], 2);
}

TEST(JsonlSink, InvalidUtf8IsReplacedAndCounted) {
  TempDir d;
  std::string p = d.file("rows.jsonl");
  trestle::Batch in = BatchBuilder().str("s", {std::string("a\xff" "b\xc3")}).build();
  Harness<JsonlSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  sink.commit(true);
  auto rows = parse_lines(test::slurp(p));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["s"], "a\xef\xbf\xbd" "b\xef\xbf\xbd");
  EXPECT_EQ(sink.recorded().counters["invalid_utf8_replaced"], 2);
}

TEST(JsonlSink, RoundTripsThroughJsonlSource) {
  TempDir d;
  std::string p = d.file("rows.jsonl");
  trestle::Batch in = BatchBuilder()
                          .i64("id", {1, 2, 3})
                          .f64("x", {2.0, 1.0 / 3.0, std::nullopt})
                          .str("s", {"a", std::nullopt, "c"})
                          .boolean("b", {true, false, true})
                          .build();
  Harness<JsonlSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  sink.commit(true);
  Harness<JsonlSource> src(Options().set("path", p));
  EXPECT_EQ(src.open(), in.schema());  // inferred back to the same types
  auto out = src.drain();
  std::vector<trestle::Batch> want{in};
  EXPECT_EQ(test::i64s(out, "id"), test::i64s(want, "id"));
  EXPECT_EQ(test::f64s(out, "x"), test::f64s(want, "x"));
  EXPECT_EQ(test::strs(out, "s"), test::strs(want, "s"));
  EXPECT_EQ(test::bools(out, "b"), test::bools(want, "b"));
}

TEST(JsonlSink, CloseWithoutFinalCommitLeavesNothing) {
  TempDir d;
  std::string p = d.file("rows.jsonl");
  trestle::Batch in = BatchBuilder().i64("a", {1}).build();
  Harness<JsonlSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  sink.commit(false);
  EXPECT_TRUE(test::exists(p + ".tmp-" + std::to_string(::getpid())));
  EXPECT_FALSE(test::exists(p));
  sink.close();
  EXPECT_TRUE(d.entries().empty());
}

}  // namespace
}  // namespace trestle_io
