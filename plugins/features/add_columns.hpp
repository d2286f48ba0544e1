#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// Appends columns that hold one value on every row, e.g. the run date and the shard of
/// a sharded run ({run_date: "${RUN_DATE}", shard: "${SHARD_INDEX}"}), so that a sink
/// can key partitions by them. The values are parsed once, when the operator is made.
class AddColumns final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit AddColumns(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

 private:
  struct Constant {
    std::string name;
    trestle::Type type = trestle::Type::Utf8;
    bool b = false;
    int64_t i = 0;  // int32, int64 and timestamp (microseconds)
    double d = 0;
    float f = 0;
    std::string s;
  };
  /// A column of `rows` copies of `c`.
  static trestle::Column fill(const Constant& c, int64_t rows);

  std::vector<Constant> constants_;  // in name order
  trestle::Schema out_;
};

}  // namespace features
