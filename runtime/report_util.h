#pragma once
/// Helpers of the run-store commands (runs, history, report): opening the store of a
/// state directory, formatting times, durations and numbers, aligned text tables, and
/// which window statistics are worth a column.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/run_store.h"

namespace trestle::cli {

/// Opens STATE_DIR/runs.db for reading; prints the problem to stderr and returns null
/// when there is no store or it cannot be opened.
std::unique_ptr<core::RunStore> OpenStoreOrReport(const std::string& state_dir);

/// Microseconds since the epoch as "2026-11-25T06:19:07Z" (seconds).
std::string TimeText(int64_t us);
/// A run's --date (YYYY-MM-DD) when `dated`, else the time `us` as TimeText.
std::string WhenText(const std::string& date, bool dated, int64_t us);
/// An ISO-8601 timestamp with its fraction cut to seconds ("...T06:19:07Z").
std::string TrimIsoSeconds(const std::string& iso);
/// 0.07s, 12.3s, 4m05s, 2h03m; "-" when negative (still running).
std::string DurationText(double seconds);
/// %.4g; "-" for NaN and infinities.
std::string NumberText(double v);
/// A number for JSON: null when not finite.
nlohmann::json JsonNumber(double v);
/// A map of statistics for JSON (non-finite values as null).
nlohmann::json JsonNumbers(const std::map<std::string, double>& m);

/// Columns padded to their widest cell; numbers (cells starting with a digit, a sign or
/// "-" alone) right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size() - 1; }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

/// Whether a statistic key holds one bin of a histogram: the pairs of key prefixes a
/// monitor may use for a window's share per bin and the reference's share of the same
/// bin ("bin_3"/"ref_bin_3", "bin[(1,2]]"/"reference_bin[(1,2]]",
/// "class_share[yes]"/"reference_class_share[yes]", "share[US]"/"reference_share[US]").
struct BinKeys {
  std::string current_prefix, reference_prefix, suffix;
};
const std::vector<BinKeys>& HistogramKeyPatterns();
/// True for keys that are bins, reference values or thresholds rather than statistics
/// of the window (left out of the history table).
bool IsAuxiliaryStat(const std::string& key);
/// The statistics shown as columns by `trestle history` (in this order, those present).
const std::vector<std::string>& KeyStats();
/// Drift scores in the order they are shown; others follow alphabetically.
const std::vector<std::string>& ScoreOrder();
/// Orders score names: ScoreOrder() first, then the rest alphabetically.
std::vector<std::string> OrderScores(const std::vector<std::string>& names);

}  // namespace trestle::cli
