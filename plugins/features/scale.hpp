#pragma once
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// Standardises ((x - mean) / std) or min-max scales ((x - min) / (max - min)) numeric
/// columns with parameters fitted offline.
class Scale final : public trestle::Transform {
 public:
  static trestle::OperatorSpec spec();
  explicit Scale(const trestle::Options& o);
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch process(trestle::Batch in, trestle::Context& ctx) override;

 private:
  struct Target {
    std::string column;
    double offset, divisor;  // (x - offset) / divisor
    size_t index = 0;        // set by open()
  };
  std::vector<Target> targets_;
  trestle::Schema out_;
};

}  // namespace features
