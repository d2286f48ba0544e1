#pragma once
/// The date a run is for (`trestle run --date D`, and each date of `--from D1 --to D2`):
/// parsing, the pipeline-file variables it defines, and the dates of a backfill.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace trestle::cli {

/// A calendar date as YYYY-MM-DD; the text is canonical (zero-padded).
struct RunDate {
  int year = 0;
  unsigned month = 0, day = 0;
  std::string Text() const;
};

/// Parses YYYY-MM-DD (a real calendar date, years 1900..9998). INVALID_ARGUMENT naming
/// `what` (e.g. "--date") and the value otherwise.
core::Result<RunDate> ParseRunDate(const std::string& text, const std::string& what);

/// The variables a run date defines for ${...} in the pipeline file:
/// RUN_DATE (2026-12-01), RUN_DATE_NODASH (20261201), RUN_DATE_PREV and RUN_DATE_NEXT
/// (the days before and after), RUN_YEAR (2026), RUN_MONTH (12), RUN_DAY (01).
std::map<std::string, std::string> RunDateVariables(const RunDate& date);

/// Every date from `from` to `to`, both included, in order. INVALID_ARGUMENT when `to`
/// is before `from` or the range is longer than `max_days`.
core::Result<std::vector<RunDate>> DatesBetween(const RunDate& from, const RunDate& to, int max_days = 3660);

}  // namespace trestle::cli
