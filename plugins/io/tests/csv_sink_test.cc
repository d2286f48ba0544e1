#include "csv_sink.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "csv_source.h"
#include "test_util.h"

namespace trestle_io {
namespace {

using test::TempDir;
using trestle::Options;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;

uint64_t bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

trestle::Batch sample_batch() {
  return BatchBuilder()
      .i64("id", {1, 2, 3, std::nullopt, -9223372036854775807LL - 1})
      .i32("small", {7, std::nullopt, -1, 0, 2147483647})
      .f64("x", {0.1, 1.0 / 3.0, std::nullopt, 4.9406564584124654e-324, -1.7976931348623157e308})
      .f32("y", {0.1f, std::nullopt, 3.4028235e38f, -0.0f, 1e-45f})
      .boolean("ok", {true, false, std::nullopt, true, false})
      .str("s", {"plain", "comma, \"quote\"", std::string(""), std::nullopt, "line\nbreak\r\nNA"})
      .str("na", {"NA", "null", "x", std::nullopt, ""})
      .ts("t", {0, 1700000000123456, std::nullopt, -1, 253402300799999999})
      .build();
}

std::vector<trestle::Batch> read_back(const std::string& path, const trestle::Schema& schema) {
  trestle::StringMap declared;
  for (const auto& f : schema.fields()) declared[f.name] = {trestle::type_name(f.type)};
  Harness<CsvSource> src(Options().set("path", path).set("schema", declared));
  EXPECT_EQ(src.open(), schema);
  auto bs = src.drain();
  EXPECT_TRUE(src.recorded().rejected_records.empty());
  return bs;
}

TEST(CsvSink, RoundTripsEveryTypeExactly) {
  TempDir d;
  std::string p = d.file("out.csv");
  trestle::Batch in = sample_batch();
  {
    Harness<CsvSink> sink(Options().set("path", p));
    sink.open(in.schema());
    sink.write(in.slice(0, 2));
    sink.write(in.slice(2, 3));
    sink.commit(true);
    sink.close();
  }
  auto out = read_back(p, in.schema());
  std::vector<trestle::Batch> want{in};
  EXPECT_EQ(test::i64s(out, "id"), test::i64s(want, "id"));
  EXPECT_EQ(test::i32s(out, "small"), test::i32s(want, "small"));
  EXPECT_EQ(test::bools(out, "ok"), test::bools(want, "ok"));
  EXPECT_EQ(test::strs(out, "s"), test::strs(want, "s"));
  EXPECT_EQ(test::strs(out, "na"), test::strs(want, "na"));
  EXPECT_EQ(test::tss(out, "t"), test::tss(want, "t"));
  auto x = test::f64s(out, "x"), wx = test::f64s(want, "x");
  ASSERT_EQ(x.size(), wx.size());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ(x[i].has_value(), wx[i].has_value()) << i;
    if (x[i]) {
      EXPECT_EQ(bits(*x[i]), bits(*wx[i])) << i;
    }
  }
  auto y = test::f32s(out, "y"), wy = test::f32s(want, "y");
  ASSERT_EQ(y.size(), wy.size());
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(y[i].has_value(), wy[i].has_value()) << i;
    if (y[i]) {
      EXPECT_EQ(std::memcmp(&*y[i], &*wy[i], sizeof(float)), 0) << i;
    }
  }
}

TEST(CsvSink, WritesRfc4180Text) {
  TempDir d;
  std::string p = d.file("out.csv");
  trestle::Batch in = BatchBuilder()
                          .str("a,b", {"x", "he said \"hi\"", std::nullopt})
                          .f64("v", {1.5, std::nan(""), -INFINITY})
                          .boolean("ok", {true, std::nullopt, false})
                          .ts("t", {1700000000123456, 0, std::nullopt})
                          .build();
  Harness<CsvSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  sink.commit(true);
  sink.close();
  EXPECT_EQ(test::slurp(p),
            "\"a,b\",v,ok,t\n"
            "x,1.5,true,2023-11-14T22:13:20.123456\n"
            "\"he said \"\"hi\"\"\",nan,,1970-01-01T00:00:00.000000\n"
            ",-inf,false,\n");
}

TEST(CsvSink, FloatsAreShortestInTheirColumnsType) {
  TempDir d;
  std::string p = d.file("out.csv");
  trestle::Batch in = BatchBuilder()
                          .f32("score", {0.1f, 0.25f, 1.0f / 3.0f})
                          .f64("x", {0.1, 1e300, static_cast<double>(0.1f)})
                          .build();
  Harness<CsvSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  sink.commit(true);
  sink.close();
  // A float32 is not widened before printing (0.1f was 0.100000001 with 9 digits); a
  // float32 widened into a float64 column keeps the digits that make that double exact.
  EXPECT_EQ(test::slurp(p),
            "score,x\n"
            "0.1,0.1\n"
            "0.25,1e+300\n"
            "0.33333334,0.10000000149011612\n");
  EXPECT_EQ(read_back(p, in.schema()).at(0).column("score").f32(2), 1.0f / 3.0f);
}

TEST(CsvSink, NoFileBeforeTheFinalCommit) {
  TempDir d;
  std::string p = d.file("sub/dir/out.csv");  // parents are created
  trestle::Batch in = BatchBuilder().i64("a", {1, 2}).build();
  Harness<CsvSink> sink(Options().set("path", p));
  sink.open(in.schema());
  EXPECT_FALSE(test::exists(d.file("sub")));  // open() creates nothing
  sink.write(in);
  sink.commit(false);
  EXPECT_FALSE(test::exists(p));
  std::string tmp = p + ".tmp-" + std::to_string(::getpid());
  EXPECT_EQ(test::slurp(tmp), "a\n1\n2\n");  // flushed and synced
  sink.write(in);
  sink.commit(true);
  EXPECT_TRUE(test::exists(p));
  EXPECT_FALSE(test::exists(tmp));
  EXPECT_EQ(test::slurp(p), "a\n1\n2\n1\n2\n");
  sink.close();
  EXPECT_TRUE(test::exists(p));
}

TEST(CsvSink, CloseWithoutFinalCommitLeavesNothing) {
  TempDir d;
  std::string p = d.file("out.csv");
  trestle::Batch in = BatchBuilder().i64("a", {1, 2}).build();
  {
    Harness<CsvSink> sink(Options().set("path", p));
    sink.open(in.schema());
    sink.write(in);
    sink.commit(false);
    sink.close();
  }
  EXPECT_FALSE(test::exists(p));
  EXPECT_TRUE(d.entries().empty());  // the temporary file is gone too
  {
    Harness<CsvSink> sink(Options().set("path", p));  // destroyed without close()
    sink.open(in.schema());
    sink.write(in);
  }
  EXPECT_TRUE(d.entries().empty());
}

TEST(CsvSink, FailedRunKeepsAnEarlierFile) {
  TempDir d;
  std::string p = d.write("out.csv", "old\n");
  trestle::Batch in = BatchBuilder().i64("a", {1}).build();
  Harness<CsvSink> sink(Options().set("path", p));
  sink.open(in.schema());
  sink.write(in);
  sink.close();
  EXPECT_EQ(test::slurp(p), "old\n");
}

TEST(CsvSink, EmptyRunWritesTheHeader) {
  TempDir d;
  std::string p = d.file("out.csv");
  Harness<CsvSink> sink(Options().set("path", p));
  sink.open(BatchBuilder().i64("a", {}).str("b", {}).build().schema());
  sink.commit(true);
  sink.close();
  EXPECT_EQ(test::slurp(p), "a,b\n");
}

TEST(CsvSink, Options) {
  TempDir d;
  std::string p = d.file("out.csv");
  trestle::Batch in = BatchBuilder().f64("x", {3.14159265358979}).str("s", {"a;b"}).build();
  Harness<CsvSink> sink(Options()
                            .set("path", p)
                            .set("delimiter", std::string(";"))
                            .set("header", false)
                            .set("float_precision", int64_t{3}));
  sink.open(in.schema());
  sink.write(in);
  sink.commit(true);
  EXPECT_EQ(test::slurp(p), "3.14;\"a;b\"\n");
  EXPECT_THROW(Harness<CsvSink>(Options().set("path", p).set("float_precision", int64_t{18})), trestle::Error);
  EXPECT_THROW(Harness<CsvSink>(Options().set("path", p).set("delimiter", std::string("ab"))), trestle::Error);
}

TEST(CsvSink, DirectoryPathIsRefusedAtOpen) {
  TempDir d;
  Harness<CsvSink> sink(Options().set("path", d.path()));
  try {
    sink.open(BatchBuilder().i64("a", {}).build().schema());
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find(d.path()), std::string::npos) << e.what();
  }
}

TEST(CsvSink, WriteAfterFinalCommitIsABug) {
  TempDir d;
  trestle::Batch in = BatchBuilder().i64("a", {1}).build();
  Harness<CsvSink> sink(Options().set("path", d.file("out.csv")));
  sink.open(in.schema());
  sink.commit(true);
  try {
    sink.write(in);
    FAIL() << "expected Internal";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INTERNAL);
  }
}

TEST(CsvSink, LargeOutputIsComplete) {
  TempDir d;
  std::string p = d.file("big.csv");
  Harness<CsvSink> sink(Options().set("path", p));
  std::vector<std::optional<int64_t>> ids;
  std::vector<std::optional<std::string>> texts;
  for (int i = 0; i < 20000; ++i) {
    ids.push_back(i);
    texts.push_back(std::string(static_cast<size_t>(i % 200), 'x') + "," + std::to_string(i));
  }
  trestle::Batch in = BatchBuilder().i64("id", ids).str("text", texts).build();
  sink.open(in.schema());
  for (int k = 0; k < 5; ++k) sink.write(in);  // several MiB: flushed in between
  sink.commit(true);
  auto out = read_back(p, in.schema());
  ASSERT_EQ(test::total_rows(out), 100000);
  EXPECT_EQ(test::strs(out, "text")[99999], texts[19999]);
}

}  // namespace
}  // namespace trestle_io
