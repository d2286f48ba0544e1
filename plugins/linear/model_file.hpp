#pragma once
// The JSON file of a linear or logistic regression model:
//
//   {"type": "logistic", "features": ["tenure", "monthly_charges"],
//    "coefficients": [-0.05, 0.02]   (or {"tenure": -0.05, "monthly_charges": 0.02}),
//    "intercept": -1.2, "version": "2024-06-01"}

#include <string>
#include <vector>

namespace linear {

struct LinearModel {
  enum class Kind { Linear, Logistic };
  Kind kind = Kind::Linear;
  std::vector<std::string> features;
  std::vector<double> coefficients;  // one per feature
  double intercept = 0;
  std::string version;  // empty when the file gives none
};

/// Reads and checks a model file; throws InvalidArgument naming the file and the problem.
LinearModel load_model(const std::string& path);

}  // namespace linear
