#pragma once
/// The HTML report's section of one feature as one monitor saw it: reference vs this
/// run (a histogram, or the quantiles per window when no bins were recorded) and each
/// drift score per window against its threshold. Internal to the report's files.

#include <string>

#include "report_html.h"

namespace trestle::cli::html {

/// `index` numbers the section's id (feature-<index>).
std::string FeatureSection(const HtmlReportInput& in, const FeatureSeries& fs, int index);

}  // namespace trestle::cli::html
