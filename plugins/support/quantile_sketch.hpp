#pragma once
// QuantileSketch: a mergeable quantile sketch with a relative error bound and bounded
// memory, in the manner of DDSketch (Masson, Rim and Lee, VLDB 2019).
//
// A finite value x with |x| >= kMinIndexable goes to bucket key(|x|) = ceil(log(|x|) /
// log(gamma)) of the positive or the negative store, gamma = (1 + a) / (1 - a) for the
// relative accuracy a; smaller magnitudes (zero and subnormals) go to the zero bucket.
// Bucket k holds magnitudes in (gamma^(k-1), gamma^k] and stands for the value
// 2 gamma^k / (gamma + 1), which is within a relative a of every magnitude it holds. So
// quantile(q) is within a * |x_q| of x_q, the value of rank floor(q * (count - 1)) of
// the values added (zero-bucket values are reported as 0).
//
// Memory: each store keeps at most max_buckets consecutive keys (8 bytes each). When a
// new key would widen a store beyond that, the store folds its lowest keys (the smallest
// magnitudes) into the lowest key it keeps: a value of key k then sits in bucket
// max(k, top - max_buckets + 1), top being the highest key the store has seen, and
// quantiles inside that folded range lose the bound (collapsed() says whether it
// happened). With a = 0.005 and 2048 buckets a store spans magnitudes over a ratio of
// gamma^2048 ~ 7.7e8 before folding.
//
// Merging is exact: because a value's final bucket depends only on its key and the
// highest key seen, merge(sketch(A), sketch(B)) == sketch(A u B), whether or not
// folding happened, in any order of adds and merges.
//
// Shared by the monitors plugin (profiles, drift) and the aggregate plugin
// (group_aggregate quantiles, whose partial sketches spill and merge).

#include <cstdint>
#include <utility>
#include <vector>

namespace trestle_support {

class QuantileSketch {
 public:
  static constexpr double kDefaultRelativeAccuracy = 0.005;
  static constexpr int32_t kDefaultMaxBuckets = 2048;
  /// Magnitudes below this (the smallest normal double) go to the zero bucket.
  static constexpr double kMinIndexable = 2.2250738585072014e-308;

  /// Throws trestle::InvalidArgument unless 0 < relative_accuracy < 1 and max_buckets >= 16.
  explicit QuantileSketch(double relative_accuracy = kDefaultRelativeAccuracy,
                          int32_t max_buckets = kDefaultMaxBuckets);

  /// One bucket store: counts of keys offset, offset + 1, ...
  struct Store {
    int32_t offset = 0;
    std::vector<int64_t> counts;
    bool collapsed = false;
    bool empty() const { return counts.empty(); }
    int64_t total() const;
  };

  /// Adds a finite value n times (the caller counts NaN and infinities apart).
  void add(double x, int64_t n = 1);
  /// Adds every value of `o`. Throws trestle::InvalidArgument when the parameters differ.
  void merge(const QuantileSketch& o);

  int64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool collapsed() const { return positive_.collapsed || negative_.collapsed; }
  double relative_accuracy() const { return alpha_; }
  int32_t max_buckets() const { return max_buckets_; }

  /// The representative value of rank floor(q * (count - 1)), q in [0, 1]; NaN when empty.
  double quantile(double q) const;
  /// The representative value of the bucket `x` falls into (as the sketch would store
  /// it, folding included): how the sketch "sees" x.
  double round(double x) const;
  /// Every non-empty bucket as (representative value, count), ascending by value.
  std::vector<std::pair<double, int64_t>> points() const;
  /// The largest value that falls into the bucket whose representative is `rep` or into
  /// a bucket below it (up to rounding at exact bucket boundaries): bin edges that put a
  /// raw value on the same side as the sketch puts its bucket.
  double upper_bound_of(double rep) const;

  /// Serialisation access.
  const Store& positive() const { return positive_; }
  const Store& negative() const { return negative_; }
  int64_t zero_count() const { return zero_; }
  /// Rebuilds a sketch from serialised parts; throws trestle::InvalidArgument when they
  /// are inconsistent (negative counts, a store wider than max_buckets).
  static QuantileSketch from_parts(double relative_accuracy, int32_t max_buckets, int64_t zero, Store positive,
                                   Store negative);

  /// Same parameters and the same count in every bucket.
  bool operator==(const QuantileSketch& o) const;
  bool operator!=(const QuantileSketch& o) const { return !(*this == o); }

 private:
  int32_t key(double magnitude) const;
  double value_of(int32_t key) const;
  void add_to(Store& s, int32_t key, int64_t n);

  double alpha_;
  int32_t max_buckets_;
  double gamma_, log_gamma_, inv_log_gamma_;
  Store positive_, negative_;
  int64_t zero_ = 0;
  int64_t count_ = 0;
};

}  // namespace trestle_support
