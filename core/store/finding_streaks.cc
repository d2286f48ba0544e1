#include "store/run_store.h"

#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace trestle::core {

std::string UtcDate(int64_t us) {
  const int64_t day = us >= 0 ? us / 86400000000 : -((-us + 86399999999) / 86400000000);
  // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar).
  const int64_t z = day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y), static_cast<long long>(m),
                static_cast<long long>(d));
  return buf;
}

std::vector<FindingStreak> ComputeStreaks(const std::vector<StoredWindow>& timeline,
                                          const std::vector<StoredFinding>& findings) {
  using NodeKey = std::pair<std::string, std::string>;  // pipeline, node
  // A window on its node's timeline: its date (the run's, or its start's), start, run.
  using Point = std::tuple<std::string, int64_t, std::string>;
  using FindingKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  auto point = [](const std::string& run_date, int64_t start_us, const std::string& run) {
    return Point{WindowDate(run_date, start_us), start_us, run};
  };
  std::map<NodeKey, std::set<Point>> points;
  std::set<std::string> dated_runs;
  std::map<FindingKey, std::map<Point, const StoredFinding*>> marked;  // last finding per window
  for (const auto& f : findings) {
    const Point at = point(f.run_date, f.window_start_us, f.run_id);
    if (!f.run_date.empty()) dated_runs.insert(f.run_id);
    points[{f.pipeline, f.node}].insert(at);
    auto& m = marked[{f.pipeline, f.node, f.feature, f.code, f.statistic}];
    auto [it, fresh] = m.emplace(at, &f);
    if (!fresh && f.time_us >= it->second->time_us) it->second = &f;
  }
  for (const auto& w : timeline) {
    auto it = points.find({w.pipeline, w.node});
    if (it != points.end()) it->second.insert(point(w.run_date, w.start_us, w.run_id));
    if (!w.run_date.empty()) dated_runs.insert(w.run_id);
  }
  std::vector<FindingStreak> out;
  for (const auto& [key, hits] : marked) {
    const auto& [pipeline, node, feature, code, statistic] = key;
    const std::vector<Point> line(points[{pipeline, node}].begin(), points[{pipeline, node}].end());
    // The last window with the finding, then back while the windows keep having it.
    int64_t last = -1;
    for (int64_t i = static_cast<int64_t>(line.size()) - 1; i >= 0; --i)
      if (hits.count(line[static_cast<size_t>(i)])) {
        last = i;
        break;
      }
    if (last < 0) continue;  // cannot happen: every finding's window is on the line
    int64_t first = last;
    while (first > 0 && hits.count(line[static_cast<size_t>(first - 1)])) --first;
    const StoredFinding& lf = *hits.at(line[static_cast<size_t>(last)]);
    FindingStreak s;
    s.pipeline = pipeline;
    s.node = node;
    s.feature = feature;
    s.code = code;
    s.statistic = statistic;
    const Point& since = line[static_cast<size_t>(first)];
    const Point& until = line[static_cast<size_t>(last)];
    s.since_date = std::get<0>(since);
    s.since_us = std::get<1>(since);
    s.since_run = std::get<2>(since);
    s.since_dated = dated_runs.count(s.since_run) > 0;
    s.last_date = std::get<0>(until);
    s.last_us = std::get<1>(until);
    s.last_run = std::get<2>(until);
    s.last_dated = dated_runs.count(s.last_run) > 0;
    s.last_end_us = lf.time_us;
    s.windows = last - first + 1;
    s.total_windows = static_cast<int64_t>(hits.size());
    s.ongoing = last == static_cast<int64_t>(line.size()) - 1;
    s.last_value = lf.value;
    s.threshold = lf.threshold;
    s.message = lf.message;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace trestle::core
