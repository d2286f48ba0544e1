#include "report_html_text.h"

#include <cmath>
#include <cstdio>

namespace trestle::cli::html {

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

}  // namespace trestle::cli::html
