#include "drift_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace monitors {
namespace {

using trestle::InvalidArgument;

// Classes a prediction_monitor window lists by name in its statistics.
constexpr size_t kMaxClassStats = 50;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

// ---- DriftMonitorBase

DriftMonitorBase::DriftMonitorBase(const trestle::Options& o, const std::string& columns_option)
    : WindowedMonitor(o),
      reference_path_(o.get<std::string>("reference")),
      columns_option_(columns_option),
      profile_(load_profile(reference_path_)),
      options_(read_drift_options(o)) {}

void DriftMonitorBase::start_engine(const trestle::Schema& input, const std::vector<std::string>& names) {
  std::vector<int> index;
  auto refs = resolve_features(profile_, input, names, columns_option_, reference_path_, &index);
  engine_ = std::make_unique<DriftEngine>(options_, std::move(refs), std::move(index));
}

void DriftMonitorBase::begin_window(int64_t index) { engine_->begin_window(index); }

void DriftMonitorBase::accumulate(const trestle::Batch& rows) { engine_->accumulate(rows); }

void DriftMonitorBase::end_window(trestle::Context& ctx, const WindowSpan& span) {
  std::vector<ScoredFeature> scored = engine_->score();
  std::vector<trestle::Finding> findings;
  for (const auto& f : scored)
    if (f.alert) findings.push_back(engine_->finding(f, span));
  extend(span, scored, findings);
  trestle::MonitorWindow w;
  w.start_us = span.start_us;
  w.end_us = span.end_us;
  w.rows = span.rows;
  for (auto& f : scored) w.features.push_back(std::move(f.window));
  for (const Unevaluated& u : unevaluated_) {
    const std::string stat = u.code == "MISSING_COLUMN" ? "column_missing" : "type_changed";
    trestle::FeatureWindow fw;
    fw.feature = u.column->name;
    fw.kind = kind_name(u.column->kind);
    fw.stats["evaluated"] = 0;
    fw.stats[stat] = 1;
    w.features.push_back(std::move(fw));
    trestle::Finding f;
    f.time_us = span.end_us;
    f.window_start_us = span.start_us;
    f.feature = u.column->name;
    f.code = u.code;
    f.statistic = stat;
    f.value = 1;
    f.threshold = 0;
    f.message = "column \"" + u.column->name + "\" of the reference profile \"" + reference_path_ + "\": its drift was not evaluated (" +
                u.reason + ")";
    findings.push_back(std::move(f));
  }
  trestle::report_window(ctx, w);
  for (const auto& f : findings) trestle::report_finding(ctx, f);
}

// ---- DriftMonitor

trestle::OperatorSpec DriftMonitor::spec() {
  trestle::OperatorSpec s("drift_monitor",
                          "Compares each feature's distribution in windows of rows or time with a reference profile: PSI, "
                          "Kolmogorov-Smirnov statistic and p-value, Jensen-Shannon distance and normed Wasserstein for "
                          "numeric features; PSI, chi-squared (unseen categories in a bin of their own), JS and L-infinity "
                          "for categorical ones. Every statistic is recorded every window; a DRIFT finding is reported by "
                          "the alerting rule, p-values corrected for multiple testing (docs/monitors.md).");
  s.param<std::string>("reference", "reference profile (written by profile_sink or `trestle profile`)").required().input_path();
  s.param<trestle::StringList>("features",
                               "columns to watch (each must be in the input); default: every column of the reference profile "
                               "with a compatible type, except timestamps, identifiers (the profile's note: unique per row, or "
                               "increasing integers) and `ignore`; one of those the input lacks is a MISSING_COLUMN finding",
                               trestle::StringList{});
  s.param<trestle::StringList>("ignore", "columns not to watch by default (with `features` unset)", trestle::StringList{});
  window_params(s);
  drift_params(s);
  s.input_doc("the features, typed as in the reference profile (any numeric type for numeric features)")
      .output_doc("events: monitor_window per window (every feature's statistics and scores), finding DRIFT per alert")
      .serial();
  return s;
}

DriftMonitor::DriftMonitor(const trestle::Options& o)
    : DriftMonitorBase(o, "features"),
      features_(o.get_or<trestle::StringList>("features", {})),
      ignore_(o.get_or<trestle::StringList>("ignore", {})) {
  if (!features_.empty() && !ignore_.empty())
    throw InvalidArgument("options \"features\" and \"ignore\" exclude each other: \"ignore\" narrows the default set");
  for (const auto& name : ignore_)
    if (profile_.find(name) == nullptr)
      throw InvalidArgument("option \"ignore\" names \"" + name + "\", which the reference profile \"" + reference_path_ +
                            "\" does not have");
}

void DriftMonitor::open_input(const trestle::Schema& input) {
  std::vector<std::string> names = features_;
  unevaluated_.clear();
  if (names.empty()) {
    for (const auto& c : profile_.columns) {
      if (c.type == trestle::Type::TimestampUs || c.identifier() ||
          std::find(ignore_.begin(), ignore_.end(), c.name) != ignore_.end())
        continue;
      const int i = input.index_of(c.name);
      std::string why;
      if (i < 0) unevaluated_.push_back({&c, "MISSING_COLUMN", "column missing"});
      else if (compatible(c, input.field(static_cast<size_t>(i)).type, &why)) names.push_back(c.name);
      else unevaluated_.push_back({&c, "TYPE_CHANGE", "type changed: " + why});
    }
    if (names.empty())
      throw InvalidArgument("no column of the reference profile \"" + reference_path_ +
                            "\" is in the input with a compatible type (input columns: " + input.names_list() +
                            "); name them with option \"features\"");
  }
  start_engine(input, names);
}

// ---- PredictionMonitor

trestle::OperatorSpec PredictionMonitor::spec() {
  trestle::OperatorSpec s("prediction_monitor",
                          "Drift of model outputs against a reference profile (the statistics and alerting rule of "
                          "drift_monitor), plus class balance of categorical outputs such as labels: each class's share per "
                          "window, and a CLASS_BALANCE_SHIFT finding when one moves by more than class_shift_threshold.");
  s.param<std::string>("reference", "reference profile of the model's outputs (profile_sink after the model)").required().input_path();
  s.param<trestle::StringList>("columns",
                               "output columns to watch; default: those of score and label that the input has",
                               trestle::StringList{});
  window_params(s);
  drift_params(s);
  s.param<double>("class_shift_threshold",
                  "CLASS_BALANCE_SHIFT when a class's share of a window differs from the reference's by more than this",
                  0.1)
      .range(0, 1)
      .input_doc("the model's output columns, typed as in the reference profile")
      .output_doc("events: monitor_window per window, finding DRIFT or CLASS_BALANCE_SHIFT per alert")
      .serial();
  return s;
}

PredictionMonitor::PredictionMonitor(const trestle::Options& o)
    : DriftMonitorBase(o, "columns"),
      columns_(o.get_or<trestle::StringList>("columns", {})),
      class_shift_threshold_(o.get_or<double>("class_shift_threshold", 0.1)) {
  if (!(class_shift_threshold_ >= 0 && class_shift_threshold_ <= 1))
    throw InvalidArgument("option \"class_shift_threshold\" must be in [0, 1]");
}

void PredictionMonitor::open_input(const trestle::Schema& input) {
  std::vector<std::string> names = columns_;
  if (names.empty()) {
    for (const char* c : {"score", "label"})
      if (input.index_of(c) >= 0) names.push_back(c);
    if (names.empty())
      throw InvalidArgument("the input has neither a score nor a label column (columns: " + input.names_list() +
                            "); name the model's outputs with option \"columns\"");
  }
  start_engine(input, names);
}

void PredictionMonitor::extend(const WindowSpan& span, std::vector<ScoredFeature>& scored,
                               std::vector<trestle::Finding>& findings) const {
  const auto& accs = engine_->accumulators();
  for (size_t i = 0; i < accs.size(); ++i) {
    const FeatureAccumulator& a = accs[i];
    const FeatureReference& r = a.reference();
    if (r.kind() != Kind::Categorical) continue;
    const int64_t n = a.n();
    double ref_total = r.other;
    for (double c : r.counts) ref_total += c;
    if (n == 0 || ref_total <= 0) continue;
    struct Class {
      std::string value;
      int64_t count;
      double share, ref_share;
    };
    std::vector<Class> classes;
    for (size_t k = 0; k < r.values.size(); ++k)
      classes.push_back({r.values[k], a.known[k], static_cast<double>(a.known[k]) / static_cast<double>(n), r.counts[k] / ref_total});
    for (const auto& [v, c] : a.new_values) classes.push_back({v, c, static_cast<double>(c) / static_cast<double>(n), 0.0});
    auto& stats = scored[i].window.stats;
    for (size_t k = 0; k < classes.size() && k < kMaxClassStats; ++k) {
      stats["class_share[" + classes[k].value + "]"] = classes[k].share;
      stats["reference_class_share[" + classes[k].value + "]"] = classes[k].ref_share;
    }
    std::sort(classes.begin(), classes.end(), [](const Class& x, const Class& y) {
      const double dx = std::fabs(x.share - x.ref_share), dy = std::fabs(y.share - y.ref_share);
      return dx != dy ? dx > dy : x.value < y.value;
    });
    const double shift = std::fabs(classes.front().share - classes.front().ref_share);
    stats["class_share_shift"] = shift;
    if (n < options_.min_samples || !(shift > class_shift_threshold_)) continue;
    trestle::Finding f;
    f.time_us = span.end_us;
    f.window_start_us = span.start_us;
    f.feature = r.name();
    f.code = "CLASS_BALANCE_SHIFT";
    f.statistic = "class_share_shift";
    f.value = shift;
    f.threshold = class_shift_threshold_;
    for (size_t k = 0; k < classes.size() && k < static_cast<size_t>(options_.max_top_values); ++k)
      f.top_values.push_back({classes[k].value, classes[k].count, classes[k].share});
    const Class& top = classes.front();
    f.message = "column \"" + r.name() + "\": class \"" + top.value + "\" has share " + num(top.share) + " in the window, " +
                num(top.ref_share) + " in the reference (shift " + num(shift) + " > " + num(class_shift_threshold_) + ", " +
                std::to_string(n) + " values)";
    findings.push_back(std::move(f));
  }
}

}  // namespace monitors
