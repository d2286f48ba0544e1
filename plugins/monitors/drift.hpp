#pragma once
// The drift scoring shared by drift_monitor and prediction_monitor: for every feature of
// a closed window, every statistic that applies to its kind (always recorded), then the
// alerting rule and the multiple-testing correction over the window's p-value tests.
//
// Default alerting rule ("statistic: auto"): a feature drifts when the change is both
// big enough to matter (an effect size over its limit) and not noise (the kind's test
// rejects "same distribution" after the correction), with n the values the statistics
// use (finite numbers; non-null categories):
//   numeric:     wasserstein > 0.1   and ks_p below the corrected 0.05
//                (the Wasserstein-1 distance in units of the reference's standard
//                deviation: a shift of the mean by d standard deviations scores d)
//   categorical: linf > 0.05, or unseen_share > 0.005 when the reference saw every
//                value of the column,  and chi2_p below the corrected 0.05
//                (linf: the largest change of one value's share, new values one by one)
// docs/monitors.md derives these limits and shows them on generated scenarios. Option
// `statistic` picks one statistic for every feature it applies to (the rest keep the
// default rule) and `threshold` its limit; that rule has no test gate. No alert when
// n < min_samples. p-values are corrected over the p-value tests of the window:
// Benjamini-Hochberg (default), Bonferroni, or none.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <trestle/findings.hpp>
#include <trestle/sdk.hpp>

#include "feature_window.hpp"
#include "profile.hpp"
#include "window.hpp"

namespace monitors {

struct DriftOptions {
  std::string statistic = "auto";  ///< auto, psi, js, ks, ks_p, wasserstein, chi2_p, linf
  double threshold = 0;            ///< 0 with statistic auto; else the statistic's limit
  std::string correction = "bh";   ///< bh, bonferroni, none
  double alpha = 0.05;             ///< p-value level of the default rule
  int64_t large_window = 1000;     ///< no longer used (accepted so that older files validate)
  int64_t min_samples = 20;
  int64_t sample_size = 10000;
  int64_t seed = 1;
  int64_t max_top_values = 5;
};

/// Declares statistic, threshold, correction, large_window, min_samples, sample_size,
/// seed and max_top_values on `spec`.
trestle::OperatorSpec& drift_params(trestle::OperatorSpec& spec);
/// Reads and checks those options (errors name the option).
DriftOptions read_drift_options(const trestle::Options& o);

/// The default threshold of a statistic and whether it alerts below it (p-values).
double default_threshold(const std::string& statistic, bool* below);

/// One scored feature of a window: what goes to report_window, and the alert decision.
struct ScoredFeature {
  trestle::FeatureWindow window;
  std::string statistic;  ///< the alerting statistic ("" when the feature cannot alert)
  double value = 0;
  double threshold = 0;
  bool p_value = false;
  /// The default rule: the effect size must also pass this test (ks_p or chi2_p),
  /// corrected with the window's other tests.
  std::string gate;
  double gate_p = 0;
  bool alert = false;
};

/// The default rule's limits (docs/monitors.md, "How the defaults were chosen").
constexpr double kAutoWasserstein = 0.1;
constexpr double kAutoLinf = 0.05;
constexpr double kAutoUnseenShare = 0.005;

class DriftEngine {
 public:
  /// `features` are the feature names (checked by the caller against the input);
  /// `input_index` their positions in the input schema.
  DriftEngine(DriftOptions options, std::vector<std::unique_ptr<FeatureReference>> references,
              std::vector<int> input_index);

  void begin_window(int64_t index);
  void accumulate(const trestle::Batch& rows);
  /// Scores every feature, applies the rule and the correction.
  std::vector<ScoredFeature> score() const;
  /// A DRIFT finding for an alerting feature.
  trestle::Finding finding(const ScoredFeature& f, const WindowSpan& span) const;

  const std::vector<FeatureAccumulator>& accumulators() const { return acc_; }
  const DriftOptions& options() const { return opt_; }

 private:
  ScoredFeature score_one(const FeatureAccumulator& a) const;
  DriftOptions opt_;
  std::vector<std::unique_ptr<FeatureReference>> refs_;
  std::vector<FeatureAccumulator> acc_;
  uint64_t seed_;
};

/// Feature references for `names` from `profile`, checked against `input`: each must be
/// in both and of compatible types. `what` names the option in errors (e.g. "features"),
/// `reference_path` the profile file.
std::vector<std::unique_ptr<FeatureReference>> resolve_features(const Profile& profile, const trestle::Schema& input,
                                                                const std::vector<std::string>& names, const std::string& what,
                                                                const std::string& reference_path,
                                                                std::vector<int>* input_index);

/// Top share changes of a categorical feature: values (reference and new) by
/// |window share - reference share|, largest first.
std::vector<trestle::TopValue> top_share_changes(const FeatureAccumulator& a, size_t limit);

/// Shared window statistics of a feature (count, null_share, mean, quantiles...).
void describe(const FeatureAccumulator& a, trestle::FeatureWindow* w);
/// The same with the feature's reservoir already sorted (`sorted`).
void describe(const FeatureAccumulator& a, const std::vector<double>& sorted, trestle::FeatureWindow* w);

/// 64-bit FNV-1a of `s`: a seed component stable across platforms.
uint64_t fnv1a(const std::string& s);

}  // namespace monitors
