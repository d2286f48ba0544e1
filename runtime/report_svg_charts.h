#pragma once
/// The inline SVG charts of the HTML report: a line chart of values per window and a
/// histogram of reference vs current shares. Internal to the report's files; every
/// text drawn is HTML-escaped.

#include <string>
#include <utility>
#include <vector>

namespace trestle::cli::html {

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

std::string RenderLineChart(const LineChart& c, int width = 540, int height = 230);

struct Histogram {
  std::string title;
  std::vector<std::string> labels;
  std::vector<double> reference, current;  ///< shares
};

std::string RenderHistogram(const Histogram& h, int width = 540, int height = 240);

}  // namespace trestle::cli::html
