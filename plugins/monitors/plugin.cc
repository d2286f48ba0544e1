// The monitors plugin: reference profiles and the data-quality, drift and prediction
// monitors that compare windows of a running pipeline with them (docs/monitors.md).
#include <trestle/sdk.hpp>

#include "drift_monitor.hpp"
#include "profile_sink.hpp"
#include "schema_monitor.hpp"

TRESTLE_PLUGIN("monitors", "1.0.0", monitors::ProfileSink, monitors::SchemaMonitor, monitors::DriftMonitor,
               monitors::PredictionMonitor)
