#include "timestamp_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace trestle_support {
namespace {

int64_t parse(const std::string& s) {
  int64_t v = -42;
  EXPECT_TRUE(parse_timestamp(s, &v)) << s;
  return v;
}

std::string format(int64_t micros) {
  std::string s;
  append_timestamp(s, micros);
  return s;
}

TEST(Timestamp, ParsesIso8601) {
  EXPECT_EQ(parse("1970-01-01 00:00:00"), 0);
  EXPECT_EQ(parse("1970-01-01T00:00:01.5"), 1500000);
  EXPECT_EQ(parse("2023-11-14T22:13:20.123456"), 1700000000123456);
  EXPECT_EQ(parse("2023-11-14T22:13:20.123456789"), 1700000000123456);  // truncated to micros
  EXPECT_EQ(parse("2023-11-14T22:13:20Z"), 1700000000000000);
  EXPECT_EQ(parse("2023-11-15T00:13:20+02:00"), 1700000000000000);
  EXPECT_EQ(parse("1969-12-31 23:59:59.999999"), -1);
  EXPECT_EQ(parse("2000-02-29 12:00:00"), 951825600000000);
}

TEST(Timestamp, RefusesOtherText) {
  int64_t v;
  for (const char* s : {"", "2023-11-14", "2023-11-14 22:13", "2023-02-29 00:00:00", "2023-13-01 00:00:00",
                        "2023-01-01 24:00:00", "2023-01-01 00:00:00.", "2023-01-01 00:00:00 ", "2023/01/01 00:00:00",
                        "2023-01-01 00:00:00+0200", "abc"})
    EXPECT_FALSE(parse_timestamp(s, &v)) << s;
}

TEST(Timestamp, FormatsAndRoundTrips) {
  EXPECT_EQ(format(0), "1970-01-01T00:00:00.000000");
  EXPECT_EQ(format(-1), "1969-12-31T23:59:59.999999");
  EXPECT_EQ(format(1700000000123456), "2023-11-14T22:13:20.123456");
  EXPECT_EQ(format(951782400000000), "2000-02-29T00:00:00.000000");
  EXPECT_EQ(format(253402300799999999), "9999-12-31T23:59:59.999999");
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{951825600000001}, int64_t{-62135596800000000},
                    int64_t{253402300799999999}})
    EXPECT_EQ(parse(format(v)), v);
}

}  // namespace
}  // namespace trestle_support
