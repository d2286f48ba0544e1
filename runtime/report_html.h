#pragma once
/// The HTML run report (`trestle report`): one self-contained file — inline CSS, inline
/// SVG charts drawn here, a few lines of inline script (table sorting, and marking the
/// page as rendered without script errors) — that loads nothing from the network (a
/// Content-Security-Policy of default-src 'none' says so to the browser too). Every
/// piece of text from the store is HTML-escaped.

#include <string>
#include <vector>

#include "store/run_store.h"

namespace trestle::cli {

/// One feature as seen by one monitor node, over the runs the report covers.
struct FeatureSeries {
  std::string node, feature, kind;
  std::vector<core::StoredFeatureWindow> windows;  ///< oldest first; this run and earlier ones
};

struct HtmlReportInput {
  core::StoredRun run;  ///< with its report and accounting
  std::vector<core::StoredPlugin> plugins;
  std::vector<core::StoredModel> models;
  std::vector<core::StoredFinding> findings;          ///< this run's
  std::vector<core::StoredFinding> history_findings;  ///< of the runs the charts cover
  std::vector<core::FindingStreak> streaks;           ///< up to the end of this run
  std::vector<FeatureSeries> features;
  int64_t history_runs = 0;  ///< earlier runs shown in the charts (besides this one)
  std::string store_path, generated_at;
};

std::string RenderHtmlReport(const HtmlReportInput& in);

/// &, <, >, " and ' as entities.
std::string HtmlEscape(const std::string& s);

}  // namespace trestle::cli
