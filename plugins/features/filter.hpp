#pragma once
#include <string>
#include <variant>

#include <trestle/sdk.hpp>

namespace features {

/// Keeps the rows whose column satisfies a comparison; the others are filtered out on
/// purpose (not rejected).
class Filter final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit Filter(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

  enum class Op { Eq, Ne, Lt, Le, Gt, Ge, IsNull, NotNull };

 private:
  std::string column_, op_name_, value_;
  Op op_;
  size_t index_ = 0;                                         // set by open()
  std::variant<bool, int64_t, double, std::string> literal_;  // value_ as the column's type
};

}  // namespace features
