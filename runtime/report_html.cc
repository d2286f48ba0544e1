#include "report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "exec/row_json.h"
#include "report_util.h"

namespace trestle::cli {

std::string HtmlEscape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

namespace {

using Json = nlohmann::json;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kPalette[] = {"#1f6fb4", "#e07b00", "#2a9d3a", "#8e44ad", "#8c564b", "#d62790"};

std::string E(const std::string& s) { return HtmlEscape(s); }

std::string F1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Pct(double share) {
  if (!std::isfinite(share)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * share);
  return buf;
}

// ---------------------------------------------------------------------------------------
// SVG charts

struct Range {
  double lo, hi;
};

// Ticks at 1, 2 or 5 times a power of ten covering [lo, hi].
std::vector<double> NiceTicks(Range& r, int target = 4) {
  if (!(r.hi > r.lo)) r.hi = r.lo + 1;
  double raw = (r.hi - r.lo) / target;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  r.lo = std::floor(r.lo / step) * step;
  r.hi = std::ceil(r.hi / step) * step;
  std::vector<double> t;
  for (double v = r.lo; v <= r.hi + step / 2; v += step) t.push_back(std::fabs(v) < step / 1e6 ? 0 : v);
  return t;
}

struct Series {
  std::string name;
  std::vector<double> y;  ///< one per point; NaN = no value
  bool dashed = false;
};

struct LineChart {
  std::string title, aria;
  std::vector<std::string> x_labels;  ///< per point (short)
  std::vector<std::string> tooltips;  ///< per point
  std::vector<Series> series;
  std::vector<double> threshold;      ///< per point; empty or NaN = none
  std::vector<bool> alert;            ///< per point: marked red
  int first_alert = -1;
  std::string first_alert_label;
  int run_from = -1, run_to = -1;     ///< this run's points
  std::vector<std::pair<std::string, double>> reference_lines;
  bool unit_interval = false;         ///< p-values, shares: y in [0, 1]
};

std::string RenderLineChart(const LineChart& c, int width = 540, int height = 230) {
  const double left = 58, right = 16, top = 36, bottom = 40;
  const double pw = width - left - right, ph = height - top - bottom;
  const size_t n = c.x_labels.size();
  Range r{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  auto see = [&](double v) {
    if (std::isfinite(v)) r.lo = std::min(r.lo, v), r.hi = std::max(r.hi, v);
  };
  for (const auto& s : c.series)
    for (double v : s.y) see(v);
  for (double v : c.threshold) see(v);
  for (const auto& [l, v] : c.reference_lines) see(v);
  if (!std::isfinite(r.lo)) r = {0, 1};
  if (c.unit_interval) r = {0, 1};
  else {
    if (r.lo > 0 && r.lo < r.hi * 0.5) r.lo = 0;  // distances and counts from zero
    double pad = (r.hi - r.lo) * 0.08;
    r.hi += pad;
    if (r.lo != 0) r.lo -= pad;
  }
  std::vector<double> ticks = NiceTicks(r);
  const double step = n > 0 ? pw / static_cast<double>(n) : pw;
  auto X = [&](size_t i) { return left + (static_cast<double>(i) + 0.5) * step; };
  auto Y = [&](double v) { return top + ph - (v - r.lo) / (r.hi - r.lo) * ph; };

  std::ostringstream o;
  o << "<svg class=\"chart\" viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width << "\" height=\""
    << height << "\" role=\"img\" aria-label=\"" << E(c.aria.empty() ? c.title : c.aria) << "\">";
  o << "<text class=\"ctitle\" x=\"" << left << "\" y=\"16\">" << E(c.title) << "</text>";
  if (c.run_from >= 0 && c.run_to >= c.run_from && n > 0) {
    double x0 = X(static_cast<size_t>(c.run_from)) - step / 2, x1 = X(static_cast<size_t>(c.run_to)) + step / 2;
    o << "<rect class=\"thisrun\" x=\"" << F1(x0) << "\" y=\"" << top << "\" width=\"" << F1(x1 - x0) << "\" height=\""
      << ph << "\"><title>this run</title></rect>";
    if (c.run_from > 0)
      o << "<text class=\"runlabel\" x=\"" << F1(x0 + 3) << "\" y=\"" << top + 10 << "\">this run</text>";
  }
  for (double t : ticks) {
    o << "<line class=\"grid\" x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << F1(Y(t)) << "\" y2=\""
      << F1(Y(t)) << "\"/>";
    o << "<text class=\"ytick\" x=\"" << left - 6 << "\" y=\"" << F1(Y(t) + 4) << "\">" << E(NumberText(t)) << "</text>";
  }
  o << "<line class=\"axis\" x1=\"" << left << "\" x2=\"" << left << "\" y1=\"" << top << "\" y2=\"" << top + ph << "\"/>";
  o << "<line class=\"axis\" x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << top + ph << "\" y2=\""
    << top + ph << "\"/>";
  // A label per 90 pixels at most: every `every`-th point and the last, none crowding it.
  if (n > 0) {
    const size_t most = std::max<size_t>(2, static_cast<size_t>(pw / 90));
    size_t every = std::max<size_t>(1, (n + most - 1) / most);
    std::vector<size_t> at;
    for (size_t i = 0; i < n; i += every)
      if (i == 0 || n - 1 - i >= (every + 1) / 2) at.push_back(i);
    if (at.back() != n - 1) at.push_back(n - 1);
    for (size_t i : at) {
      // Labels near an edge are anchored there so they are not cut off.
      const double half = 3.2 * static_cast<double>(c.x_labels[i].size());
      const char* anchor = X(i) + half > width ? "end" : X(i) - half < 0 ? "start" : "middle";
      const double x = anchor[0] == 'e' ? width - 2.0 : anchor[0] == 's' ? 2.0 : X(i);
      o << "<text class=\"xtick\" x=\"" << F1(x) << "\" y=\"" << top + ph + 14 << "\" text-anchor=\"" << anchor
        << "\">" << E(c.x_labels[i]) << "</text>";
    }
  }
  for (const auto& [label, v] : c.reference_lines) {
    if (!std::isfinite(v)) continue;
    o << "<line class=\"refline\" x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << F1(Y(v)) << "\" y2=\""
      << F1(Y(v)) << "\"><title>" << E(label + " " + NumberText(v)) << "</title></line>";
    o << "<text class=\"reflabel\" x=\"" << left + pw - 4 << "\" y=\"" << F1(Y(v) - 4) << "\">" << E(label) << "</text>";
  }
  // The threshold: a step line over the points that have one.
  if (!c.threshold.empty()) {
    std::string d;
    bool prev = false;
    double last = kNaN;
    for (size_t i = 0; i < n && i < c.threshold.size(); ++i) {
      double t = c.threshold[i];
      if (!std::isfinite(t)) {
        prev = false;
        continue;
      }
      d += (prev ? " L" : " M") + F1(X(i) - step / 2) + " " + F1(Y(t)) + " L" + F1(X(i) + step / 2) + " " + F1(Y(t));
      prev = true;
      last = t;
    }
    if (!d.empty()) {
      o << "<path class=\"threshold\" d=\"" << d.substr(1) << "\"><title>threshold</title></path>";
      o << "<text class=\"thlabel\" x=\"" << left + pw - 4 << "\" y=\"" << F1(Y(last) - 5) << "\">threshold "
        << E(NumberText(last)) << "</text>";
    }
  }
  if (c.first_alert >= 0 && static_cast<size_t>(c.first_alert) < n) {
    double x = X(static_cast<size_t>(c.first_alert));
    o << "<line class=\"firstalert\" x1=\"" << F1(x) << "\" x2=\"" << F1(x) << "\" y1=\"" << top << "\" y2=\"" << top + ph
      << "\"><title>" << E(c.first_alert_label) << "</title></line>";
    bool flip = x > left + pw * 0.6;
    o << "<text class=\"falabel\" x=\"" << F1(flip ? x - 4 : x + 4) << "\" y=\"" << top - 4 << "\" text-anchor=\""
      << (flip ? "end" : "start") << "\">" << E(c.first_alert_label) << "</text>";
  }
  for (size_t s = 0; s < c.series.size(); ++s) {
    const Series& sr = c.series[s];
    const char* color = kPalette[s % std::size(kPalette)];
    std::string d;
    bool pen = false;
    for (size_t i = 0; i < n && i < sr.y.size(); ++i) {
      if (!std::isfinite(sr.y[i])) {
        pen = false;
        continue;
      }
      d += (pen ? " L" : " M") + F1(X(i)) + " " + F1(Y(sr.y[i]));
      pen = true;
    }
    if (!d.empty())
      o << "<path class=\"series\" stroke=\"" << color << "\"" << (sr.dashed ? " stroke-dasharray=\"4 3\"" : "")
        << " d=\"" << d.substr(1) << "\"/>";
    for (size_t i = 0; i < n && i < sr.y.size(); ++i) {
      if (!std::isfinite(sr.y[i])) continue;
      bool red = s == 0 && i < c.alert.size() && c.alert[i];
      o << "<circle class=\"" << (red ? "pt alertpt" : "pt") << "\" cx=\"" << F1(X(i)) << "\" cy=\"" << F1(Y(sr.y[i]))
        << "\" r=\"" << (red ? 4 : 2.5) << "\" fill=\"" << (red ? "#d62728" : color) << "\"><title>"
        << E((i < c.tooltips.size() ? c.tooltips[i] + "\n" : "") + sr.name + " = " + NumberText(sr.y[i]))
        << "</title></circle>";
    }
  }
  if (c.series.size() > 1) {
    double lx = left + 8;
    for (size_t s = 0; s < c.series.size(); ++s) {
      o << "<rect x=\"" << F1(lx) << "\" y=\"" << height - 12 << "\" width=\"10\" height=\"3\" fill=\""
        << kPalette[s % std::size(kPalette)] << "\"/><text class=\"legend\" x=\"" << F1(lx + 14) << "\" y=\""
        << height - 8 << "\">" << E(c.series[s].name) << "</text>";
      lx += 24 + 7 * static_cast<double>(c.series[s].name.size());
    }
  }
  o << "</svg>";
  return o.str();
}

struct Histogram {
  std::string title;
  std::vector<std::string> labels;
  std::vector<double> reference, current;  ///< shares
};

std::string RenderHistogram(const Histogram& h, int width = 540, int height = 240) {
  const double left = 58, right = 16, top = 26, bottom = 56;
  const double pw = width - left - right, ph = height - top - bottom;
  const size_t n = h.labels.size();
  Range r{0, 0};
  for (double v : h.reference)
    if (std::isfinite(v)) r.hi = std::max(r.hi, v);
  for (double v : h.current)
    if (std::isfinite(v)) r.hi = std::max(r.hi, v);
  if (r.hi <= 0) r.hi = 1;
  std::vector<double> ticks = NiceTicks(r);
  auto Y = [&](double v) { return top + ph - (v - r.lo) / (r.hi - r.lo) * ph; };
  const double group = n > 0 ? pw / static_cast<double>(n) : pw;
  const double bar = std::max(1.0, group * 0.38);
  std::ostringstream o;
  o << "<svg class=\"chart histogram\" viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
    << "\" height=\"" << height << "\" role=\"img\" aria-label=\"" << E(h.title) << "\">";
  o << "<text class=\"ctitle\" x=\"" << left << "\" y=\"16\">" << E(h.title) << "</text>";
  for (double t : ticks) {
    o << "<line class=\"grid\" x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << F1(Y(t)) << "\" y2=\""
      << F1(Y(t)) << "\"/><text class=\"ytick\" x=\"" << left - 6 << "\" y=\"" << F1(Y(t) + 4) << "\">" << Pct(t)
      << "</text>";
  }
  for (size_t i = 0; i < n; ++i) {
    double gx = left + static_cast<double>(i) * group + group * 0.12;
    double rv = i < h.reference.size() ? h.reference[i] : kNaN, cv = i < h.current.size() ? h.current[i] : kNaN;
    if (std::isfinite(rv))
      o << "<rect class=\"refbar\" x=\"" << F1(gx) << "\" y=\"" << F1(Y(rv)) << "\" width=\"" << F1(bar)
        << "\" height=\"" << F1(top + ph - Y(rv)) << "\"><title>" << E(h.labels[i] + ": reference " + Pct(rv))
        << "</title></rect>";
    if (std::isfinite(cv))
      o << "<rect class=\"curbar\" x=\"" << F1(gx + bar) << "\" y=\"" << F1(Y(cv)) << "\" width=\"" << F1(bar)
        << "\" height=\"" << F1(top + ph - Y(cv)) << "\"><title>" << E(h.labels[i] + ": this run " + Pct(cv))
        << "</title></rect>";
    if (n <= 24 || i % ((n + 23) / 24) == 0) {
      std::string label = h.labels[i].size() > 14 ? h.labels[i].substr(0, 13) + "…" : h.labels[i];
      double lx = gx + bar, ly = top + ph + 12;
      o << "<text class=\"xtick\" x=\"" << F1(lx) << "\" y=\"" << F1(ly) << "\""
        << (n > 8 ? " transform=\"rotate(-35 " + F1(lx) + " " + F1(ly) + ")\" style=\"text-anchor:end\"" : "") << ">"
        << E(label) << "</text>";
    }
  }
  o << "<line class=\"axis\" x1=\"" << left << "\" x2=\"" << left + pw << "\" y1=\"" << top + ph << "\" y2=\""
    << top + ph << "\"/>";
  o << "<rect class=\"refbar\" x=\"" << width - 170 << "\" y=\"8\" width=\"10\" height=\"10\"/><text class=\"legend\" x=\""
    << width - 156 << "\" y=\"17\">reference</text>";
  o << "<rect class=\"curbar\" x=\"" << width - 90 << "\" y=\"8\" width=\"10\" height=\"10\"/><text class=\"legend\" x=\""
    << width - 76 << "\" y=\"17\">this run</text>";
  o << "</svg>";
  return o.str();
}

// ---------------------------------------------------------------------------------------
// Sections

// Axis labels as short as the span of the axis allows: "06:19:07" within an hour,
// "06:19" within a day, else "11-25 06:19".
std::string ShortTime(int64_t us, int64_t span_us = std::numeric_limits<int64_t>::max()) {
  std::string t = core::IsoTimestampMicros(us);
  if (span_us < 3600LL * 1000000) return t.substr(11, 8);
  if (span_us < 86400LL * 1000000) return t.substr(11, 5);
  return t.substr(5, 5) + " " + t.substr(11, 5);
}

std::string Cell(const std::string& s, const char* cls = nullptr) {
  return std::string("<td") + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">" + E(s) + "</td>";
}
std::string NumCell(double v) { return "<td class=\"num\">" + E(NumberText(v)) + "</td>"; }
std::string IntCell(int64_t v) { return "<td class=\"num\">" + std::to_string(v) + "</td>"; }

std::string JStr(const Json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
int64_t JInt(const Json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<int64_t>() : 0;
}

std::string Summary(const HtmlReportInput& in) {
  const core::StoredRun& r = in.run;
  std::ostringstream o;
  o << "<section id=\"summary\"><h2>Run</h2><dl class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& v, const char* cls = nullptr) {
    o << "<dt>" << E(k) << "</dt><dd" << (cls ? std::string(" class=\"") + cls + "\"" : "") << ">" << E(v) << "</dd>";
  };
  kv("run", r.run_id, "mono");
  kv("pipeline", r.pipeline);
  kv("file", r.file, "mono");
  kv("status", r.status);
  kv("started", r.started, "mono");
  kv("ended", r.ended.empty() ? "(running)" : r.ended, "mono");
  kv("duration", DurationText(r.duration_seconds));
  kv("config hash", r.config_hash, "mono");
  kv("rows read / written", std::to_string(r.rows_read) + " / " + std::to_string(r.rows_written));
  kv("monitor windows / findings", std::to_string(r.windows) + " / " + std::to_string(r.findings));
  if (!r.error.empty()) kv("error", r.error, "err");
  o << "</dl>";
  if (!in.plugins.empty()) {
    o << "<h3>Plugins</h3><table class=\"sortable\"><thead><tr><th>plugin</th><th>version</th><th>sha256</th></tr>"
         "</thead><tbody>";
    for (const auto& p : in.plugins) o << "<tr>" << Cell(p.plugin) << Cell(p.version) << Cell(p.sha256, "mono") << "</tr>";
    o << "</tbody></table>";
  }
  if (!in.models.empty()) {
    o << "<h3>Models</h3><table class=\"sortable\"><thead><tr><th>node</th><th>version</th><th>rows</th>"
         "<th>framework</th><th>path</th><th>sha256</th></tr></thead><tbody>";
    for (const auto& m : in.models)
      o << "<tr>" << Cell(m.node) << Cell(m.version) << IntCell(m.rows) << Cell(m.framework) << Cell(m.path, "mono")
        << Cell(m.sha256, "mono") << "</tr>";
    o << "</tbody></table>";
  }
  o << "</section>";
  return o.str();
}

std::string Accounting(const HtmlReportInput& in) {
  std::ostringstream o;
  o << "<section id=\"accounting\"><h2>Row accounting</h2>";
  const Json& acc = in.run.accounting;
  if (!acc.is_object() || !acc.contains("sources") || !acc["sources"].is_object()) {
    o << "<p class=\"note\">No row accounting recorded (the run has not ended).</p></section>";
    return o.str();
  }
  bool balanced = acc.value("balanced", false);
  o << "<p class=\"" << (balanced ? "ok" : "err") << "\">"
    << (balanced ? "Balanced: every row read is accounted for at every sink."
                 : "NOT balanced: some rows are unaccounted for.")
    << "</p>";
  o << "<table><thead><tr><th>source</th><th>read</th><th>sink</th><th>written</th><th>dead-lettered</th>"
       "<th>filtered</th><th>skipped</th><th>balanced</th></tr></thead><tbody>";
  for (const auto& [src, s] : acc["sources"].items()) {
    const Json paths = s.contains("paths") && s["paths"].is_object() ? s["paths"] : Json::object();
    if (paths.empty()) o << "<tr>" << Cell(src) << IntCell(JInt(s, "read")) << "<td colspan=\"6\">(no sink)</td></tr>";
    for (const auto& [sink, p] : paths.items()) {
      bool b = p.value("balanced", false);
      o << "<tr>" << Cell(src) << IntCell(JInt(s, "read")) << Cell(sink) << IntCell(JInt(p, "reached"))
        << IntCell(JInt(p, "dead_lettered")) << IntCell(JInt(p, "filtered")) << IntCell(JInt(p, "skipped"))
        << Cell(b ? "yes" : "NO", b ? "ok" : "err") << "</tr>";
    }
  }
  o << "</tbody></table>";
  const Json& rep = in.run.report;
  if (rep.is_object() && rep.contains("nodes") && rep["nodes"].is_array()) {
    o << "<h3>Nodes</h3><table class=\"sortable\"><thead><tr><th>node</th><th>type</th><th>role</th>"
         "<th>rows in</th><th>rows out</th><th>dead-lettered</th><th>filtered</th><th>retries</th><th>errors</th>"
         "</tr></thead><tbody>";
    for (const auto& nd : rep["nodes"]) {
      std::string errors;
      if (nd.contains("errors") && nd["errors"].is_object())
        for (const auto& [code, count] : nd["errors"].items())
          errors += (errors.empty() ? "" : ", ") + code + " " + (count.is_number() ? count.dump() : "?");
      o << "<tr>" << Cell(JStr(nd, "name")) << Cell(JStr(nd, "type")) << Cell(JStr(nd, "role"))
        << IntCell(JInt(nd, "rows_in")) << IntCell(JInt(nd, "rows_out")) << IntCell(JInt(nd, "dead_lettered"))
        << IntCell(JInt(nd, "filtered")) << IntCell(JInt(nd, "retries")) << Cell(errors) << "</tr>";
    }
    o << "</tbody></table>";
  }
  o << "</section>";
  return o.str();
}

std::string TopValues(const Json& top) {
  std::string s;
  if (!top.is_array()) return s;
  for (const auto& t : top) {
    if (!t.is_object()) continue;
    std::string v = t.contains("value") && t["value"].is_string() ? t["value"].get<std::string>() : t.value("value", Json()).dump();
    double share = t.contains("share") && t["share"].is_number() ? t["share"].get<double>() : kNaN;
    s += (s.empty() ? "" : ", ") + v + " (" + std::to_string(JInt(t, "count")) + ", " + Pct(share) + ")";
  }
  return s;
}

std::string Findings(const HtmlReportInput& in) {
  std::ostringstream o;
  o << "<section id=\"findings\"><h2>Anomalies and drift alerts</h2>";
  std::vector<const core::FindingStreak*> mine;
  std::set<std::string> run_nodes;
  for (const auto& f : in.findings) run_nodes.insert(f.node);
  for (const auto& s : in.streaks)
    if (run_nodes.count(s.node) && s.last_run == in.run.run_id) mine.push_back(&s);
  if (!mine.empty()) {
    o << "<h3>Since when</h3><p class=\"note\">Since: the first window of the latest unbroken streak of the monitor's "
         "windows (over every recorded run of this pipeline up to this one) that carry the finding.</p>"
         "<table class=\"sortable\" id=\"since\"><thead><tr><th>feature</th><th>code</th><th>statistic</th>"
         "<th>node</th><th>since (UTC)</th><th>since run</th><th>windows</th><th>state</th></tr></thead><tbody>";
    for (const auto* s : mine)
      o << "<tr>" << Cell(s->feature) << Cell(s->code) << Cell(s->statistic) << Cell(s->node)
        << Cell(TimeText(s->since_us), "mono") << Cell(s->since_run, "mono") << IntCell(s->windows)
        << Cell(s->ongoing ? "ongoing" : "ended") << "</tr>";
    o << "</tbody></table>";
  }
  if (in.findings.empty()) {
    o << "<p class=\"ok\">No findings in this run.</p></section>";
    return o.str();
  }
  const size_t kMax = 1000;
  o << "<h3>Findings of this run</h3><table class=\"sortable\" id=\"anomalies\"><thead><tr><th>time (UTC)</th>"
       "<th>node</th><th>feature</th><th>finding</th><th>statistic</th><th>value</th><th>threshold</th>"
       "<th>top values (count, share)</th></tr></thead><tbody>";
  for (size_t i = 0; i < in.findings.size() && i < kMax; ++i) {
    const auto& f = in.findings[i];
    o << "<tr>" << Cell(TimeText(f.time_us), "mono") << Cell(f.node) << Cell(f.feature) << "<td class=\"wrap\"><span class=\"code\">"
      << E(f.code) << "</span><div class=\"msg\">" << E(f.message) << "</div></td>" << Cell(f.statistic)
      << NumCell(f.value) << NumCell(f.threshold) << Cell(TopValues(f.top_values), "wrap") << "</tr>";
  }
  o << "</tbody></table>";
  if (in.findings.size() > kMax)
    o << "<p class=\"note\">The first " << kMax << " of " << in.findings.size()
      << " findings; <code>trestle history</code> and the run store hold all of them.</p>";
  o << "</section>";
  return o.str();
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
  o << "<div class=\"charts\">";

  std::vector<std::string> labels, tips;
  const int64_t span = ws.empty() ? 0 : ws.back()->end_us - ws.front()->end_us;
  for (const auto* w : ws) {
    labels.push_back(ShortTime(w->end_us, span));
    tips.push_back(TimeText(w->start_us) + " – " + TimeText(w->end_us) + "\nrun " + w->run_id + ", " +
                   std::to_string(w->rows) + " rows");
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
    c.title = score + " per window" + (alerting.count(score) ? "" : " (no threshold recorded)");
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
      for (size_t i = 0; i < ws.size(); ++i)
        if (ws[i]->run_id == st.since_run && ws[i]->start_us == st.since_us) c.first_alert = static_cast<int>(i);
      c.first_alert_label = "first alert " + TimeText(st.since_us);
      if (c.first_alert < 0) note = "alerting since " + TimeText(st.since_us) + " (run " + st.since_run + "), before this chart";
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

const char* kCss = R"css(
:root{--fg:#1d2430;--muted:#5b6575;--line:#d8dde5;--bg:#fff;--soft:#f4f6f9;--accent:#1f6fb4;--bad:#c0392b;--good:#23863b}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;max-width:1240px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 8px}.sub{color:var(--muted);font-weight:normal;font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;color:#fff;background:var(--muted);vertical-align:middle}
.badge.succeeded{background:var(--good)}.badge.failed{background:var(--bad)}.badge.drained{background:#b7791f}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
.mono,code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;white-space:nowrap}td.mono{white-space:nowrap}
#anomalies{width:100%}#anomalies td{white-space:nowrap}#anomalies td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:180px}
#anomalies .code{font-weight:600;color:var(--bad)}#anomalies .msg{color:var(--muted);font-size:12.5px}table.sortable th{cursor:pointer}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:var(--good)}.err{color:var(--bad);font-weight:600}.note,figcaption{color:var(--muted);font-size:12.5px}
.charts{display:flex;flex-wrap:wrap;gap:8px 20px}figure{margin:0}figcaption{max-width:560px}
svg.chart{background:#fff;display:block}svg .ctitle{font-size:12.5px;font-weight:600;fill:var(--fg)}
svg .grid{stroke:#eceff3}svg .axis{stroke:#9aa3b0}svg .ytick{font-size:10.5px;fill:var(--muted);text-anchor:end}
svg .xtick{font-size:10px;fill:var(--muted);text-anchor:middle}svg .legend{font-size:11px;fill:var(--fg)}
svg .series{fill:none;stroke-width:1.8}svg .threshold{fill:none;stroke:var(--bad);stroke-width:1.4;stroke-dasharray:6 4}
svg .thlabel{font-size:10.5px;fill:var(--bad);text-anchor:end}svg .refline{stroke:#7f8c8d;stroke-dasharray:3 3}
svg .reflabel{font-size:10px;fill:#7f8c8d;text-anchor:end}svg .firstalert{stroke:#e07b00;stroke-width:1.5;stroke-dasharray:2 2}
svg .falabel{font-size:10.5px;fill:#b35f00;font-weight:600}svg .thisrun{fill:#eaf2fb}svg .runlabel{font-size:10px;fill:var(--accent)}
svg .refbar{fill:#b8c2cf}svg .curbar{fill:var(--accent)}
#script-errors{background:#fdecea;color:var(--bad);padding:8px;border-radius:4px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
)css";

// Marks the page: data-report-ready="ok" when this script ran without error, the
// number of charts and of resources the page fetched (performance entries; must be 0),
// and makes tables with class "sortable" sortable by a click on a header.
const char* kScript = R"js(
(function () {
  'use strict';
  var body = document.body;
  function sortBy(table, col, th) {
    var tbody = table.tBodies[0];
    if (!tbody) return;
    var asc = th.getAttribute('data-sort') !== 'asc';
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col] ? a.cells[col].textContent : '', y = b.cells[col] ? b.cells[col].textContent : '';
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny) && String(nx) === x.trim() && String(ny) === y.trim()) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute('data-sort'); });
    th.setAttribute('data-sort', asc ? 'asc' : 'desc');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.title = 'sort';
      th.addEventListener('click', function () { sortBy(table, i, th); });
    });
  });
  var resources = (window.performance && performance.getEntriesByType) ? performance.getEntriesByType('resource').length : 0;
  body.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
  body.setAttribute('data-network-resources', String(resources));
  var errors = document.documentElement.getAttribute('data-script-errors');
  body.setAttribute('data-report-ready', errors ? 'error' : 'ok');
})();
)js";

// Before anything else: any script error lands in the DOM.
const char* kErrorHook = R"js(
window.addEventListener('error', function (e) {
  var root = document.documentElement;
  var n = Number(root.getAttribute('data-script-errors') || '0') + 1;
  root.setAttribute('data-script-errors', String(n));
  if (document.body) {
    document.body.setAttribute('data-report-ready', 'error');
    var box = document.getElementById('script-errors');
    if (box) { box.hidden = false; box.textContent += 'Script error: ' + (e && e.message) + '\n'; }
  }
});
)js";

}  // namespace

std::string RenderHtmlReport(const HtmlReportInput& in) {
  const core::StoredRun& r = in.run;
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'; img-src data:\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta name=\"generator\" content=\"trestle " TRESTLE_VERSION "\">"
    << "<title>" << E("Trestle run " + r.run_id + " — " + r.pipeline) << "</title><style>" << kCss << "</style><script>"
    << kErrorHook << "</script></head>\n<body data-report-ready=\"no\" data-run-id=\"" << E(r.run_id) << "\">";
  o << "<pre id=\"script-errors\" hidden></pre>";
  o << "<header><h1>" << E(r.pipeline) << " <span class=\"badge " << E(r.status) << "\">" << E(r.status)
    << "</span></h1><div class=\"sub mono\">run " << E(r.run_id) << " · " << E(TrimIsoSeconds(r.started)) << " · "
    << E(DurationText(r.duration_seconds)) << "</div></header>\n";
  o << Summary(in) << "\n" << Accounting(in) << "\n" << Findings(in) << "\n";
  o << "<section id=\"features\"><h2>Features</h2>";
  if (in.features.empty()) {
    o << "<p class=\"note\">No monitor windows were recorded in this run (the pipeline has no monitor, or its "
         "monitors closed no window).</p>";
  } else {
    o << "<p class=\"note\">Per feature and monitor: reference vs this run, and each drift score per window";
    if (in.history_runs > 0)
      o << " over this run and " << in.history_runs << " earlier run" << (in.history_runs == 1 ? "" : "s")
        << " of the pipeline (this run shaded)";
    o << ". Red points: windows with a finding on that statistic; dashed red: the threshold; orange: the first "
         "alert of the latest unbroken streak.</p>";
    int i = 0;
    for (const auto& fs : in.features) o << FeatureSection(in, fs, i++) << "\n";
  }
  o << "</section>";
  o << "<footer>Generated by trestle " TRESTLE_VERSION " at " << E(in.generated_at) << " from "
    << E(in.store_path) << ". Self-contained: no network resources.</footer>";
  o << "<script>" << kScript << "</script></body></html>\n";
  return o.str();
}

}  // namespace trestle::cli
