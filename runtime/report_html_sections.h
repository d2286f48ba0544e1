#pragma once
/// The sections of the HTML report about the run itself, each a <section> element:
/// the summary with its plugins and models, the row accounting with its nodes, and the
/// findings with since when they hold. Internal to the report's files.

#include <string>

#include "report_html.h"

namespace trestle::cli::html {

std::string Summary(const HtmlReportInput& in);
std::string Accounting(const HtmlReportInput& in);
/// "What changed, and since when": the streaks of this run's findings, ongoing and most
/// recent first, in the runs' dates. Empty when the run has no findings.
std::string SinceWhen(const HtmlReportInput& in);
std::string Findings(const HtmlReportInput& in);

}  // namespace trestle::cli::html
