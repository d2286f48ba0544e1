// The xgboost plugin: XGBoost models (JSON or UBJSON files) as a Trestle model operator.
#include <trestle/sdk.hpp>

#include "xgboost_model.hpp"

TRESTLE_PLUGIN("xgboost", "1.0.0", trestle_xgb::XGBoostModel)
