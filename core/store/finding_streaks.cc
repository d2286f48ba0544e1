#include "store/run_store.h"

#include <map>
#include <set>
#include <tuple>

namespace trestle::core {

std::vector<FindingStreak> ComputeStreaks(const std::vector<StoredWindow>& timeline,
                                          const std::vector<StoredFinding>& findings) {
  using NodeKey = std::pair<std::string, std::string>;            // pipeline, node
  using Point = std::pair<int64_t, std::string>;                   // window start, run
  using FindingKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<NodeKey, std::set<Point>> points;
  std::map<FindingKey, std::map<Point, const StoredFinding*>> marked;  // last finding per window
  for (const auto& f : findings) {
    points[{f.pipeline, f.node}].insert({f.window_start_us, f.run_id});
    auto& m = marked[{f.pipeline, f.node, f.feature, f.code, f.statistic}];
    auto [it, fresh] = m.emplace(Point{f.window_start_us, f.run_id}, &f);
    if (!fresh && f.time_us >= it->second->time_us) it->second = &f;
  }
  for (const auto& w : timeline) {
    auto it = points.find({w.pipeline, w.node});
    if (it != points.end()) it->second.insert({w.start_us, w.run_id});
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
    s.since_us = line[static_cast<size_t>(first)].first;
    s.since_run = line[static_cast<size_t>(first)].second;
    s.last_us = line[static_cast<size_t>(last)].first;
    s.last_run = line[static_cast<size_t>(last)].second;
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
