#pragma once
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "model_file.hpp"

namespace linear {

/// Scores rows with a linear or logistic regression model read from a JSON file.
class Linear final : public trestle::Model {
 public:
  static trestle::OperatorSpec spec();
  explicit Linear(const trestle::Options& o);
  trestle::Signature signature() const override;
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch predict(trestle::Batch in, trestle::Context& ctx) override;
  trestle::ModelInfo info() const override { return {"linear", model_.version}; }

  const LinearModel& model() const { return model_; }

 private:
  LinearModel model_;
  double threshold_;
  std::string output_, label_;
  std::vector<size_t> index_;  // input column of each feature, set by open()
  trestle::Schema out_;
};

}  // namespace linear
