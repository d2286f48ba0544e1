#pragma once
// Column types from sampled values: the rule csv_source and jsonl_source share.
//
// A column takes the first candidate type that every sampled non-null value parses as.
// When there is none, it still takes the candidate that the fewest values fail, if the
// values that fail ("misfits") are few: at most kMaxMisfitPercent (1 %) of the sampled
// non-null values, while at least kMinFits (99) values parse. Otherwise it is utf8. So
// one stray "x" among 1000 numbers leaves the column numeric, while a small sample (10
// rows, 1 bad) or a column of real strings stays utf8.
//
// A misfit is then treated exactly like a value after the sample that does not parse:
// its row is dead-lettered naming the column, the value, the inferred type and the
// `schema` option that overrides it; the source also logs one warning per such column
// (how many sampled values did not parse, the first one and its line).
//
// CSV text (TypeGuess), candidates in this order: int64; float64 (nan/inf count); bool
// (true/false in any case; 1 and 0 read as bool too but are no evidence for it, so a
// 0/1 column is int64, and true/false mixed with 1/0 is bool only when the 1/0 are as
// few as misfits may be); timestamp (ISO-8601 date-time). Null values (the source's
// null_values) count neither way; a column without a value is utf8. jsonl_source
// applies the same rule to the JSON kinds of the values: int64 (integers), float64
// (numbers), bool; else utf8 (see KindSeen in jsonl_source.cc).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <trestle/types.hpp>

namespace trestle_io {

/// At least this many sampled values must parse as a type for it to be taken despite misfits.
inline constexpr int64_t kMinFits = 99;
/// At most this percentage of the sampled non-null values may be misfits.
inline constexpr int64_t kMaxMisfitPercent = 1;

/// One candidate type of a column and how the sampled values fared against it.
struct Candidate {
  trestle::Type type = trestle::Type::Utf8;
  int64_t fits = 0;     ///< values that are evidence for the type
  int64_t misfits = 0;  ///< values that are not (fits + misfits = sampled non-null values)
};

/// The candidate the rule above picks: the first with fits and no misfits, else the one
/// with the fewest misfits among those within the tolerance (the first on a tie), else
/// -1 (utf8).
int pick_candidate(const Candidate* candidates, size_t n);

/// What inference decided for one column, for the warning at open.
struct InferredType {
  trestle::Type type = trestle::Type::Utf8;
  int64_t values = 0;             ///< sampled non-null values
  int64_t misfits = 0;            ///< of them, values whose rows will be dead-lettered
  std::string first_misfit;       ///< the first of those, quoted and shortened (quote_excerpt)
  int64_t first_misfit_line = 0;  ///< and its line
};

/// Infers a CSV column's type from its sampled text values.
class TypeGuess {
 public:
  /// One non-null value of the column, found on `line` (for the warning).
  void observe(std::string_view value, int64_t line = 0);
  trestle::Type result() const { return infer().type; }
  InferredType infer() const;

 private:
  enum Kind { kInt, kFloat, kBool, kTimestamp, kKinds };
  int64_t values_ = 0;
  int64_t fits_[kKinds] = {};
  int64_t bool_digits_ = 0;  // 1/0: parse as bool, but are no evidence for it
  std::string first_misfit_[kKinds];
  int64_t first_misfit_line_[kKinds] = {};
};

}  // namespace trestle_io
