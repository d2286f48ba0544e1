// Tests the operator in-process through the same C trampolines the runtime calls.
#include <gtest/gtest.h>

#include <trestle/testing.hpp>

#include "../clip.cc"

using trestle::testing::BatchBuilder;
using trestle::testing::Harness;

TEST(Clip, ClampsValuesAndKeepsNulls) {
  Harness<Clip> clip(trestle::Options().set("column", std::string("x")).set("hi", 2.0));
  trestle::Batch in = BatchBuilder().f64("x", {-1.0, 0.5, std::nullopt, 3.0}).str("id", {"a", "b", "c", "d"}).build();
  clip.open(in.schema());
  trestle::Batch out = clip.process(in);
  ASSERT_EQ(out.num_rows(), 4);
  const trestle::Column& x = out.column("x");
  EXPECT_EQ(x.f64(0), 0.0);
  EXPECT_EQ(x.f64(1), 0.5);
  EXPECT_TRUE(x.is_null(2));
  EXPECT_EQ(x.f64(3), 2.0);
  EXPECT_EQ(out.column("id").str(3), "d");
}

TEST(Clip, RefusesLoAboveHi) {
  try {
    Harness<Clip> clip(trestle::Options().set("column", std::string("x")).set("lo", 5.0));
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_EQ(e.code(), TRESTLE_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "lo must not exceed hi");
  }
}

TEST(Clip, RefusesAColumnOfAnotherType) {
  Harness<Clip> clip(trestle::Options().set("column", std::string("x")));
  try {
    clip.open(BatchBuilder().i64("x", {1}).build().schema());
    FAIL() << "expected InvalidArgument";
  } catch (const trestle::Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"x\" as float64"), std::string::npos) << e.what();
  }
}
