#pragma once
/// What the HTML report inlines besides its content: the style sheet and the two
/// scripts. Internal to the report's files.

namespace trestle::cli::html {

extern const char* const kCss;
/// Marks the page: data-report-ready="ok" when this script ran without error, the
/// number of charts and of resources the page fetched (performance entries; must be 0),
/// and makes tables with class "sortable" sortable by a click on a header.
extern const char* const kScript;
/// Runs before anything else so that any script error lands in the DOM.
extern const char* const kErrorHook;

}  // namespace trestle::cli::html
