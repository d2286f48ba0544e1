#include "text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace features {
namespace {

int64_t ts(const std::string& s) {
  int64_t us = 0;
  EXPECT_TRUE(parse_timestamp(s, us)) << s;
  return us;
}

bool bad_ts(const std::string& s) {
  int64_t us;
  return !parse_timestamp(s, us);
}

TEST(Text, TimestampForms) {
  EXPECT_EQ(ts("1970-01-01"), 0);
  EXPECT_EQ(ts("2024-03-01T12:30"), 1709296200000000);
  EXPECT_EQ(ts("2024-03-01t12:30:00z"), 1709296200000000);
  EXPECT_EQ(ts(" 2024-03-01 12:30:00.5+02:00 "), 1709289000500000);
  EXPECT_EQ(ts("2000-02-29T23:59:59.123456-0530"), 951888599123456);
  EXPECT_EQ(ts("2024-03-01T14:30:00+02"), 1709296200000000);
  EXPECT_EQ(ts("1969-12-31T23:59:59.999999"), -1);
}

TEST(Text, TimestampMistakes) {
  for (const char* s : {"", "2024-3-1", "2023-02-29", "2024-13-01", "2024-01-32", "2024-01-01T24:00", "2024-01-01T12",
                        "2024-01-01T12:00:00.", "2024-01-01T12:00:00.1234567", "2024-01-01T12:00Zx", "2024-01-01T12:00+2",
                        "2024-01-01X12:00", "2024/01/01"})
    EXPECT_TRUE(bad_ts(s)) << s;
}

TEST(Text, TimestampRoundTrip) {
  char buf[kTextBuffer];
  for (int64_t us : {int64_t{0}, int64_t{-1}, int64_t{1709289000500000}, int64_t{951888599123456}, int64_t{-62135596800000000}}) {
    std::string s(format_timestamp(us, buf));
    EXPECT_EQ(ts(s), us) << s;
  }
  EXPECT_EQ(format_timestamp(-62135596800000000, buf), "0001-01-01T00:00:00");
}

TEST(Text, Numbers) {
  int64_t i;
  double d;
  EXPECT_EQ(parse_int64(" -12 ", i), ParseStatus::Ok);
  EXPECT_EQ(i, -12);
  EXPECT_EQ(parse_int64("9223372036854775808", i), ParseStatus::Range);
  EXPECT_EQ(parse_int64("12abc", i), ParseStatus::Syntax);
  EXPECT_EQ(parse_int64("++1", i), ParseStatus::Syntax);
  EXPECT_EQ(parse_double("1e500", d), ParseStatus::Range);
  EXPECT_EQ(parse_double("-inf", d), ParseStatus::Ok);
  EXPECT_TRUE(std::isinf(d));
  EXPECT_EQ(parse_double("0x10", d), ParseStatus::Syntax);
  char buf[kTextBuffer];
  EXPECT_EQ(format_double(0.1, buf), "0.1");
  EXPECT_EQ(format_int(-9223372036854775807 - 1, buf), "-9223372036854775808");
}

// Random bit patterns (subnormals and extremes as likely as anything) and the edges:
// the text cast writes reads back, with strtof/strtod, to the same bits.
TEST(Text, FloatsReadBackBitForBit) {
  char buf[kTextBuffer];
  std::mt19937_64 rng(11);
  std::vector<double> ds = {0.0, -0.0, 5e-324, -5e-324, 2.2250738585072009e-308, std::numeric_limits<double>::min(),
                            std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(), 0.1, 1.0 / 3};
  std::vector<float> fs = {0.0f, -0.0f, 1e-45f, -1e-45f, 1.17549421e-38f, std::numeric_limits<float>::min(),
                           std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(), 0.1f, 1.0f / 3};
  for (int i = 0; i < 100000; ++i) {
    const uint64_t u = rng();
    double d;
    float f;
    const auto u32 = static_cast<uint32_t>(u >> 32);
    std::memcpy(&d, &u, sizeof d);
    std::memcpy(&f, &u32, sizeof f);
    if (!std::isnan(d)) ds.push_back(d);
    if (!std::isnan(f)) fs.push_back(f);
  }
  for (double d : ds) {
    const std::string s(format_double(d, buf));
    const double back = std::strtod(s.c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << s;
  }
  for (float f : fs) {
    const std::string s(format_float(f, buf));
    const float back = std::strtof(s.c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&back, &f, sizeof f), 0) << s;
  }
  EXPECT_EQ(format_float(0.1f, buf), "0.1");
  EXPECT_EQ(format_float(-0.0f, buf), "-0");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity(), buf), "-inf");
  EXPECT_EQ(format_double(std::nan(""), buf), "nan");
}

TEST(Text, Bools) {
  bool b;
  EXPECT_TRUE(parse_bool("True", b) && b);
  EXPECT_TRUE(parse_bool(" 0", b) && !b);
  EXPECT_FALSE(parse_bool("yes", b));
}

}  // namespace
}  // namespace features
