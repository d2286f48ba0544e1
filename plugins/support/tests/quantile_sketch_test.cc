#include "quantile_sketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <trestle/error.hpp>

namespace trestle_support {
namespace {

// The message of the trestle::Error that f throws, or "" when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const trestle::Error& e) {
    return e.what();
  }
  return "";
}

std::vector<double> mixed_values(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> ln(0, 2);
  std::uniform_int_distribution<int> pick(0, 9);
  std::vector<double> v(n);
  for (auto& x : v) {
    int p = pick(rng);
    x = p == 0 ? 0.0 : p <= 3 ? -ln(rng) : ln(rng);
  }
  return v;
}

void expect_within_bound(const QuantileSketch& s, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const double alpha = s.relative_accuracy();
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0;
    const double truth = values[static_cast<size_t>(std::floor(q * static_cast<double>(values.size() - 1)))];
    const double est = s.quantile(q);
    EXPECT_LE(std::fabs(est - truth), alpha * std::fabs(truth) * (1 + 1e-9)) << "q " << q << " truth " << truth << " est " << est;
  }
}

TEST(QuantileSketch, QuantilesAreWithinTheRelativeAccuracy) {
  auto values = mixed_values(100000, 7);
  QuantileSketch s;
  for (double v : values) s.add(v);
  EXPECT_EQ(s.count(), 100000);
  EXPECT_FALSE(s.collapsed());
  expect_within_bound(s, values);

  QuantileSketch coarse(0.02);
  for (double v : values) coarse.add(v);
  expect_within_bound(coarse, values);
}

TEST(QuantileSketch, MemoryIsBoundedByMaxBuckets) {
  QuantileSketch s(0.01, 64);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> exponent(-30, 30);
  for (int i = 0; i < 200000; ++i) {
    const double v = std::pow(10.0, exponent(rng));
    s.add(i % 2 ? v : -v);
  }
  EXPECT_TRUE(s.collapsed());
  EXPECT_LE(s.positive().counts.size(), 64u);
  EXPECT_LE(s.negative().counts.size(), 64u);
  EXPECT_EQ(s.count(), 200000);
  // The largest magnitudes keep the bound: the top quantile is the largest value's bucket.
  EXPECT_NEAR(s.quantile(1.0), 1e30, 0.01 * 1e30);
  EXPECT_NEAR(s.quantile(0.0), -1e30, 0.01 * 1e30);
}

TEST(QuantileSketch, MergeOfPartsEqualsTheWhole) {
  auto values = mixed_values(20000, 11);
  QuantileSketch whole, a, b;
  for (size_t i = 0; i < values.size(); ++i) {
    whole.add(values[i]);
    (i < 7000 ? a : b).add(values[i]);
  }
  QuantileSketch ab = a, ba = b;
  ab.merge(b);
  ba.merge(a);
  EXPECT_TRUE(ab == whole);
  EXPECT_TRUE(ba == whole);
}

TEST(QuantileSketch, MergeStaysExactWhenBucketsFold) {
  // Magnitudes over 40 decades into 32 buckets: every part folds differently.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> exponent(-20, 20);
  std::vector<double> values(30000);
  for (auto& v : values) v = std::pow(10.0, exponent(rng));
  std::sort(values.begin(), values.begin() + 10000);  // one part sees small values first
  QuantileSketch whole(0.01, 32), p1(0.01, 32), p2(0.01, 32), p3(0.01, 32);
  for (size_t i = 0; i < values.size(); ++i) {
    whole.add(values[i]);
    (i < 10000 ? p1 : i < 12000 ? p2 : p3).add(values[i]);
  }
  ASSERT_TRUE(whole.collapsed());
  QuantileSketch m = p2;
  m.merge(p3);
  m.merge(p1);
  EXPECT_TRUE(m == whole);
}

TEST(QuantileSketch, MergeRefusesOtherParameters) {
  QuantileSketch a(0.01), b(0.02);
  EXPECT_NE(error_of([&] { a.merge(b); }).find("different parameters"), std::string::npos);
}

TEST(QuantileSketch, RoundAndUpperBoundAgreeWithTheBuckets) {
  QuantileSketch s;
  for (double v : mixed_values(5000, 2)) s.add(v);
  for (double x : mixed_values(5000, 9)) {
    const double r = s.round(x);
    EXPECT_LE(std::fabs(r - x), s.relative_accuracy() * std::fabs(x) * (1 + 1e-9));
    EXPECT_LE(x, s.upper_bound_of(r)) << x;
  }
  EXPECT_EQ(s.round(0.0), 0.0);
  EXPECT_EQ(s.round(1e-320), 0.0);  // subnormal: the zero bucket
}

TEST(QuantileSketch, PointsAscendAndCountEverything) {
  QuantileSketch s;
  for (double v : {-3.0, -3.0, 0.0, 1.0, 2.0, 2.0, 2.0}) s.add(v);
  s.add(std::nan(""));
  s.add(INFINITY);
  auto p = s.points();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[0].first, -3, 0.015);
  EXPECT_EQ(p[0].second, 2);
  EXPECT_EQ(p[1].first, 0);
  EXPECT_NEAR(p[3].first, 2, 0.01);
  EXPECT_EQ(p[3].second, 3);
  EXPECT_EQ(s.count(), 7);  // NaN and infinities are not added
  EXPECT_TRUE(std::isnan(QuantileSketch().quantile(0.5)));
}

}  // namespace
}  // namespace trestle_support
