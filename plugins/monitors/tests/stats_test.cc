// Each statistic against golden values that testdata/golden.py computed independently
// with numpy/scipy (testdata/golden.json). Tolerances: 1e-9 relative (plus 1e-12
// absolute) for everything computed the same way; p-values in their far tail (below
// 1e-100) 1e-6 relative; scipy's ks_2samp(mode='asymp') p-value, which uses the
// finite-n distribution, loosely (see KolmogorovSmirnov below).
#include "stats.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "support.hpp"

namespace mt {
namespace {

namespace st = monitors::stats;

const json& golden() {
  static const json g = [] {
    std::ifstream in(testdata("golden.json"));
    std::stringstream s;
    s << in.rdbuf();
    return json::parse(s.str());
  }();
  return g;
}

std::vector<double> vec(const json& j) { return j.get<std::vector<double>>(); }

void expect_close(double actual, double expected, double rel = 1e-9, double abs = 1e-12) {
  EXPECT_NEAR(actual, expected, std::max(abs, rel * std::fabs(expected))) << "expected " << expected;
}

TEST(Stats, PsiMatchesGolden) {
  ASSERT_FALSE(golden()["psi"].empty());
  for (const auto& c : golden()["psi"]) expect_close(st::psi(vec(c["expected"]), vec(c["actual"])), c["psi"]);
}

TEST(Stats, JensenShannonDistanceMatchesScipy) {
  for (const auto& c : golden()["js"]) expect_close(st::js_distance(vec(c["p"]), vec(c["q"])), c["js"]);
  EXPECT_DOUBLE_EQ(st::js_distance({1, 0}, {0, 1}), 1.0);  // a distance in [0, 1] (base 2)
}

TEST(Stats, LinfMatchesGolden) {
  for (const auto& c : golden()["linf"]) expect_close(st::linf(vec(c["p"]), vec(c["q"])), c["linf"]);
}

TEST(Stats, ChiSquaredMatchesScipy) {
  for (const auto& c : golden()["chi2"]) {
    st::ChiSquared r = st::chi_squared(vec(c["observed"]), vec(c["expected"]));
    expect_close(r.statistic, c["chi2"]);
    EXPECT_EQ(r.df, c["df"].get<int>());
    const double p = c["p"];
    if (p < 1e-100) expect_close(r.p_value, p, 1e-6, 1e-300);
    else expect_close(r.p_value, p, 1e-9, 1e-15);
  }
}

TEST(Stats, IncompleteGammaAndChiSquaredSurvivalMatchScipy) {
  for (const auto& c : golden()["gamma_q"]) {
    SCOPED_TRACE("a " + c["a"].dump() + " x " + c["x"].dump());
    expect_close(st::gamma_q(c["a"], c["x"]), c["q"], 1e-9, 1e-300);
  }
  for (const auto& c : golden()["chi2_sf"]) expect_close(st::chi2_sf(c["x"], c["df"]), c["sf"], 1e-9, 1e-300);
}

TEST(Stats, KolmogorovSurvivalMatchesScipy) {
  for (const auto& c : golden()["kolmogorov_sf"]) {
    SCOPED_TRACE("lambda " + c["lambda"].dump());
    expect_close(st::kolmogorov_sf(c["lambda"]), c["sf"], 1e-9, 1e-15);
  }
}

TEST(Stats, KolmogorovSmirnovMatchesScipy) {
  for (const auto& c : golden()["ks"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto a = st::Distribution::from_values(vec(c["a"]));
    auto b = st::Distribution::from_values(vec(c["b"]));
    const double d = st::ks_statistic(a, b);
    expect_close(d, c["ks"]);
    const double p = st::ks_p_value(d, a.total, b.total);
    expect_close(p, c["p"], 1e-9, 1e-15);  // kstwobign.sf(sqrt(en) D): our convention
    // scipy's 'asymp' evaluates the finite-n distribution at round(en): the two agree to
    // O(1/sqrt(en)). Stated tolerance for en >= 100: 0.02 absolute and a factor 1.5.
    const double en = a.total * b.total / (a.total + b.total);
    const double sp = c["scipy_asymp_p"];
    if (en >= 100) {
      EXPECT_NEAR(p, sp, 0.02);
      EXPECT_LT(std::max(p, sp) / std::min(p, sp), 1.5);
    } else {
      EXPECT_NEAR(p, sp, 0.1);
    }
    EXPECT_EQ(st::ks_statistic(a, b), st::ks_statistic(b, a));
  }
}

TEST(Stats, WassersteinMatchesScipy) {
  for (const auto& c : golden()["wasserstein"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto ref = st::Distribution::from_values(vec(c["reference"]));
    auto cur = st::Distribution::from_values(vec(c["current"]));
    expect_close(st::wasserstein(ref, cur), c["wasserstein"]);
    expect_close(st::normed_wasserstein(ref, cur, c["reference_std"]), c["normed"]);
  }
  // A constant reference (std 0): the area divided by 1.
  auto ref = st::Distribution::from_values({5, 5, 5});
  auto cur = st::Distribution::from_values({5, 6});
  EXPECT_DOUBLE_EQ(st::normed_wasserstein(ref, cur, 0.0), 0.5);
}

TEST(Stats, WeightedPointsEqualRepeatedValues) {
  auto points = st::Distribution::from_points({{1.0, 3}, {2.0, 1}, {4.0, 2}});
  auto values = st::Distribution::from_values({1, 1, 1, 2, 4, 4});
  auto other = st::Distribution::from_values({0.5, 2.5, 3, 3.5});
  EXPECT_DOUBLE_EQ(st::ks_statistic(points, other), st::ks_statistic(values, other));
  EXPECT_DOUBLE_EQ(st::wasserstein(points, other), st::wasserstein(values, other));
}

TEST(Stats, EmptyInputsGiveNaNNotADivisionByZero) {
  EXPECT_TRUE(std::isnan(st::psi({0, 0}, {1, 2})));
  EXPECT_TRUE(std::isnan(st::js_distance({1, 2}, {0, 0})));
  EXPECT_TRUE(std::isnan(st::ks_statistic(st::Distribution{}, st::Distribution::from_values({1}))));
  EXPECT_EQ(st::chi_squared({5}, {5}).p_value, 1.0);  // one bin: df 0
  // A bin empty on one side: PSI uses the 1e-4 share instead of dividing by zero.
  EXPECT_TRUE(std::isfinite(st::psi({10, 0}, {5, 5})));
}

TEST(Stats, BenjaminiHochbergRejectsTheRightOnes) {
  // m = 5, q = 0.05: cutoffs 0.01, 0.02, 0.03, 0.04, 0.05 by rank.
  auto [reject, cutoff] = st::benjamini_hochberg({0.045, 0.001, 0.5, 0.025, 0.012}, 0.05);
  EXPECT_EQ(reject, (std::vector<bool>{false, true, false, true, true}));
  EXPECT_DOUBLE_EQ(cutoff, 0.03);
  auto none = st::benjamini_hochberg({0.2, 0.3}, 0.05);
  EXPECT_EQ(none.first, (std::vector<bool>{false, false}));
  EXPECT_EQ(none.second, 0.0);
}

}  // namespace
}  // namespace mt
