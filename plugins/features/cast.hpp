#pragma once
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// Converts columns to other types (rules in convert.hpp). A value that does not
/// convert rejects its row, or becomes null with on_invalid: null.
class Cast final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit Cast(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

 private:
  struct Target {
    std::string column;
    trestle::Type to;
    trestle::Type from = trestle::Type::Utf8;  // set by open()
    size_t index = 0;                          // set by open()
  };
  std::vector<Target> targets_;
  bool to_null_;
  trestle::Schema out_;
};

}  // namespace features
