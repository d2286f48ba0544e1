#include "schema_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "drift.hpp"

namespace monitors {
namespace {

using trestle::InvalidArgument;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}
std::string percent(double share) { return num(100 * share) + "%"; }

trestle::Finding make(const WindowSpan& span, const std::string& feature, const std::string& code,
                      const std::string& statistic, double value, double threshold, std::string message) {
  trestle::Finding f;
  f.time_us = span.end_us;
  f.window_start_us = span.start_us;
  f.feature = feature;
  f.code = code;
  f.statistic = statistic;
  f.value = value;
  f.threshold = threshold;
  f.message = std::move(message);
  return f;
}

}  // namespace

trestle::OperatorSpec SchemaMonitor::spec() {
  trestle::OperatorSpec s("schema_monitor",
                          "Checks the data against a reference profile and reports typed anomalies with stable codes: "
                          "MISSING_COLUMN, NEW_COLUMN, TYPE_CHANGE, UNKNOWN_CATEGORICAL_VALUES, OUT_OF_RANGE, NAN_VALUES, "
                          "INF_VALUES, NULL_SHARE_INCREASE, TOO_FEW_ROWS (docs/monitors.md). Every closed window is "
                          "recorded with each column's statistics.");
  s.param<std::string>("reference", "reference profile (written by profile_sink or `trestle profile`)").required().input_path();
  s.param<trestle::StringList>("ignore",
                               "columns not checked at all (e.g. ids and timestamps that are new in every batch)",
                               trestle::StringList{});
  window_params(s);
  s.param<double>("range_tolerance",
                  "OUT_OF_RANGE: a numeric value is out of range below min - t * (max - min) or above max + t * (max - "
                  "min) of the reference",
                  0.05)
      .min(0)
      .param<double>("out_of_range_share_threshold",
                     "OUT_OF_RANGE when more than this share of a window's finite values are out of range (0: any; "
                     "a reference sampled from the same population has tails a later window exceeds now and then)",
                     0.0)
      .range(0, 1)
      .param<double>("null_share_threshold",
                     "NULL_SHARE_INCREASE when a window's null share exceeds the reference's by more than this; also the "
                     "allowed rise of the NaN and Inf shares of columns whose reference had some",
                     0.05)
      .range(0, 1)
      .param<double>("unknown_share_threshold",
                     "UNKNOWN_CATEGORICAL_VALUES when more than this share of a window's values are outside the reference "
                     "domain (0: any)",
                     0.0)
      .range(0, 1)
      .param<int64_t>("min_rows",
                      "TOO_FEW_ROWS for a window closed by window_seconds with fewer rows, or a run whose only window has "
                      "fewer; 0: off",
                      int64_t{0})
      .min(0)
      .param<int64_t>("max_top_values", "UNKNOWN_CATEGORICAL_VALUES lists this many new values", int64_t{5})
      .min(0)
      .input_doc("any columns; the reference profile's columns are checked")
      .output_doc("events: monitor_window per window, finding per anomaly")
      .serial();
  return s;
}

SchemaMonitor::SchemaMonitor(const trestle::Options& o)
    : WindowedMonitor(o),
      reference_path_(o.get<std::string>("reference")),
      profile_(load_profile(reference_path_)),
      range_tolerance_(o.get_or<double>("range_tolerance", 0.05)),
      range_share_threshold_(o.get_or<double>("out_of_range_share_threshold", 0.0)),
      null_threshold_(o.get_or<double>("null_share_threshold", 0.05)),
      unknown_threshold_(o.get_or<double>("unknown_share_threshold", 0.0)),
      min_rows_(o.get_or<int64_t>("min_rows", 0)),
      max_top_(o.get_or<int64_t>("max_top_values", 5)) {
  for (const auto& c : o.get_or<trestle::StringList>("ignore", {})) ignore_.insert(c);
  if (!(range_tolerance_ >= 0) || !std::isfinite(range_tolerance_))
    throw InvalidArgument("option \"range_tolerance\" must be a finite number >= 0");
  if (!(range_share_threshold_ >= 0 && range_share_threshold_ <= 1))
    throw InvalidArgument("option \"out_of_range_share_threshold\" must be in [0, 1]");
  if (!(null_threshold_ >= 0 && null_threshold_ <= 1)) throw InvalidArgument("option \"null_share_threshold\" must be in [0, 1]");
  if (!(unknown_threshold_ >= 0 && unknown_threshold_ <= 1))
    throw InvalidArgument("option \"unknown_share_threshold\" must be in [0, 1]");
  if (min_rows_ < 0) throw InvalidArgument("option \"min_rows\" must be 0 or more");
  if (max_top_ < 0) throw InvalidArgument("option \"max_top_values\" must be 0 or more");
}

void SchemaMonitor::open_input(const trestle::Schema& input) {
  refs_.clear();
  acc_.clear();
  schema_findings_.clear();
  const WindowSpan none;
  for (const auto& c : profile_.columns) {
    if (ignore_.count(c.name)) continue;
    const int i = input.index_of(c.name);
    if (i < 0) {
      schema_findings_.push_back(make(none, c.name, "MISSING_COLUMN", "", 0, 0,
                                      "column \"" + c.name + "\" (" + trestle::type_name(c.type) + ") of the reference profile \"" +
                                          reference_path_ + "\" is missing from the input"));
      continue;
    }
    const trestle::Type t = input.field(static_cast<size_t>(i)).type;
    const bool same_kind = compatible(c, t, nullptr);
    if (t != c.type)
      schema_findings_.push_back(make(none, c.name, "TYPE_CHANGE", "", 0, 0,
                                      "column \"" + c.name + "\" is " + trestle::type_name(t) + " in the input but " +
                                          trestle::type_name(c.type) + " in the reference profile" +
                                          (same_kind ? " (still checked as " + std::string(kind_name(c.kind)) + ")"
                                                     : " (not checked further)")));
    if (!same_kind) continue;
    refs_.push_back(std::make_unique<FeatureReference>(c));
    AccumulatorOptions ao;
    ao.keep_sample = false;
    if (c.kind == Kind::Numeric && c.numeric.count > 0 && c.type != trestle::Type::TimestampUs && t != trestle::Type::TimestampUs) {
      const double widen = range_tolerance_ * (c.numeric.max - c.numeric.min);
      ao.range_lo = c.numeric.min - widen;
      ao.range_hi = c.numeric.max + widen;
    }
    acc_.emplace_back(refs_.back().get(), i, ao);
  }
  for (const auto& f : input.fields())
    if (profile_.find(f.name) == nullptr && !ignore_.count(f.name))
      schema_findings_.push_back(make(none, f.name, "NEW_COLUMN", "", 0, 0,
                                      "column \"" + f.name + "\" (" + trestle::type_name(f.type) +
                                          ") is not in the reference profile \"" + reference_path_ + "\""));
}

void SchemaMonitor::begin_window(int64_t) {
  for (auto& a : acc_) a.reset(0);
}

void SchemaMonitor::accumulate(const trestle::Batch& rows) {
  for (auto& a : acc_) a.add(rows.column(static_cast<size_t>(a.input_index())));
}

void SchemaMonitor::check(const FeatureAccumulator& a, const WindowSpan& span, trestle::FeatureWindow* fw,
                          std::vector<trestle::Finding>* out) const {
  const ColumnProfile& ref = a.reference().column;
  const std::string& name = ref.name;
  if (a.rows > 0) {
    const double share = static_cast<double>(a.nulls) / static_cast<double>(a.rows);
    const double limit = ref.null_share() + null_threshold_;
    if (share > limit)
      out->push_back(make(span, name, "NULL_SHARE_INCREASE", "null_share", share, limit,
                          "column \"" + name + "\": " + percent(share) + " nulls in the window, reference " +
                              percent(ref.null_share()) + " (allowed up to " + percent(limit) + ")"));
  }
  const int64_t non_null = a.rows - a.nulls;
  if (ref.kind == Kind::Numeric) {
    fw->stats["out_of_range_count"] = static_cast<double>(a.out_of_range);
    // A kind of value the reference never had is an anomaly at any share; one it had,
    // when its share rises by more than null_share_threshold.
    auto special = [&](int64_t count, int64_t ref_count, const char* code, const char* statistic, const char* what) {
      if (count == 0 || non_null == 0) return;
      const double share = static_cast<double>(count) / static_cast<double>(non_null);
      const double ref_share = ref.count > 0 ? static_cast<double>(ref_count) / static_cast<double>(ref.count) : 0.0;
      const double limit = ref_count > 0 ? ref_share + null_threshold_ : 0.0;
      if (share > limit)
        out->push_back(make(span, name, code, statistic, share, limit,
                            "column \"" + name + "\": " + std::to_string(count) + " " + what + " values (" + percent(share) +
                                ") in the window" +
                                (ref_count > 0 ? ", reference " + percent(ref_share) : std::string(", none in the reference"))));
    };
    special(a.nan, ref.nan_count, "NAN_VALUES", "nan_share", "NaN");
    special(a.inf, ref.inf_count, "INF_VALUES", "inf_share", "infinite");
    const double range_share = a.finite > 0 ? static_cast<double>(a.out_of_range) / static_cast<double>(a.finite) : 0.0;
    if (a.out_of_range > 0 && range_share > range_share_threshold_) {
      const auto& s = ref.numeric;
      const double widen = range_tolerance_ * (s.max - s.min);
      out->push_back(make(span, name, "OUT_OF_RANGE", "out_of_range_share", range_share, range_share_threshold_,
                          "column \"" + name + "\": " + std::to_string(a.out_of_range) + " values (" + percent(range_share) +
                              ") outside the reference range [" + num(s.min) + ", " + num(s.max) + "]" +
                              (widen > 0 ? " widened by range_tolerance to [" + num(s.min - widen) + ", " + num(s.max + widen) + "]"
                                         : std::string()) +
                              ": lowest " + num(a.lowest_out) + ", highest " + num(a.highest_out)));
      auto& f = out->back();
      const double n = static_cast<double>(a.finite);
      f.top_values.push_back({num(a.lowest_out), 1, n > 0 ? 1 / n : 0});
      if (a.highest_out != a.lowest_out) f.top_values.push_back({num(a.highest_out), 1, n > 0 ? 1 / n : 0});
    }
  } else if (a.unseen > 0 && a.reference().complete() && non_null > 0) {
    const double share = static_cast<double>(a.unseen) / static_cast<double>(non_null);
    if (share > unknown_threshold_) {
      std::vector<std::pair<std::string, int64_t>> top(a.new_values.begin(), a.new_values.end());
      std::sort(top.begin(), top.end(), [](const auto& x, const auto& y) { return x.second != y.second ? x.second > y.second : x.first < y.first; });
      if (top.size() > static_cast<size_t>(max_top_)) top.resize(static_cast<size_t>(max_top_));
      std::string list;
      trestle::Finding f = make(span, name, "UNKNOWN_CATEGORICAL_VALUES", "unknown_share", share, unknown_threshold_, "");
      for (const auto& [v, c] : top) {
        f.top_values.push_back({v, c, static_cast<double>(c) / static_cast<double>(non_null)});
        list += (list.empty() ? "" : ", ") + ("\"" + v + "\" (" + std::to_string(c) + ")");
      }
      f.message = "column \"" + name + "\": " + std::to_string(a.unseen) + " values (" + percent(share) +
                  ") are not in the reference domain of " + std::to_string(a.reference().values.size()) + " values" +
                  (list.empty() ? std::string() : ": " + list);
      out->push_back(std::move(f));
    }
  }
}

void SchemaMonitor::end_window(trestle::Context& ctx, const WindowSpan& span) {
  trestle::MonitorWindow w;
  w.start_us = span.start_us;
  w.end_us = span.end_us;
  w.rows = span.rows;
  std::vector<trestle::Finding> findings;
  // Every window, as the condition holds in every window: the "since when" streak of
  // a column that disappeared stays unbroken across a run's windows.
  for (trestle::Finding f : schema_findings_) {
      f.time_us = span.end_us;
      f.window_start_us = span.start_us;
      findings.push_back(std::move(f));
    }
  const bool too_few_applies = span.by_time || (span.last && span.index == 0);
  if (min_rows_ > 0 && too_few_applies && span.rows < min_rows_)
    findings.push_back(make(span, "", "TOO_FEW_ROWS", "rows", static_cast<double>(span.rows), static_cast<double>(min_rows_),
                            "the window has " + std::to_string(span.rows) + " rows, fewer than min_rows " +
                                std::to_string(min_rows_)));
  for (const auto& a : acc_) {
    trestle::FeatureWindow fw;
    fw.feature = a.reference().name();
    fw.kind = kind_name(a.reference().kind());
    describe(a, &fw);
    check(a, span, &fw, &findings);
    w.features.push_back(std::move(fw));
  }
  trestle::report_window(ctx, w);
  for (const auto& f : findings) trestle::report_finding(ctx, f);
}

}  // namespace monitors
