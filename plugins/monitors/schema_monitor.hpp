#pragma once
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <trestle/findings.hpp>
#include <trestle/sdk.hpp>

#include "feature_window.hpp"
#include "profile.hpp"
#include "window.hpp"

namespace monitors {

/// Data-quality anomalies against a reference profile, with stable codes modelled on
/// TensorFlow Data Validation's: MISSING_COLUMN, NEW_COLUMN, TYPE_CHANGE (found at open,
/// reported with every window), UNKNOWN_CATEGORICAL_VALUES, OUT_OF_RANGE,
/// NAN_VALUES, INF_VALUES, NULL_SHARE_INCREASE, TOO_FEW_ROWS (per window).
class SchemaMonitor final : public WindowedMonitor {
 public:
  static trestle::OperatorSpec spec();
  explicit SchemaMonitor(const trestle::Options& o);
  void open_input(const trestle::Schema& input) override;

 protected:
  void begin_window(int64_t index) override;
  void accumulate(const trestle::Batch& rows) override;
  void end_window(trestle::Context& ctx, const WindowSpan& span) override;

 private:
  void check(const FeatureAccumulator& a, const WindowSpan& span, trestle::FeatureWindow* fw,
             std::vector<trestle::Finding>* out) const;

  std::string reference_path_;
  Profile profile_;
  std::set<std::string> ignore_;
  double range_tolerance_, range_share_threshold_, null_threshold_, unknown_threshold_;
  int64_t min_rows_, max_top_;
  std::vector<std::unique_ptr<FeatureReference>> refs_;
  std::vector<FeatureAccumulator> acc_;
  std::vector<trestle::Finding> schema_findings_;
};

}  // namespace monitors
