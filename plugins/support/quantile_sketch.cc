#include "quantile_sketch.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

#include <trestle/error.hpp>

namespace trestle_support {
namespace {

// The non-empty buckets of a store as (key, count), ascending by key.
std::vector<std::pair<int32_t, int64_t>> nonzero(const QuantileSketch::Store& s) {
  std::vector<std::pair<int32_t, int64_t>> v;
  for (size_t i = 0; i < s.counts.size(); ++i)
    if (s.counts[i] != 0) v.emplace_back(s.offset + static_cast<int32_t>(i), s.counts[i]);
  return v;
}

// Lays `s` out over keys [lo, hi] (hi >= its top key), folding every key below lo into
// lo. `s` is not empty.
void relayout(QuantileSketch::Store& s, int64_t lo, int64_t hi) {
  const int64_t old_lo = s.offset;
  const int64_t old_hi = old_lo + static_cast<int64_t>(s.counts.size()) - 1;
  if (lo == old_lo && hi == old_hi) return;
  if (lo == old_lo) {
    s.counts.resize(static_cast<size_t>(hi - lo + 1), 0);
    return;
  }
  std::vector<int64_t> c(static_cast<size_t>(hi - lo + 1), 0);
  for (size_t i = 0; i < s.counts.size(); ++i) c[static_cast<size_t>(std::max(old_lo + static_cast<int64_t>(i), lo) - lo)] += s.counts[i];
  s.counts.swap(c);
  s.offset = static_cast<int32_t>(lo);
}

}  // namespace

int64_t QuantileSketch::Store::total() const {
  int64_t t = 0;
  for (int64_t c : counts) t += c;
  return t;
}

QuantileSketch::QuantileSketch(double relative_accuracy, int32_t max_buckets)
    : alpha_(relative_accuracy), max_buckets_(max_buckets) {
  if (!(relative_accuracy > 0 && relative_accuracy < 1))
    throw trestle::InvalidArgument("sketch relative accuracy must be in (0, 1), got " + std::to_string(relative_accuracy));
  if (max_buckets < 16) throw trestle::InvalidArgument("sketch max_buckets must be at least 16, got " + std::to_string(max_buckets));
  gamma_ = (1 + alpha_) / (1 - alpha_);
  log_gamma_ = std::log(gamma_);
  inv_log_gamma_ = 1 / log_gamma_;
}

int32_t QuantileSketch::key(double magnitude) const {
  return static_cast<int32_t>(std::ceil(std::log(magnitude) * inv_log_gamma_));
}

double QuantileSketch::value_of(int32_t k) const {
  // 2 gamma^k / (gamma + 1), computed in logs so that the top keys do not overflow.
  double v = std::exp(static_cast<double>(k) * log_gamma_ + std::log(2 / (gamma_ + 1)));
  return std::isfinite(v) ? v : DBL_MAX;
}

void QuantileSketch::add_to(Store& s, int32_t k, int64_t n) {
  if (s.counts.empty()) {
    s.offset = k;
    s.counts.assign(1, n);
    return;
  }
  int64_t lo = std::min<int64_t>(s.offset, k);
  const int64_t hi = std::max<int64_t>(s.offset + static_cast<int64_t>(s.counts.size()) - 1, k);
  if (hi - lo + 1 > max_buckets_) {
    lo = hi - max_buckets_ + 1;
    s.collapsed = true;
  }
  relayout(s, lo, hi);
  s.counts[static_cast<size_t>(std::max<int64_t>(k, lo) - lo)] += n;
}

void QuantileSketch::add(double x, int64_t n) {
  if (n <= 0 || !std::isfinite(x)) return;
  const double m = std::fabs(x);
  if (m < kMinIndexable) zero_ += n;
  else add_to(x > 0 ? positive_ : negative_, key(m), n);
  count_ += n;
}

void QuantileSketch::merge(const QuantileSketch& o) {
  if (o.alpha_ != alpha_ || o.max_buckets_ != max_buckets_)
    throw trestle::InvalidArgument("cannot merge sketches with different parameters (relative accuracy " +
                                   std::to_string(alpha_) + " and " + std::to_string(o.alpha_) + ", max buckets " +
                                   std::to_string(max_buckets_) + " and " + std::to_string(o.max_buckets_) + ")");
  auto merge_store = [&](Store& s, const Store& t) {
    if (t.counts.empty()) return;
    if (s.counts.empty()) {
      s = t;
      return;
    }
    // Widen once to the union of both ranges, then add bucket by bucket.
    int64_t lo = std::min<int64_t>(s.offset, t.offset);
    const int64_t hi = std::max<int64_t>(s.offset + static_cast<int64_t>(s.counts.size()),
                                         t.offset + static_cast<int64_t>(t.counts.size())) - 1;
    s.collapsed = s.collapsed || t.collapsed;
    if (hi - lo + 1 > max_buckets_) {
      lo = hi - max_buckets_ + 1;
      s.collapsed = true;
    }
    relayout(s, lo, hi);
    for (size_t i = 0; i < t.counts.size(); ++i)
      s.counts[static_cast<size_t>(std::max<int64_t>(t.offset + static_cast<int64_t>(i), lo) - lo)] += t.counts[i];
  };
  merge_store(positive_, o.positive_);
  merge_store(negative_, o.negative_);
  zero_ += o.zero_;
  count_ += o.count_;
}

double QuantileSketch::quantile(double q) const {
  if (count_ == 0 || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<int64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  int64_t seen = 0;
  for (size_t i = negative_.counts.size(); i-- > 0;) {
    seen += negative_.counts[i];
    if (seen > rank) return -value_of(negative_.offset + static_cast<int32_t>(i));
  }
  seen += zero_;
  if (seen > rank) return 0;
  for (size_t i = 0; i < positive_.counts.size(); ++i) {
    seen += positive_.counts[i];
    if (seen > rank) return value_of(positive_.offset + static_cast<int32_t>(i));
  }
  // Not reached: the counts add up to count_.
  return positive_.counts.empty() ? 0 : value_of(positive_.offset + static_cast<int32_t>(positive_.counts.size()) - 1);
}

double QuantileSketch::round(double x) const {
  if (!std::isfinite(x)) return x;
  const double m = std::fabs(x);
  if (m < kMinIndexable) return 0;
  const Store& s = x > 0 ? positive_ : negative_;
  int32_t k = key(m);
  if (s.collapsed && k < s.offset) k = s.offset;
  return x > 0 ? value_of(k) : -value_of(k);
}

std::vector<std::pair<double, int64_t>> QuantileSketch::points() const {
  std::vector<std::pair<double, int64_t>> p;
  for (size_t i = negative_.counts.size(); i-- > 0;)
    if (negative_.counts[i] != 0) p.emplace_back(-value_of(negative_.offset + static_cast<int32_t>(i)), negative_.counts[i]);
  if (zero_ != 0) p.emplace_back(0.0, zero_);
  for (size_t i = 0; i < positive_.counts.size(); ++i)
    if (positive_.counts[i] != 0) p.emplace_back(value_of(positive_.offset + static_cast<int32_t>(i)), positive_.counts[i]);
  return p;
}

double QuantileSketch::upper_bound_of(double rep) const {
  if (rep == 0) return std::nextafter(kMinIndexable, 0.0);
  if (rep > 0) {
    double v = std::exp(static_cast<double>(key(rep)) * log_gamma_);
    return std::isfinite(v) ? v : DBL_MAX;
  }
  const int32_t k = key(-rep);
  // A folded floor bucket of the negative store holds every magnitude below it.
  if (negative_.collapsed && k <= negative_.offset) return -kMinIndexable;
  return std::nextafter(-std::exp(static_cast<double>(k - 1) * log_gamma_), -DBL_MAX);
}

QuantileSketch QuantileSketch::from_parts(double relative_accuracy, int32_t max_buckets, int64_t zero, Store positive,
                                          Store negative) {
  QuantileSketch s(relative_accuracy, max_buckets);
  if (zero < 0) throw trestle::InvalidArgument("sketch zero count is negative");
  int64_t total = zero;
  for (const Store* st : {&positive, &negative}) {
    if (st->counts.size() > static_cast<size_t>(max_buckets))
      throw trestle::InvalidArgument("sketch store has " + std::to_string(st->counts.size()) + " buckets, more than max_buckets " +
                                     std::to_string(max_buckets));
    for (int64_t c : st->counts) {
      if (c < 0) throw trestle::InvalidArgument("sketch bucket count is negative");
      total += c;
    }
    if (static_cast<int64_t>(st->offset) + static_cast<int64_t>(st->counts.size()) > std::numeric_limits<int32_t>::max())
      throw trestle::InvalidArgument("sketch bucket key out of range");
  }
  s.positive_ = std::move(positive);
  s.negative_ = std::move(negative);
  s.zero_ = zero;
  s.count_ = total;
  return s;
}

bool QuantileSketch::operator==(const QuantileSketch& o) const {
  return alpha_ == o.alpha_ && max_buckets_ == o.max_buckets_ && zero_ == o.zero_ && count_ == o.count_ &&
         positive_.collapsed == o.positive_.collapsed && negative_.collapsed == o.negative_.collapsed &&
         nonzero(positive_) == nonzero(o.positive_) && nonzero(negative_) == nonzero(o.negative_);
}

}  // namespace trestle_support
