// Property-style: random rows of every type written by sqlite_sink (create: true) read
// back by sqlite_source equal what was written, for several seeds and batch shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "sqlite_sink.h"
#include "sqlite_source.h"
#include "test_util.h"

namespace trestle_sqlite {
namespace {

using trestle::Options;
using trestle::testing::BatchBuilder;
using trestle::testing::Harness;

struct Rows {
  std::vector<std::optional<int64_t>> id, i64, ts;
  std::vector<std::optional<int32_t>> i32;
  std::vector<std::optional<double>> f64;
  std::vector<std::optional<float>> f32;
  std::vector<std::optional<bool>> b;
  std::vector<std::optional<std::string>> s;
};

Rows random_rows(std::mt19937_64& rng, int n) {
  Rows r;
  std::uniform_int_distribution<int> pct(0, 99);
  std::uniform_int_distribution<int64_t> any64(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  std::uniform_int_distribution<int32_t> any32(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  // 0001-01-01 .. 9999-12-31 in microseconds.
  std::uniform_int_distribution<int64_t> when(-62135596800LL * 1000000, 253402300799LL * 1000000 + 999999);
  std::uniform_real_distribution<double> unit(-1, 1);
  std::uniform_int_distribution<int> exp10(-300, 300), len(0, 12), pick(0, 9);
  const std::vector<std::string> pieces = {"a", "Z", "é", "日本", "🙂", "'", "\"", ",", "\n", " "};
  auto null = [&] { return pct(rng) < 10; };
  for (int i = 0; i < n; ++i) {
    r.id.push_back(i);
    r.i64.push_back(null() ? std::nullopt : std::optional<int64_t>(any64(rng)));
    r.i32.push_back(null() ? std::nullopt : std::optional<int32_t>(any32(rng)));
    r.ts.push_back(null() ? std::nullopt : std::optional<int64_t>(when(rng)));
    double d = unit(rng) * std::pow(10.0, exp10(rng));
    if (pct(rng) < 3) d = pct(rng) < 50 ? INFINITY : -INFINITY;
    r.f64.push_back(null() ? std::nullopt : std::optional<double>(d));
    r.f32.push_back(null() ? std::nullopt : std::optional<float>(static_cast<float>(unit(rng) * 1e6)));
    r.b.push_back(null() ? std::nullopt : std::optional<bool>(pct(rng) < 50));
    std::string s;
    for (int k = len(rng); k > 0; --k) s += pieces[static_cast<size_t>(pick(rng))];
    r.s.push_back(null() ? std::nullopt : std::optional<std::string>(s));
  }
  return r;
}

trestle::Batch to_batch(const Rows& r) {
  return BatchBuilder()
      .i64("id", r.id)
      .i64("i64", r.i64)
      .i32("i32", r.i32)
      .ts("ts", r.ts)
      .f64("f64", r.f64)
      .f32("f32", r.f32)
      .boolean("b", r.b)
      .str("s", r.s)
      .build();
}

class RoundTrip : public ::testing::TestWithParam<uint64_t> {};

TEST_P(RoundTrip, WhatTheSinkWritesTheSourceReadsBack) {
  test::TempDir dir;
  const std::string db = dir.file("rt.db");
  std::mt19937_64 rng(GetParam());
  const int n = 1 + static_cast<int>(rng() % 700);
  Rows rows = random_rows(rng, n);
  trestle::Batch all = to_batch(rows);
  {
    Harness<SqliteSink> sink(Options().set("path", db).set("table", std::string("t")).set("create", true));
    sink.open(all.schema());
    const int64_t step = 1 + static_cast<int64_t>(rng() % 300);
    for (int64_t at = 0; at < all.num_rows(); at += step) {
      sink.write(all.slice(at, std::min(step, all.num_rows() - at)));
      EXPECT_TRUE(sink.recorded().rejections.empty());
    }
    sink.commit(true);
    sink.close();
  }
  Harness<SqliteSource> src(Options().set("path", db).set("query", std::string("SELECT * FROM t ORDER BY id")));
  trestle::Schema s = src.open();
  ASSERT_EQ(s.names(), all.schema().names());
  // int32 comes back as int64 and float32 as float64: INTEGER and REAL hold both widths.
  EXPECT_EQ(s.field(2).type, trestle::Type::Int64);
  EXPECT_EQ(s.field(3).type, trestle::Type::TimestampUs);
  EXPECT_EQ(s.field(5).type, trestle::Type::Float64);
  EXPECT_EQ(s.field(6).type, trestle::Type::Bool);
  int64_t at = 0;
  for (const trestle::Batch& b : src.drain(97)) {
    for (int64_t r = 0; r < b.num_rows(); ++r, ++at) {
      const size_t i = static_cast<size_t>(at);
      SCOPED_TRACE("row " + std::to_string(at));
      ASSERT_EQ(b.column("id").i64(r), at);
      auto same = [&](const char* name, bool has, auto read, auto want) {
        ASSERT_EQ(!b.column(name).is_null(r), has) << name;
        if (has) {
          EXPECT_EQ(read(b.column(name)), want) << name;
        }
      };
      same("i64", rows.i64[i].has_value(), [&](const trestle::Column& c) { return c.i64(r); }, rows.i64[i].value_or(0));
      same("i32", rows.i32[i].has_value(), [&](const trestle::Column& c) { return c.i64(r); }, int64_t{rows.i32[i].value_or(0)});
      same("ts", rows.ts[i].has_value(), [&](const trestle::Column& c) { return c.ts(r); }, rows.ts[i].value_or(0));
      same("f64", rows.f64[i].has_value(), [&](const trestle::Column& c) { return c.f64(r); }, rows.f64[i].value_or(0));
      same("f32", rows.f32[i].has_value(), [&](const trestle::Column& c) { return c.f64(r); }, double{rows.f32[i].value_or(0)});
      same("b", rows.b[i].has_value(), [&](const trestle::Column& c) { return c.bool_at(r); }, rows.b[i].value_or(false));
      same("s", rows.s[i].has_value(), [&](const trestle::Column& c) { return std::string(c.str(r)); }, rows.s[i].value_or(""));
    }
  }
  EXPECT_EQ(at, n);
  EXPECT_TRUE(src.recorded().rejected_records.empty());
}

INSTANTIATE_TEST_SUITE_P(Seeds, RoundTrip, ::testing::Values(1u, 2u, 3u, 42u, 2026u, 31337u));

}  // namespace
}  // namespace trestle_sqlite
