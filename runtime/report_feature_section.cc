#include "report_feature_section.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "exec/row_json.h"
#include "report_html_text.h"
#include "report_svg_charts.h"
#include "report_util.h"

namespace trestle::cli::html {

namespace {

// Axis labels as short as the span of the axis allows: "06:19:07" within an hour,
// "06:19" within a day, else "11-25 06:19".
std::string ShortTime(int64_t us, int64_t span_us = std::numeric_limits<int64_t>::max()) {
  std::string t = core::IsoTimestampMicros(us);
  if (span_us < 3600LL * 1000000) return t.substr(11, 8);
  if (span_us < 86400LL * 1000000) return t.substr(11, 5);
  return t.substr(5, 5) + " " + t.substr(11, 5);
}

struct HistogramData {
  std::vector<std::string> labels;
  std::vector<double> reference, current;
};

// The bins of this run's windows: each window's shares weighted by its rows; the
// reference as the last window gives it.
bool CollectHistogram(const std::vector<const core::StoredFeatureWindow*>& ws, HistogramData* out) {
  for (const auto& p : HistogramKeyPatterns()) {
    std::map<std::string, double> cur, ref;
    double total_rows = 0;
    for (const auto* w : ws) {
      std::map<std::string, double> bins;
      double sum = 0;
      for (const auto& [k, v] : w->stats) {
        if (k.rfind(p.current_prefix, 0) != 0 || k.size() < p.current_prefix.size() + p.suffix.size()) continue;
        if (!p.suffix.empty() && k.compare(k.size() - p.suffix.size(), p.suffix.size(), p.suffix) != 0) continue;
        std::string label = k.substr(p.current_prefix.size(), k.size() - p.current_prefix.size() - p.suffix.size());
        if (label.rfind("edge", 0) == 0) continue;
        if (std::isfinite(v) && v >= 0) bins[label] = v, sum += v;
      }
      for (const auto& [k, v] : w->stats) {
        if (k.rfind(p.reference_prefix, 0) != 0 || k.size() < p.reference_prefix.size() + p.suffix.size()) continue;
        if (!p.suffix.empty() && k.compare(k.size() - p.suffix.size(), p.suffix.size(), p.suffix) != 0) continue;
        std::string label = k.substr(p.reference_prefix.size(), k.size() - p.reference_prefix.size() - p.suffix.size());
        if (std::isfinite(v) && v >= 0) ref[label] = v;
      }
      if (sum <= 0) continue;
      double weight = w->rows > 0 ? static_cast<double>(w->rows) : 1;
      for (const auto& [l, v] : bins) cur[l] += v / sum * weight;
      total_rows += weight;
    }
    if (cur.empty() || ref.empty()) continue;
    std::set<std::string> labels;
    for (const auto& [l, v] : cur) labels.insert(l);
    for (const auto& [l, v] : ref) labels.insert(l);
    std::vector<std::string> ordered(labels.begin(), labels.end());
    bool numeric = std::all_of(ordered.begin(), ordered.end(), [](const std::string& s) {
      return !s.empty() && s.size() < 10 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    });
    if (numeric)
      std::sort(ordered.begin(), ordered.end(), [](const std::string& a, const std::string& b) { return std::stol(a) < std::stol(b); });
    double ref_sum = 0;
    for (const auto& [l, v] : ref) ref_sum += v;
    // Numbered bins with recorded upper edges (bin_edge_K) are labelled by their range.
    std::map<std::string, double> edges;
    if (numeric && !ws.empty())
      for (const auto& [k, v] : ws.back()->stats)
        if (k.rfind(p.current_prefix + "edge_", 0) == 0) edges[k.substr(p.current_prefix.size() + 5)] = v;
    for (const auto& l : ordered) {
      std::string label = l;
      if (edges.count(l)) label = "\u2264 " + NumberText(edges[l]);
      else if (!edges.empty() && l == std::to_string(edges.size()) && edges.count(std::to_string(edges.size() - 1)))
        label = "> " + NumberText(edges[std::to_string(edges.size() - 1)]);
      out->labels.push_back(label);
      out->current.push_back(cur.count(l) ? cur[l] / total_rows : 0);
      out->reference.push_back(ref.count(l) && ref_sum > 0 ? ref[l] / ref_sum : 0);
    }
    return true;
  }
  return false;
}

bool IsUnitStatistic(const std::string& s) {
  return (s.size() > 2 && s.compare(s.size() - 2, 2, "_p") == 0) || s.find("share") != std::string::npos;
}

}  // namespace

std::string FeatureSection(const HtmlReportInput& in, const FeatureSeries& fs, int index) {
  std::ostringstream o;
  const std::string& run_id = in.run.run_id;
  // Cap the points drawn: the most recent windows.
  const size_t kMaxPoints = 400;
  std::vector<const core::StoredFeatureWindow*> ws;
  size_t from = fs.windows.size() > kMaxPoints ? fs.windows.size() - kMaxPoints : 0;
  for (size_t i = from; i < fs.windows.size(); ++i) ws.push_back(&fs.windows[i]);
  std::vector<const core::StoredFeatureWindow*> this_run;
  int run_from = -1, run_to = -1;
  for (size_t i = 0; i < ws.size(); ++i)
    if (ws[i]->run_id == run_id) {
      this_run.push_back(ws[i]);
      if (run_from < 0) run_from = static_cast<int>(i);
      run_to = static_cast<int>(i);
    }
  std::set<std::string> runs;
  for (const auto* w : ws) runs.insert(w->run_id);

  o << "<section class=\"feature\" id=\"feature-" << index << "\"><h3>" << E(fs.feature) << " <span class=\"sub\">"
    << E(fs.kind) << " · monitor " << E(fs.node) << " · " << this_run.size() << " window"
    << (this_run.size() == 1 ? "" : "s") << " in this run";
  if (runs.size() > 1) o << ", " << ws.size() << " over " << runs.size() << " runs";
  o << "</span></h3>";
  if (from > 0)
    o << "<p class=\"note\">Showing the latest " << kMaxPoints << " of " << fs.windows.size() << " windows.</p>";
  // A monitor that could not evaluate the feature says why in its windows.
  auto flagged = [&](const char* stat) {
    return std::any_of(this_run.begin(), this_run.end(), [&](const auto* w) {
      auto it = w->stats.find(stat);
      return it != w->stats.end() && it->second == 1;
    });
  };
  if (flagged("column_missing"))
    o << "<p class=\"err\">Not evaluated (column missing): this run's input has no column \"" << E(fs.feature)
      << "\"; see MISSING_COLUMN under findings.</p>";
  else if (flagged("type_changed"))
    o << "<p class=\"err\">Not evaluated (type changed): this run's column \"" << E(fs.feature)
      << "\" cannot be compared with the reference profile; see TYPE_CHANGE under findings.</p>";
  o << "<div class=\"charts\">";

  // Ticks in the data's dates when the runs had --date (one window per run, the
  // default, reads as one tick per day), else in window end times.
  std::vector<std::string> labels, tips;
  const int64_t span = ws.empty() ? 0 : ws.back()->end_us - ws.front()->end_us;
  const bool dated = !ws.empty() && std::all_of(ws.begin(), ws.end(), [](const auto* w) { return !w->run_date.empty(); });
  for (const auto* w : ws) {
    labels.push_back(dated ? w->run_date : ShortTime(w->end_us, span));
    tips.push_back((w->run_date.empty() ? "" : "date " + w->run_date + "\n") + TimeText(w->start_us) + " – " +
                   TimeText(w->end_us) + "\nrun " + w->run_id + ", " + std::to_string(w->rows) + " rows");
  }

  // Reference vs this run.
  HistogramData h;
  if (!this_run.empty() && CollectHistogram(this_run, &h)) {
    o << "<figure>" << RenderHistogram({"reference vs this run: share per bin", h.labels, h.reference, h.current})
      << "</figure>";
  } else if (!ws.empty()) {
    LineChart c;
    c.x_labels = labels;
    c.tooltips = tips;
    c.run_from = run_from;
    c.run_to = run_to;
    std::vector<std::string> keys;
    for (const char* k : {"p05", "p50", "p95", "mean"})
      if (std::any_of(ws.begin(), ws.end(), [&](const auto* w) { return w->stats.count(k) > 0; })) keys.push_back(k);
    std::string ref_key = "reference_mean";
    if (keys.empty()) {
      for (const char* k : {"unseen_share", "null_share"})
        if (std::any_of(ws.begin(), ws.end(), [&](const auto* w) { return w->stats.count(k) > 0; })) keys.push_back(k);
      ref_key = "reference_null_share";
      c.unit_interval = true;
      c.title = "shares per window";
    } else {
      c.title = "quantiles and mean per window";
    }
    for (const auto& k : keys) {
      Series s{k, {}, k == "mean"};
      for (const auto* w : ws) s.y.push_back(w->stats.count(k) ? w->stats.at(k) : kNaN);
      c.series.push_back(std::move(s));
    }
    for (auto it = ws.rbegin(); it != ws.rend(); ++it)
      if ((*it)->stats.count(ref_key) && std::isfinite((*it)->stats.at(ref_key))) {
        c.reference_lines.push_back({ref_key, (*it)->stats.at(ref_key)});
        break;
      }
    if (!c.series.empty())
      o << "<figure>" << RenderLineChart(c)
        << "<figcaption>No histogram bins were recorded for this feature (window statistics bin_*/ref_bin_*), so "
           "its "
        << (ref_key == "reference_mean" ? "quantiles and mean" : "shares") << " per window stand in for "
        << "reference vs current.</figcaption></figure>";
  }

  // Scores over time: the statistics that alert first.
  std::set<std::string> score_names;
  for (const auto* w : ws)
    for (const auto& [k, v] : w->scores) score_names.insert(k);
  std::set<std::string> alerting;
  for (const auto& f : in.history_findings)
    if (f.node == fs.node && f.feature == fs.feature && score_names.count(f.statistic)) alerting.insert(f.statistic);
  for (const auto* w : ws)
    for (const auto& [k, v] : w->stats)
      if (k.rfind("threshold_", 0) == 0 && score_names.count(k.substr(10))) alerting.insert(k.substr(10));
  std::vector<std::string> ordered = OrderScores({score_names.begin(), score_names.end()});
  std::stable_partition(ordered.begin(), ordered.end(), [&](const std::string& s) { return alerting.count(s) > 0; });
  for (const auto& score : ordered) {
    LineChart c;
    c.title = score + " per window" + (alerting.count(score) ? "" : " (recorded; not an alerting statistic of this feature)");
    c.aria = "drift score " + score + " of " + fs.feature + " over time";
    c.x_labels = labels;
    c.tooltips = tips;
    c.run_from = run_from;
    c.run_to = run_to;
    c.unit_interval = IsUnitStatistic(score);
    Series s{score, {}, false};
    std::set<std::pair<std::string, int64_t>> alert_windows;
    std::map<std::pair<std::string, int64_t>, double> finding_threshold;
    for (const auto& f : in.history_findings)
      if (f.node == fs.node && f.feature == fs.feature && f.statistic == score) {
        alert_windows.insert({f.run_id, f.window_start_us});
        finding_threshold[{f.run_id, f.window_start_us}] = f.threshold;
      }
    bool any_threshold = false;
    for (const auto* w : ws) {
      s.y.push_back(w->scores.count(score) ? w->scores.at(score) : kNaN);
      double t = kNaN;
      auto st = w->stats.find("threshold_" + score);
      if (st != w->stats.end()) t = st->second;
      auto ft = finding_threshold.find({w->run_id, w->start_us});
      if (!std::isfinite(t) && ft != finding_threshold.end()) t = ft->second;
      any_threshold = any_threshold || std::isfinite(t);
      c.threshold.push_back(t);
      c.alert.push_back(alert_windows.count({w->run_id, w->start_us}) > 0);
    }
    // A threshold known only from findings holds for the windows between them too.
    if (any_threshold && std::none_of(ws.begin(), ws.end(), [&](const auto* w) { return w->stats.count("threshold_" + score); })) {
      double last = kNaN;
      for (double t : c.threshold)
        if (std::isfinite(t)) last = t;
      for (double& t : c.threshold)
        if (!std::isfinite(t)) t = last;
    }
    if (!any_threshold) c.threshold.clear();
    c.series.push_back(std::move(s));
    // The first alert: the start of the latest streak of this statistic's findings.
    std::string note;
    for (const auto& st : in.streaks) {
      if (st.node != fs.node || st.feature != fs.feature || st.statistic != score) continue;
      for (size_t i = 0; i < ws.size() && c.first_alert < 0; ++i)
        if (ws[i]->run_id == st.since_run && ws[i]->start_us == st.since_us) c.first_alert = static_cast<int>(i);
      const std::string since = st.since_dated ? st.since_date : TimeText(st.since_us);
      c.first_alert_label = "first alert " + since;
      if (c.first_alert < 0) note = "alerting since " + since + " (run " + st.since_run + "), before this chart";
      break;
    }
    o << "<figure>" << RenderLineChart(c);
    if (!note.empty()) o << "<figcaption>" << E(note) << "</figcaption>";
    o << "</figure>";
  }
  if (score_names.empty() && ws.empty()) o << "<p class=\"note\">No monitor windows recorded for this feature.</p>";
  o << "</div></section>";
  return o.str();
}

}  // namespace trestle::cli::html
