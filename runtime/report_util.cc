#include "report_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>

#include "exec/row_json.h"
#include "stale_runs.h"

namespace trestle::cli {

std::unique_ptr<core::RunStore> OpenStoreOrReport(const std::string& state_dir) {
  const std::string path = core::RunStore::DefaultPath(state_dir);
  auto store = core::RunStore::Open(path, /*create=*/false);
  if (!store.ok()) {
    std::cerr << "trestle: " << store.status().message() << "\n";
    return nullptr;
  }
  // What the store says is running on this host, it should not say of dead processes.
  ReconcileAbandonedRuns(**store);
  return std::move(*store);
}

std::string TimeText(int64_t us) { return TrimIsoSeconds(core::IsoTimestampMicros(us)); }

std::string WhenText(const std::string& date, bool dated, int64_t us) { return dated ? date : TimeText(us); }

std::string TrimIsoSeconds(const std::string& iso) {
  // "2026-11-25T06:19:07.123456Z" -> "2026-11-25T06:19:07Z"
  if (iso.size() == 27 && iso[19] == '.' && iso.back() == 'Z') return iso.substr(0, 19) + "Z";
  return iso;
}

std::string DurationText(double s) {
  if (!(s >= 0)) return "-";
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, s < 10 ? "%.2fs" : "%.1fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(s / 60) % 60);
  return buf;
}

std::string NumberText(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  // Whole numbers (counts) in full up to 10^12; anything else with 4 significant digits.
  if (v == std::floor(v) && std::fabs(v) < 1e12) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

nlohmann::json JsonNumber(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json JsonNumbers(const std::map<std::string, double>& m) {
  nlohmann::json o = nlohmann::json::object();
  for (const auto& [k, v] : m) o[k] = JsonNumber(v);
  return o;
}

void TextTable::Print(std::ostream& out) const {
  std::vector<size_t> width;
  for (const auto& r : rows_)
    for (size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], r[c].size());
    }
  auto numeric = [](const std::string& s) {
    return !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s == "-" ||
                          ((s[0] == '-' || s[0] == '+') && s.size() > 1 && std::isdigit(static_cast<unsigned char>(s[1]))));
  };
  for (size_t i = 0; i < rows_.size(); ++i) {
    const auto& r = rows_[i];
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      const bool right = i > 0 && numeric(r[c]);
      std::string pad(width[c] - r[c].size(), ' ');
      line += right ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : "");
      if (c + 1 < r.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

const std::vector<BinKeys>& HistogramKeyPatterns() {
  static const std::vector<BinKeys> k = {{"bin_", "ref_bin_", ""},
                                         {"bin[", "reference_bin[", "]"},
                                         {"class_share[", "reference_class_share[", "]"},
                                         {"share[", "reference_share[", "]"}};
  return k;
}

bool IsAuxiliaryStat(const std::string& key) {
  for (const auto& p : HistogramKeyPatterns())
    if (key.rfind(p.current_prefix, 0) == 0 || key.rfind(p.reference_prefix, 0) == 0) return true;
  return key.rfind("reference_", 0) == 0 || key.rfind("ref_", 0) == 0 || key.rfind("threshold_", 0) == 0 ||
         key == "alert";
}

const std::vector<std::string>& KeyStats() {
  static const std::vector<std::string> k = {"count", "null_share", "mean", "std", "p50", "unseen_share", "distinct"};
  return k;
}

const std::vector<std::string>& ScoreOrder() {
  static const std::vector<std::string> k = {"psi", "ks", "ks_p", "js", "chi2", "chi2_p", "linf", "wasserstein"};
  return k;
}

std::vector<std::string> OrderScores(const std::vector<std::string>& names) {
  std::set<std::string> have(names.begin(), names.end());
  std::vector<std::string> out;
  for (const auto& s : ScoreOrder())
    if (have.erase(s)) out.push_back(s);
  out.insert(out.end(), have.begin(), have.end());
  return out;
}

}  // namespace trestle::cli
