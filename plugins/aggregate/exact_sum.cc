#include "exact_sum.hpp"

#include <cmath>
#include <limits>
#include <utility>

namespace trestle_aggregate {

void ExactSum::add(double x) {
  if (!std::isfinite(x)) {
    special_ |= std::isnan(x) ? kNaN : x > 0 ? kPosInf : kNegInf;
    return;
  }
  size_t kept = 0;
  for (size_t j = 0; j < partials_.size(); ++j) {
    double y = partials_[j];
    if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
    const double hi = x + y;
    if (!std::isfinite(hi)) {
      special_ |= hi > 0 ? kPosInf : kNegInf;
      partials_.clear();
      return;
    }
    const double lo = y - (hi - x);
    if (lo != 0) partials_[kept++] = lo;
    x = hi;
  }
  partials_.resize(kept);
  partials_.push_back(x);
}

void ExactSum::merge(const ExactSum& o) {
  special_ |= o.special_;
  for (double p : o.partials_) add(p);
}

double ExactSum::value() const {
  if ((special_ & kNaN) || ((special_ & kPosInf) && (special_ & kNegInf))) return std::numeric_limits<double>::quiet_NaN();
  if (special_ & kPosInf) return std::numeric_limits<double>::infinity();
  if (special_ & kNegInf) return -std::numeric_limits<double>::infinity();
  if (partials_.empty()) return 0.0;
  // Sum from the largest partial down until the rest cannot change the result, then
  // correct a half-way case by the sign of what is left (round half to even on the
  // exact value, not on its truncation).
  size_t n = partials_.size();
  double hi = partials_[--n];
  double lo = 0;
  while (n > 0) {
    const double x = hi;
    const double y = partials_[--n];
    hi = x + y;
    const double yr = hi - x;
    lo = y - yr;
    if (lo != 0) break;
  }
  if (n > 0 && ((lo < 0 && partials_[n - 1] < 0) || (lo > 0 && partials_[n - 1] > 0))) {
    const double y = lo * 2;
    const double x = hi + y;
    const double yr = x - hi;
    if (y == yr) hi = x;
  }
  return hi;
}

ExactSum ExactSum::from_parts(uint8_t special, std::vector<double> partials) {
  ExactSum s;
  s.special_ = special;
  s.partials_ = std::move(partials);
  return s;
}

}  // namespace trestle_aggregate
