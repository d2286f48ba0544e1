#pragma once
// Reference profiles: per column, what a data set looked like — type, counts of nulls,
// NaN and infinities; for numeric columns min, max, mean, variance and a quantile
// sketch; for categorical columns the frequency of every value (the domain). Profiles
// of parts merge into the profile of the whole, so they can be built over partitions.
// Written as JSON ("trestle-profile/1", docs/monitors.md).
//
// Merge exactness: counts, min, max, the sketch and categorical counts are exactly
// those of profiling the whole, as long as no categorical column held more than
// max_categories distinct values in the parts or the whole (then the least frequent
// fold into other_count; the total is still exact). mean and variance merge by Chan et
// al.'s pairwise formula and equal the whole's up to floating-point rounding.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <trestle/batch.hpp>
#include <trestle/schema.hpp>

#include "quantile_sketch.hpp"

namespace monitors {

// The sketch lives in plugins/support (shared with the aggregate plugin).
using trestle_support::QuantileSketch;

inline constexpr const char* kProfileFormat = "trestle-profile/1";

enum class Kind { Numeric, Categorical };
const char* kind_name(Kind k);

/// Hash for string keys that also looks up std::string_view without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using CountMap = std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>>;

/// Moments and the quantile sketch of the finite values of a numeric column.
struct NumericSummary {
  int64_t count = 0;  ///< finite values
  double min = 0, max = 0;  ///< meaningful when count > 0
  double mean = 0;
  double m2 = 0;  ///< sum of squared deviations from the mean
  QuantileSketch sketch;

  NumericSummary() = default;
  explicit NumericSummary(QuantileSketch s) : sketch(std::move(s)) {}
  void add(double x);  ///< a finite value
  void merge(const NumericSummary& o);
  /// Population variance (divided by count); NaN when empty.
  double variance() const;
};

/// Value frequencies, exact for up to `cap` distinct values; beyond, the least frequent
/// values fold into `other` (ties: the greater value in byte order folds first).
struct CategoricalCounts {
  int64_t cap = 10000;
  CountMap counts;
  int64_t other = 0;

  /// While building, the map may hold up to 2 x cap values before it folds to cap, so
  /// that folding is amortised; finish() folds to cap.
  void add(std::string_view v, int64_t n = 1);
  void merge(const CategoricalCounts& o);
  void finish() { fold(static_cast<size_t>(cap)); }
  /// Keeps the `keep` most frequent values.
  void fold(size_t keep);
  /// (value, count) by count descending, then value ascending.
  std::vector<std::pair<std::string, int64_t>> sorted() const;
  int64_t total() const;
};

struct ColumnProfile {
  std::string name;
  trestle::Type type = trestle::Type::Float64;
  Kind kind = Kind::Numeric;
  int64_t count = 0;       ///< non-null values (NaN and infinities included)
  int64_t null_count = 0;
  int64_t nan_count = 0;   ///< numeric columns
  int64_t inf_count = 0;   ///< numeric columns, +inf and -inf
  NumericSummary numeric;          ///< kind Numeric
  CategoricalCounts categorical;   ///< kind Categorical
  /// Numeric: every finite value was greater than all before it (in the order seen).
  bool ascending = true;

  int64_t rows() const { return count + null_count; }
  /// Whether the column looks like an identifier rather than a feature: at least
  /// kIdentifierMinValues values, and integers each greater than all before them, or
  /// categorical values each seen once. Its distribution says nothing about drift
  /// (every new day has new ids), so drift_monitor leaves it out by default.
  bool identifier() const;
  static constexpr int64_t kIdentifierMinValues = 100;
  /// null_count / rows; 0 when there were no rows.
  double null_share() const;
};

struct Profile {
  int64_t rows = 0;
  std::vector<ColumnProfile> columns;

  /// The column called `name`, or null.
  const ColumnProfile* find(const std::string& name) const;
};

struct ProfileOptions {
  double relative_accuracy = QuantileSketch::kDefaultRelativeAccuracy;
  int32_t max_buckets = QuantileSketch::kDefaultMaxBuckets;
  int64_t max_categories = 10000;
  /// int32/int64 columns profiled as categorical (utf8 and bool always are).
  std::set<std::string> categorical;
};

/// The kind a column of type `t` is profiled as.
Kind kind_of(trestle::Type t, bool declared_categorical);

/// How a value of a categorical column is spelled in a profile: utf8 as is, bool as
/// "true"/"false", integers in decimal. `buf` holds the spelling of non-utf8 values.
std::string_view categorical_value(const trestle::Column& c, int64_t row, char (&buf)[24]);

/// Builds a profile batch by batch. Memory: one sketch per numeric column (at most
/// 2 x max_buckets counts) and at most 2 x max_categories values per categorical column.
class ProfileBuilder {
 public:
  /// Throws InvalidArgument when a column named in options.categorical is not an
  /// int32/int64/utf8/bool column of `schema`.
  ProfileBuilder(const trestle::Schema& schema, ProfileOptions options);
  void add(const trestle::Batch& batch);
  /// The profile so far (categorical counts folded to max_categories).
  Profile finish() const;

 private:
  trestle::Schema schema_;
  Profile profile_;
};

/// The profile of the union of the rows of `a` and `b`. Throws InvalidArgument naming
/// the column when their columns differ in name, type, kind or sketch parameters.
Profile merge(const Profile& a, const Profile& b);

/// Quantiles of a numeric column: the sketch's, clamped to [min, max].
double profile_quantile(const ColumnProfile& c, double q);

/// JSON text of a profile (format trestle-profile/1).
std::string to_json(const Profile& p);
/// Parses profile JSON; `origin` (the file) prefixes every error, which also names the
/// column and field. Throws InvalidArgument.
Profile profile_from_json(const std::string& text, const std::string& origin);
/// Reads a profile file; errors name the file.
Profile load_profile(const std::string& path);
/// Writes a profile atomically (temporary file in the same directory, fsync, rename).
void write_profile(const std::string& path, const Profile& p);

}  // namespace monitors
