// trestle::ColumnBuilder (sdk/include/trestle/column.hpp): what a plugin appends is what
// the finished Column holds, across buffer growth, nulls, reserve() and reuse after
// finish().
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include <trestle/column.hpp>

namespace trestle {
namespace {

// Enough rows to grow the values buffer many times from its first 64 bytes.
constexpr int64_t kRows = 5000;

TEST(ColumnBuilderTest, EveryFixedWidthTypeKeepsItsValuesAcrossGrowth) {
  ColumnBuilder i32(Type::Int32), i64(Type::Int64), f32(Type::Float32), f64(Type::Float64), ts(Type::TimestampUs);
  for (int64_t r = 0; r < kRows; ++r) {
    i32.append_i32(static_cast<int32_t>(r * 3 - 7));
    i64.append_i64(r * 1000003);
    f32.append_f32(static_cast<float>(r) / 8);
    f64.append_f64(static_cast<double>(r) / 3);
    ts.append_ts(r * 1000000);
  }
  const Column a = i32.finish(), b = i64.finish(), c = f32.finish(), d = f64.finish(), e = ts.finish();
  for (const Column* col : {&a, &b, &c, &d, &e}) {
    EXPECT_EQ(col->size(), kRows);
    EXPECT_EQ(col->null_count(), 0);
  }
  for (int64_t r = 0; r < kRows; ++r) {
    ASSERT_EQ(a.i32(r), r * 3 - 7) << r;
    ASSERT_EQ(b.i64(r), r * 1000003) << r;
    ASSERT_EQ(c.f32(r), static_cast<float>(r) / 8) << r;
    ASSERT_EQ(d.f64(r), static_cast<double>(r) / 3) << r;
    ASSERT_EQ(e.ts(r), r * 1000000) << r;
  }
}

TEST(ColumnBuilderTest, NullsAnywhereKeepTheirPlaceAndTheValuesAroundThem) {
  ColumnBuilder b(Type::Float64);
  b.append_f64(1.5);  // a value before the first null: the bitmap starts late
  for (int64_t r = 1; r < kRows; ++r) {
    if (r % 7 == 0) b.append_null();
    else b.append_f64(static_cast<double>(r));
  }
  const Column c = b.finish();
  ASSERT_EQ(c.size(), kRows);
  EXPECT_EQ(c.null_count(), (kRows - 1) / 7);
  EXPECT_TRUE(c.is_valid(0));
  EXPECT_EQ(c.f64(0), 1.5);
  for (int64_t r = 1; r < kRows; ++r) {
    ASSERT_EQ(c.is_null(r), r % 7 == 0) << r;
    if (r % 7 != 0) {
      ASSERT_EQ(c.f64(r), static_cast<double>(r)) << r;
    }
  }
}

TEST(ColumnBuilderTest, StringsAndBoolsKeepTheirValues) {
  ColumnBuilder s(Type::Utf8), flags(Type::Bool);
  for (int64_t r = 0; r < kRows; ++r) {
    if (r % 11 == 0) s.append_null();
    else s.append_str(std::string(static_cast<size_t>(r % 5), static_cast<char>('a' + r % 26)));
    flags.append_bool(r % 3 == 0);
  }
  const Column sc = s.finish(), bc = flags.finish();
  for (int64_t r = 0; r < kRows; ++r) {
    ASSERT_EQ(sc.is_null(r), r % 11 == 0) << r;
    if (r % 11 != 0) {
      ASSERT_EQ(sc.str(r), std::string(static_cast<size_t>(r % 5), static_cast<char>('a' + r % 26))) << r;
    }
    ASSERT_EQ(bc.bool_at(r), r % 3 == 0) << r;
  }
}

TEST(ColumnBuilderTest, AppendingPastWhatWasReservedAndReusingAfterFinishWork) {
  ColumnBuilder b(Type::Int64, 10);
  for (int64_t r = 0; r < 100; ++r) b.append_i64(r);
  const Column first = b.finish();
  EXPECT_EQ(b.size(), 0);
  b.reserve(3);
  for (int64_t r = 0; r < 3; ++r) b.append_i64(-r);
  const Column second = b.finish();
  ASSERT_EQ(first.size(), 100);
  ASSERT_EQ(second.size(), 3);
  for (int64_t r = 0; r < 100; ++r) ASSERT_EQ(first.i64(r), r);
  for (int64_t r = 0; r < 3; ++r) EXPECT_EQ(second.i64(r), -r);

  ColumnBuilder s(Type::Utf8);
  s.append_str("x");
  const Column one = s.finish();
  s.append_str("yz");
  const Column two = s.finish();
  EXPECT_EQ(one.str(0), "x");
  EXPECT_EQ(two.str(0), "yz");
  EXPECT_EQ(two.size(), 1);
}

TEST(ColumnBuilderTest, AnEmptyColumnHasNoRowsAndAValuesPointer) {
  for (Type t : {Type::Bool, Type::Int32, Type::Int64, Type::Float32, Type::Float64, Type::TimestampUs, Type::Utf8}) {
    ColumnBuilder b(t);
    const Column c = b.finish();
    EXPECT_EQ(c.size(), 0);
    EXPECT_NE(c.values_buffer(), nullptr);
  }
}

}  // namespace
}  // namespace trestle
