#include "report_svg_charts.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <sstream>

#include "report_html_text.h"
#include "report_util.h"

namespace trestle::cli::html {

namespace {

const char* const kPalette[] = {"#1f6fb4", "#e07b00", "#2a9d3a", "#8e44ad", "#8c564b", "#d62790"};

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

}  // namespace

std::string RenderLineChart(const LineChart& c, int width, int height) {
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

std::string RenderHistogram(const Histogram& h, int width, int height) {
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

}  // namespace trestle::cli::html
