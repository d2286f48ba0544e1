#pragma once
/// Short texts the parts of the HTML report (report_html.h) share. Internal to the
/// report's files.

#include <limits>
#include <string>

#include "report_html.h"

namespace trestle::cli::html {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// HtmlEscape(s), short for the code that builds markup.
inline std::string E(const std::string& s) { return HtmlEscape(s); }
/// One decimal ("%.1f"), for SVG coordinates.
std::string F1(double v);
/// A share as a percentage with one decimal; "-" when not finite.
std::string Pct(double share);

}  // namespace trestle::cli::html
