#pragma once
// ExactSum: the exact sum of doubles as a list of non-overlapping partials (Shewchuk's
// adaptive-precision addition, as in Python's math.fsum), and its correctly rounded
// value. The value depends only on the multiset of values added, never on the order of
// adds and merges, which is what makes group_aggregate's spilled and merged sums (and
// means) bit-identical to an in-memory run.
//
// NaN and infinities are kept apart as flags: any NaN, or both infinities, give NaN;
// one infinity gives it. Finite values whose running sum leaves the double range give
// the infinity of that sign (the one case where the order can matter, as the exact sum
// might come back into range).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace trestle_aggregate {

class ExactSum {
 public:
  static constexpr uint8_t kNaN = 1, kPosInf = 2, kNegInf = 4;

  void add(double x);
  void merge(const ExactSum& o);
  /// The correctly rounded sum; 0.0 when nothing was added.
  double value() const;

  uint8_t special() const { return special_; }
  const std::vector<double>& partials() const { return partials_; }
  /// Rebuilds a sum from serialised parts (partials as partials() gave them).
  static ExactSum from_parts(uint8_t special, std::vector<double> partials);
  size_t heap_capacity() const { return partials_.capacity() * sizeof(double); }

 private:
  std::vector<double> partials_;  // increasing magnitude, non-overlapping
  uint8_t special_ = 0;
};

}  // namespace trestle_aggregate
