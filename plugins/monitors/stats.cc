#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace monitors::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

// Walks the union of both supports in ascending order, calling f(x, Fa(x), Fb(x), next)
// at each distinct value x, with the CDFs right-continuous at x and `next` the next
// value of the union (infinity after the last).
template <typename F>
void walk(const Distribution& a, const Distribution& b, F&& f) {
  size_t i = 0, j = 0;
  double ca = 0, cb = 0;
  const double inf = std::numeric_limits<double>::infinity();
  while (i < a.values.size() || j < b.values.size()) {
    const double xa = i < a.values.size() ? a.values[i] : inf;
    const double xb = j < b.values.size() ? b.values[j] : inf;
    const double x = std::min(xa, xb);
    if (xa == x) ca += a.weights[i++];
    if (xb == x) cb += b.weights[j++];
    const double next = std::min(i < a.values.size() ? a.values[i] : inf, j < b.values.size() ? b.values[j] : inf);
    f(x, ca / a.total, cb / b.total, next);
  }
}

}  // namespace

Distribution Distribution::from_values(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  if (!std::is_sorted(values.begin(), values.end())) std::sort(values.begin(), values.end());
  Distribution d;
  for (double v : values) {
    if (!d.values.empty() && d.values.back() == v) d.weights.back() += 1;
    else d.values.push_back(v), d.weights.push_back(1);
  }
  d.total = static_cast<double>(values.size());
  return d;
}

Distribution Distribution::from_points(const std::vector<std::pair<double, int64_t>>& points) {
  Distribution d;
  for (const auto& [v, n] : points) {
    if (n <= 0 || !std::isfinite(v)) continue;
    if (!d.values.empty() && d.values.back() == v) d.weights.back() += static_cast<double>(n);
    else d.values.push_back(v), d.weights.push_back(static_cast<double>(n));
    d.total += static_cast<double>(n);
  }
  return d;
}

std::vector<double> shares(const std::vector<double>& counts) {
  const double total = sum(counts);
  std::vector<double> s(counts.size(), 0.0);
  if (total > 0)
    for (size_t i = 0; i < counts.size(); ++i) s[i] = counts[i] / total;
  return s;
}

double psi(const std::vector<double>& expected_counts, const std::vector<double>& actual_counts) {
  if (sum(expected_counts) <= 0 || sum(actual_counts) <= 0 || expected_counts.size() != actual_counts.size()) return kNaN;
  const auto e = shares(expected_counts), a = shares(actual_counts);
  double s = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    const double ei = e[i] > 0 ? e[i] : kZeroShare;
    const double ai = a[i] > 0 ? a[i] : kZeroShare;
    s += (ai - ei) * std::log(ai / ei);
  }
  return s;
}

double js_distance(const std::vector<double>& p_counts, const std::vector<double>& q_counts) {
  if (sum(p_counts) <= 0 || sum(q_counts) <= 0 || p_counts.size() != q_counts.size()) return kNaN;
  const auto p = shares(p_counts), q = shares(q_counts);
  double d = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double m = (p[i] + q[i]) / 2;
    if (p[i] > 0) d += 0.5 * p[i] * std::log2(p[i] / m);
    if (q[i] > 0) d += 0.5 * q[i] * std::log2(q[i] / m);
  }
  return std::sqrt(std::clamp(d, 0.0, 1.0));
}

double linf(const std::vector<double>& p_counts, const std::vector<double>& q_counts) {
  if (sum(p_counts) <= 0 || sum(q_counts) <= 0 || p_counts.size() != q_counts.size()) return kNaN;
  const auto p = shares(p_counts), q = shares(q_counts);
  double d = 0;
  for (size_t i = 0; i < p.size(); ++i) d = std::max(d, std::fabs(p[i] - q[i]));
  return d;
}

ChiSquared chi_squared(const std::vector<double>& observed, const std::vector<double>& expected) {
  ChiSquared r;
  if (observed.size() != expected.size() || observed.empty()) {
    r.statistic = r.p_value = kNaN;
    return r;
  }
  for (size_t i = 0; i < observed.size(); ++i) {
    const double d = observed[i] - expected[i];
    r.statistic += d * d / expected[i];
  }
  r.df = static_cast<int>(observed.size()) - 1;
  r.p_value = r.df >= 1 ? chi2_sf(r.statistic, r.df) : 1.0;
  return r;
}

double ks_statistic(const Distribution& a, const Distribution& b) {
  if (a.empty() || b.empty()) return kNaN;
  double d = 0;
  walk(a, b, [&](double, double fa, double fb, double) { d = std::max(d, std::fabs(fa - fb)); });
  return std::min(d, 1.0);
}

double kolmogorov_sf(double lambda) {
  if (std::isnan(lambda)) return kNaN;
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    // P(K <= l) = sqrt(2 pi) / l * sum_k exp(-(2k - 1)^2 pi^2 / (8 l^2)): converges fast
    // for small l, where the alternating series below does not.
    const double f = -kPi * kPi / (8 * lambda * lambda);
    double s = 0;
    for (int k = 1; k <= 100; ++k) {
      const double t = std::exp(f * (2 * k - 1) * (2 * k - 1));
      s += t;
      if (t <= s * 1e-17) break;
    }
    return std::clamp(1 - std::sqrt(2 * kPi) / lambda * s, 0.0, 1.0);
  }
  // Q(l) = 2 sum_k (-1)^(k-1) exp(-2 k^2 l^2).
  double s = 0;
  for (int k = 1; k <= 100; ++k) {
    const double t = std::exp(-2.0 * k * k * lambda * lambda);
    s += (k % 2 == 1 ? t : -t);
    if (t <= std::fabs(s) * 1e-17) break;
  }
  return std::clamp(2 * s, 0.0, 1.0);
}

double ks_p_value(double d, double n, double m) {
  if (!(n > 0) || !(m > 0) || std::isnan(d)) return kNaN;
  const double en = n * m / (n + m);
  return kolmogorov_sf(std::sqrt(en) * d);
}

double wasserstein(const Distribution& a, const Distribution& b) {
  if (a.empty() || b.empty()) return kNaN;
  double area = 0;
  walk(a, b, [&](double x, double fa, double fb, double next) {
    if (std::isfinite(next)) area += std::fabs(fa - fb) * (next - x);
  });
  return area;
}

double normed_wasserstein(const Distribution& reference, const Distribution& current, double reference_std) {
  const double w = wasserstein(reference, current);
  return reference_std > 0 && std::isfinite(reference_std) ? w / reference_std : w;
}

double gamma_q(double a, double x) {
  if (std::isnan(a) || std::isnan(x) || a <= 0) return kNaN;
  if (x <= 0) return 1;
  if (std::isinf(x)) return 0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  constexpr double kEps = 1e-16;
  if (x < a + 1) {
    // Series for the lower function P(a, x) = 1 - Q(a, x).
    double ap = a, term = 1 / a, s = term;
    for (int i = 0; i < 10000; ++i) {
      ap += 1;
      term *= x / ap;
      s += term;
      if (std::fabs(term) < std::fabs(s) * kEps) break;
    }
    return std::clamp(1 - s * std::exp(log_prefix), 0.0, 1.0);
  }
  // Continued fraction for Q(a, x), evaluated by the modified Lentz method.
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < kEps) break;
  }
  return std::clamp(std::exp(log_prefix) * h, 0.0, 1.0);
}

double chi2_sf(double x, double df) {
  if (!(df > 0)) return kNaN;
  return gamma_q(df / 2, x / 2);
}

std::pair<std::vector<bool>, double> benjamini_hochberg(const std::vector<double>& p_values, double q) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p_values[x] < p_values[y]; });
  size_t k = 0;
  for (size_t r = 0; r < m; ++r)
    if (p_values[order[r]] <= static_cast<double>(r + 1) * q / static_cast<double>(m)) k = r + 1;
  std::vector<bool> rejected(m, false);
  for (size_t r = 0; r < k; ++r) rejected[order[r]] = true;
  return {rejected, k > 0 ? static_cast<double>(k) * q / static_cast<double>(m) : 0.0};
}

}  // namespace monitors::stats
