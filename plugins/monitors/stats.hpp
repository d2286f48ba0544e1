#pragma once
// Drift statistics: pure functions with their conventions pinned here and in
// docs/monitors.md. testdata/golden.py computes each one independently (scipy/numpy)
// on fixed inputs; tests/stats_test.cc compares.
//
//   psi          sum_i (a_i - e_i) ln(a_i / e_i): natural log; shares of the window (a)
//                and of the reference (e) over the same bins; a share of 0 on either
//                side is replaced by kZeroShare (1e-4), without renormalising.
//   ks           two-sample Kolmogorov-Smirnov statistic sup_x |F_ref(x) - F_cur(x)| of
//                the (weighted) empirical CDFs, both right-continuous.
//   ks_p         asymptotic two-sided p-value: Q_KS(sqrt(en) * ks), Q_KS the survival
//                function of the limiting Kolmogorov distribution, en = n m / (n + m)
//                (n, m the sample sizes). No small-sample correction.
//   js           Jensen-Shannon DISTANCE: sqrt of the JS divergence with log base 2, so
//                in [0, 1]; zero shares need no epsilon (0 log 0 = 0).
//   chi2, chi2_p Pearson's chi-squared statistic sum (o - e)^2 / e of observed counts
//                against expected counts (callers make every e > 0); p from the
//                chi-squared survival function with df = bins - 1, computed as the
//                regularised upper incomplete gamma Q(df / 2, chi2 / 2); a single bin
//                (df 0) gives p = 1.
//   linf         max_i |p_i - q_i| over share vectors.
//   wasserstein  normed Wasserstein-1: the area between the two CDFs divided by the
//                reference's standard deviation (population, ddof 0); when that is 0 or
//                not finite the area is divided by 1 (it is then in the feature's units).

#include <cstdint>
#include <utility>
#include <vector>

namespace monitors::stats {

/// The share that replaces an empty bin in PSI, and the expected share of the bin of
/// categories the reference never saw in chi-squared.
inline constexpr double kZeroShare = 1e-4;

/// A weighted empirical distribution: distinct values ascending, positive weights.
struct Distribution {
  std::vector<double> values;
  std::vector<double> weights;
  double total = 0;

  bool empty() const { return total <= 0; }
  /// From raw values (NaN and infinities are dropped; ties merged).
  static Distribution from_values(std::vector<double> values);
  /// From (value, count) points, ascending by value (e.g. QuantileSketch::points()).
  static Distribution from_points(const std::vector<std::pair<double, int64_t>>& points);
};

/// Shares of counts (each count / sum); all 0 when the sum is 0.
std::vector<double> shares(const std::vector<double>& counts);

/// Population Stability Index of `actual` against `expected` counts over the same bins.
double psi(const std::vector<double>& expected_counts, const std::vector<double>& actual_counts);
/// Jensen-Shannon distance (base 2) between two count vectors over the same bins.
double js_distance(const std::vector<double>& p_counts, const std::vector<double>& q_counts);
/// L-infinity distance between the share vectors of two count vectors.
double linf(const std::vector<double>& p_counts, const std::vector<double>& q_counts);

struct ChiSquared {
  double statistic = 0;
  double p_value = 1;
  int df = 0;
};
/// Pearson's chi-squared test; `expected` must be positive and is used as given (the
/// caller scales it to the observed total).
ChiSquared chi_squared(const std::vector<double>& observed, const std::vector<double>& expected);

/// Two-sample KS statistic of two distributions.
double ks_statistic(const Distribution& a, const Distribution& b);
/// Asymptotic p-value of KS statistic d for sample sizes n and m.
double ks_p_value(double d, double n, double m);
/// Survival function of the Kolmogorov distribution, P(K > lambda).
double kolmogorov_sf(double lambda);

/// Wasserstein-1 distance (area between the CDFs) of two distributions.
double wasserstein(const Distribution& a, const Distribution& b);
/// wasserstein(reference, current) / reference_std (by 1 when reference_std is 0 or
/// not finite).
double normed_wasserstein(const Distribution& reference, const Distribution& current, double reference_std);

/// Regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a), a > 0.
double gamma_q(double a, double x);
/// Survival function of the chi-squared distribution with `df` degrees of freedom.
double chi2_sf(double x, double df);

/// Benjamini-Hochberg at level q over `p_values`: for each, whether it is rejected,
/// and the cutoff k q / m (k the number rejected; 0 when none is).
std::pair<std::vector<bool>, double> benjamini_hochberg(const std::vector<double>& p_values, double q);

}  // namespace monitors::stats
