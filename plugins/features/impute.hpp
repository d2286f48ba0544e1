#pragma once
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// Fills nulls and NaNs of numeric columns with fixed values: a constant, or values
/// fitted offline (mean, median...) and read from a params file.
class Impute final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit Impute(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

 private:
  struct Target {
    std::string column;
    double fill;
    size_t index = 0;  // set by open()
  };
  std::vector<Target> targets_;
  trestle::Schema out_;
};

}  // namespace features
