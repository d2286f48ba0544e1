#include "value_parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "type_inference.h"

namespace trestle_io {
namespace {

TEST(ValueParser, Integers) {
  int64_t v;
  EXPECT_TRUE(parse_int64("42", &v) && v == 42);
  EXPECT_TRUE(parse_int64("+7", &v) && v == 7);
  EXPECT_TRUE(parse_int64("-9223372036854775808", &v) && v == INT64_MIN);
  EXPECT_FALSE(parse_int64("9223372036854775808", &v));
  EXPECT_FALSE(parse_int64("1.0", &v));
  EXPECT_FALSE(parse_int64("", &v));
  EXPECT_FALSE(parse_int64("+", &v));
  EXPECT_FALSE(parse_int64("+-1", &v));
  EXPECT_FALSE(parse_int64("1e3", &v));
}

TEST(ValueParser, Floats) {
  double d;
  EXPECT_TRUE(parse_float64("1.5e3", &d) && d == 1500);
  EXPECT_TRUE(parse_float64("+.5", &d) && d == 0.5);
  EXPECT_TRUE(parse_float64("NaN", &d) && std::isnan(d));
  EXPECT_TRUE(parse_float64("-inf", &d) && d == -INFINITY);
  EXPECT_TRUE(parse_float64("Infinity", &d) && d == INFINITY);
  EXPECT_FALSE(parse_float64("1e400", &d));
  EXPECT_FALSE(parse_float64("1,5", &d));
  EXPECT_FALSE(parse_float64("0x10", &d));
  EXPECT_FALSE(parse_float64("abc", &d));
}

TEST(ValueParser, Bools) {
  bool b;
  EXPECT_TRUE(parse_bool("TRUE", &b) && b);
  EXPECT_TRUE(parse_bool("false", &b) && !b);
  EXPECT_TRUE(parse_bool("1", &b) && b);
  EXPECT_FALSE(parse_bool("yes", &b));
}

trestle::Type guess(std::initializer_list<const char*> values) {
  TypeGuess g;
  for (const char* v : values) g.observe(v);
  return g.result();
}

TEST(TypeInference, PicksTheNarrowestType) {
  EXPECT_EQ(guess({"1", "-2", " 3 "}), trestle::Type::Int64);
  EXPECT_EQ(guess({"0", "1"}), trestle::Type::Int64);  // not bool
  EXPECT_EQ(guess({"1", "2.5"}), trestle::Type::Float64);
  EXPECT_EQ(guess({"nan", "1"}), trestle::Type::Float64);
  EXPECT_EQ(guess({"true", "False"}), trestle::Type::Bool);
  EXPECT_EQ(guess({"true", "1"}), trestle::Type::Utf8);
  EXPECT_EQ(guess({"2024-01-01 00:00:00", "2024-01-01T00:00:00.5"}), trestle::Type::TimestampUs);
  EXPECT_EQ(guess({"2024-01-01"}), trestle::Type::Utf8);
  EXPECT_EQ(guess({"abc", "1"}), trestle::Type::Utf8);
  EXPECT_EQ(guess({}), trestle::Type::Utf8);
}

}  // namespace
}  // namespace trestle_io
