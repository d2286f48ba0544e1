#pragma once
// AggregatePlan: what group_aggregate computes, parsed from its options (`by`,
// `aggregates`) and then bound to the input schema at open().
//
// Each output aggregate reads one accumulator; aggregates that need the same partial
// state share it (mean and sum of one column share an exact sum, every quantile of a
// column shares one sketch), so a group holds each state once.

#include <cstdint>
#include <string>
#include <vector>

#include <trestle/options.hpp>
#include <trestle/schema.hpp>

namespace trestle_aggregate {

enum class Fn { Count, Sum, Mean, Min, Max, CountDistinct, Quantile, ShareAbove };

/// The partial state kinds a group keeps.
enum class AccKind {
  Rows,      ///< rows of the group
  NonNull,   ///< non-null values of a column
  Sum,       ///< exact sum and non-null count of a numeric column
  Min,       ///< smallest value (encoded) of a column
  Max,       ///< largest value (encoded) of a column
  Distinct,  ///< the distinct non-null values of a column
  Sketch,    ///< quantile sketch of the finite values of a numeric column
  Above,     ///< non-null values of a numeric column, and how many are > threshold
};

struct AccDecl {
  AccKind kind = AccKind::Rows;
  std::string column;  ///< empty for Rows
  int index = -1;      ///< of `column` in the input, set by bind()
  trestle::Type type = trestle::Type::Float64;  ///< of `column`, set by bind()
  double threshold = 0;                         ///< Above
  bool operator==(const AccDecl& o) const { return kind == o.kind && column == o.column && threshold == o.threshold; }
};

struct OutputDecl {
  std::string name;
  Fn fn = Fn::Count;
  std::string column;
  double arg = 0;  ///< q for quantile, the threshold for share_above
  size_t acc = 0;  ///< index into AggregatePlan::accs
};

struct AggregatePlan {
  std::vector<std::string> by;
  std::vector<int> by_index;            ///< set by bind()
  std::vector<trestle::Type> by_types;  ///< set by bind()
  std::vector<OutputDecl> outputs;      ///< in the option map's order (by name)
  std::vector<AccDecl> accs;

  /// Parses `by` and `aggregates`; throws trestle::InvalidArgument naming the option,
  /// the output column and the problem.
  static AggregatePlan parse(const trestle::StringList& by, const trestle::StringMap& aggregates);
  /// Checks every column against `input` and returns the output schema: the `by`
  /// columns (input types) then the aggregates. Throws trestle::InvalidArgument.
  trestle::Schema bind(const trestle::Schema& input);
};

/// "256MiB", "64 MiB", "512KiB", "1GiB", "1000000" (bytes), also kB/MB/GB (powers of
/// 1000) and B. Throws trestle::InvalidArgument naming option `memory_budget`.
int64_t parse_byte_size(const std::string& text);

}  // namespace trestle_aggregate
