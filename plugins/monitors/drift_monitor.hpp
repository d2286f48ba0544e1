#pragma once
#include <memory>
#include <string>
#include <vector>

#include <trestle/findings.hpp>
#include <trestle/sdk.hpp>

#include "drift.hpp"
#include "profile.hpp"
#include "window.hpp"

namespace monitors {

/// Windowed drift scoring against a reference profile; drift_monitor and
/// prediction_monitor differ in which columns they watch and what else they report.
class DriftMonitorBase : public WindowedMonitor {
 public:
  DriftMonitorBase(const trestle::Options& o, const std::string& columns_option);

 protected:
  /// Builds the engine for `names` (checked against the profile and the input).
  void start_engine(const trestle::Schema& input, const std::vector<std::string>& names);
  void begin_window(int64_t index) override;
  void accumulate(const trestle::Batch& rows) override;
  void end_window(trestle::Context& ctx, const WindowSpan& span) override;
  /// Adds operator-specific statistics and findings to a scored window.
  virtual void extend(const WindowSpan&, std::vector<ScoredFeature>&, std::vector<trestle::Finding>&) const {}

  std::string reference_path_;
  std::string columns_option_;
  Profile profile_;
  DriftOptions options_;
  std::unique_ptr<DriftEngine> engine_;
  /// Watched columns of the reference profile whose drift cannot be evaluated: every
  /// window reports a finding for each (MISSING_COLUMN: the input lacks it; TYPE_CHANGE:
  /// the input's type cannot be compared with the profile's) and lists it as not
  /// evaluated, so that a column is never dropped from watch silently.
  struct Unevaluated {
    const ColumnProfile* column;
    std::string code;    ///< MISSING_COLUMN or TYPE_CHANGE
    std::string reason;  ///< e.g. "column missing"
  };
  std::vector<Unevaluated> unevaluated_;
};

/// Per feature and window: PSI, KS (statistic and p-value), Jensen-Shannon distance and
/// normed Wasserstein for numeric features; PSI, chi-squared (and p-value), JS and
/// L-infinity for categorical ones. All recorded every window; DRIFT findings by the
/// alerting rule (docs/monitors.md). By default it watches every column of the
/// reference profile but timestamps, identifiers (ColumnProfile::identifier) and those
/// in `ignore`; one of those the input lacks (or has with a type that cannot be compared)
/// is a MISSING_COLUMN (TYPE_CHANGE) finding every window.
/// A column named in `features` that the input lacks is an error at open.
class DriftMonitor final : public DriftMonitorBase {
 public:
  static trestle::OperatorSpec spec();
  explicit DriftMonitor(const trestle::Options& o);
  void open_input(const trestle::Schema& input) override;

 private:
  std::vector<std::string> features_;
  std::vector<std::string> ignore_;
};

/// The drift statistics on model outputs, plus class balance of categorical outputs
/// (labels): each class's share per window, CLASS_BALANCE_SHIFT when one moves by more
/// than class_shift_threshold.
class PredictionMonitor final : public DriftMonitorBase {
 public:
  static trestle::OperatorSpec spec();
  explicit PredictionMonitor(const trestle::Options& o);
  void open_input(const trestle::Schema& input) override;

 protected:
  void extend(const WindowSpan& span, std::vector<ScoredFeature>& scored, std::vector<trestle::Finding>& findings) const override;

 private:
  std::vector<std::string> columns_;
  double class_shift_threshold_;
};

}  // namespace monitors
