#pragma once
// What the monitors keep of one feature: its reference, prepared once at open (decile
// bins, the reference CDF, the domain), and its accumulator for the current window,
// updated per batch at a cost of a few comparisons per value. Statistics are computed
// from these only when a window closes.
//
// Memory per feature and window: numeric, a reservoir of at most sample_size values
// (Vitter's algorithm R, seeded per feature and window, so runs are reproducible) plus
// 11 bin counters; categorical, one counter per reference value plus at most
// max_new_values distinct values the reference never saw (further new values are
// counted, not kept).

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <trestle/column.hpp>

#include "profile.hpp"
#include "stats.hpp"

namespace monitors {

/// A reference column prepared for windows. Keeps a copy of the column profile.
struct FeatureReference {
  ColumnProfile column;
  // Numeric: bins (-inf, e_0], (e_0, e_1], ..., (e_last, inf) with e the distinct
  // representative values of the reference deciles (q = 0.1 ... 0.9 of the sketch).
  std::vector<double> edges;
  /// Raw-value edges: a window value x goes to the first bin whose upper edge is >= x,
  /// so it lands where the reference's sketch put its bucket.
  std::vector<double> thresholds;
  std::vector<double> bin_counts;   ///< reference counts per bin (edges.size() + 1)
  stats::Distribution distribution; ///< the sketch's buckets (value, count)
  double std = 0;                   ///< population standard deviation of the reference
  // Categorical: the domain and its counts, in the profile's order (count descending).
  std::vector<std::string> values;
  std::vector<double> counts;
  CountMap index;                   ///< value -> position in `values`
  double other = 0;                 ///< reference values folded into "other"
  bool complete() const { return other == 0; }  ///< every reference value is known

  explicit FeatureReference(const ColumnProfile& c);
  Kind kind() const { return column.kind; }
  const std::string& name() const { return column.name; }
};

/// Whether an input column of type `input` can be compared with reference `ref`;
/// otherwise `why` says what differs.
bool compatible(const ColumnProfile& ref, trestle::Type input, std::string* why);

struct AccumulatorOptions {
  int64_t sample_size = 10000;   ///< numeric reservoir
  int64_t max_new_values = 1000; ///< categorical values outside the reference kept by value
  bool keep_sample = true;
  /// Finite values outside [range_lo, range_hi] are counted as out of range.
  double range_lo = -std::numeric_limits<double>::infinity();
  double range_hi = std::numeric_limits<double>::infinity();
};

/// One feature's window. `reference` must outlive it.
class FeatureAccumulator {
 public:
  FeatureAccumulator(const FeatureReference* reference, int input_index, AccumulatorOptions options);

  /// Starts a new window; the reservoir's random stream is seeded with `seed`.
  void reset(uint64_t seed);
  /// Adds the values of `c` (this feature's column of a slice of the window).
  void add(const trestle::Column& c);

  const FeatureReference& reference() const { return *ref_; }
  int input_index() const { return input_; }

  int64_t rows = 0;          ///< rows seen (nulls included)
  int64_t nulls = 0;
  int64_t nan = 0, inf = 0;  ///< numeric
  int64_t finite = 0;        ///< numeric: values that enter the statistics
  double mean = 0, m2 = 0, min = 0, max = 0;  ///< numeric, of the finite values
  int64_t out_of_range = 0;
  double lowest_out = 0, highest_out = 0;      ///< extremes of the out-of-range values
  std::vector<int64_t> bins;  ///< numeric: window counts per reference bin
  std::vector<double> sample; ///< numeric: the reservoir
  std::vector<int64_t> known; ///< categorical: window counts per reference value
  int64_t unseen = 0;         ///< categorical: values outside the reference domain
  CountMap new_values;        ///< the first max_new_values distinct of them, with counts

  /// Non-null values (categorical) or finite values (numeric): what the statistics use.
  int64_t n() const { return ref_->kind() == Kind::Numeric ? finite : rows - nulls; }

 private:
  void add_number(double v);
  const FeatureReference* ref_;
  int input_;
  AccumulatorOptions opt_;
  std::mt19937_64 rng_;
};

}  // namespace monitors
