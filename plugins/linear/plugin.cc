// The linear plugin: linear and logistic regression models from a JSON file.
#include <trestle/sdk.hpp>

#include "linear.hpp"

TRESTLE_PLUGIN("linear", "1.0.0", linear::Linear)
