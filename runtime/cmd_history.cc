// trestle history [--feature F] [--since T] [--node N] [--pipeline P] [--state-dir D]
//                 [--format table|json]
//
// With --feature: the feature's statistics and drift scores per monitor window, oldest
// first, and for each finding on it (code and statistic, per monitor node) since when it
// has been present: the first window of the latest unbroken streak of that node's
// windows carrying the finding (core::ComputeStreaks). Without: every feature with a
// finding, ongoing ones first, with its first and last date. Dates are the runs'
// --date where they had one (the day the data describes), else the windows' UTC times.
// --since limits the windows and findings printed, not the streaks, which are always
// computed over the whole record.
#include <algorithm>
#include <iostream>
#include <tuple>
#include <set>

#include "commands.h"
#include "common_options.h"
#include "exec/row_json.h"
#include "exit_codes.h"
#include "report_util.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

nlohmann::json StreakJson(const core::FindingStreak& s) {
  return {{"pipeline", s.pipeline},
          {"node", s.node},
          {"feature", s.feature},
          {"code", s.code},
          {"statistic", s.statistic},
          {"since", core::IsoTimestampMicros(s.since_us)},
          {"since_us", s.since_us},
          {"since_date", s.since_date},
          {"since_dated", s.since_dated},
          {"last_date", s.last_date},
          {"since_run", s.since_run},
          {"last_window_start", core::IsoTimestampMicros(s.last_us)},
          {"last_window_start_us", s.last_us},
          {"last_seen", core::IsoTimestampMicros(s.last_end_us)},
          {"last_run", s.last_run},
          {"windows", s.windows},
          {"total_windows", s.total_windows},
          {"ongoing", s.ongoing},
          {"last_value", JsonNumber(s.last_value)},
          {"threshold", JsonNumber(s.threshold)},
          {"message", s.message}};
}

// Streaks over the whole record of the nodes that reported findings matching `query`
// (its since_us aside), those seen at or after since_us.
core::Result<std::vector<core::FindingStreak>> LoadStreaks(core::RunStore& store, const core::EventQuery& query) {
  core::EventQuery all = query;
  all.since_us = core::EventQuery().since_us;
  auto findings = store.Findings(all);
  if (!findings.ok()) return findings.status();
  std::set<std::pair<std::string, std::string>> nodes;
  for (const auto& f : *findings) nodes.insert({f.pipeline, f.node});
  std::vector<core::StoredWindow> timeline;
  for (const auto& [p, n] : nodes) {
    core::EventQuery q;
    q.pipeline = p;
    q.node = n;
    auto w = store.Windows(q);
    if (!w.ok()) return w.status();
    timeline.insert(timeline.end(), w->begin(), w->end());
  }
  std::vector<core::FindingStreak> streaks;
  for (auto& s : core::ComputeStreaks(timeline, *findings))
    if (s.last_end_us >= query.since_us) streaks.push_back(std::move(s));
  return streaks;
}

// Every feature with a finding: ongoing first, then by the date it began.
int PrintSummary(std::vector<core::FindingStreak> streaks, const std::string& store_path, const std::string& since,
                 int64_t since_us, const std::string& format) {
  std::stable_sort(streaks.begin(), streaks.end(), [](const core::FindingStreak& a, const core::FindingStreak& b) {
    if (a.ongoing != b.ongoing) return a.ongoing;
    return std::tie(a.since_date, a.since_us) < std::tie(b.since_date, b.since_us);
  });
  if (format == "json") {
    nlohmann::json fs = nlohmann::json::array();
    for (const auto& s : streaks) fs.push_back(StreakJson(s));
    std::cout << nlohmann::json({{"store", store_path},
                                 {"since", since.empty() ? nlohmann::json() : nlohmann::json(core::IsoTimestampMicros(since_us))},
                                 {"findings", fs}})
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  if (streaks.empty()) {
    std::cout << "no findings" << (since.empty() ? "" : " since " + TimeText(since_us)) << " in " << store_path << "\n";
    return kExitOk;
  }
  std::set<std::string> pipelines, features;
  for (const auto& s : streaks) pipelines.insert(s.pipeline), features.insert(s.feature);
  std::cout << features.size() << " feature" << (features.size() == 1 ? "" : "s")
            << " with findings (SINCE: the first day of the latest unbroken streak; `trestle history --feature F` for "
               "one feature's windows):\n";
  TextTable table({"FEATURE", "CODE", "STATISTIC", "NODE", "SINCE", "LAST SEEN", "STATE", "WINDOWS", "VALUE", "THRESHOLD"});
  for (const auto& s : streaks)
    table.Add({s.feature.empty() ? "(table)" : s.feature, s.code, s.statistic.empty() ? "-" : s.statistic,
               pipelines.size() > 1 ? s.pipeline + "/" + s.node : s.node, WhenText(s.since_date, s.since_dated, s.since_us),
               WhenText(s.last_date, s.last_dated, s.last_end_us), s.ongoing ? "ongoing" : "ended",
               std::to_string(s.windows), NumberText(s.last_value), NumberText(s.threshold)});
  table.Print(std::cout);
  return kExitOk;
}

}  // namespace

int HistoryCommand(const Args& args) {
  std::string state_dir, feature, since, node, pipeline, format;
  po::options_description desc("trestle history options");
  desc.add_options()("help,h", "show this help")(
      "feature", po::value(&feature), "the feature (column); without it, a summary of every feature with a finding")(
      "since", po::value(&since),
      "only windows ending at or after this ISO-8601 date or time (UTC unless it has an offset), e.g. 2026-11-25 "
      "or 2026-11-25T06:00:00Z")("node", po::value(&node), "only this monitor node")(
      "pipeline", po::value(&pipeline), "only runs of this pipeline")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"), "the state directory whose runs.db to read")(
      "format", po::value(&format)->default_value("table"), "table | json");
  po::positional_options_description pos;
  pos.add("feature", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle history [--feature F] [options]", help)) return kExitUsage;
  if (help) return kExitOk;
  if (format != "table" && format != "json") {
    std::cerr << "trestle: --format must be table or json, not \"" << format << "\"\n";
    return kExitUsage;
  }
  core::EventQuery query;
  query.feature = feature;
  query.node = node;
  query.pipeline = pipeline;
  if (!since.empty()) {
    auto t = core::ParseIsoTimeMicros(since);
    if (!t.ok()) {
      std::cerr << "trestle: --since: " << t.status().message() << "\n";
      return kExitUsage;
    }
    query.since_us = *t;
  }

  auto store = OpenStoreOrReport(state_dir);
  if (!store) return kExitRunFailed;
  auto fail = [](const core::Status& st) {
    std::cerr << "trestle: " << st.message() << "\n";
    return kExitRunFailed;
  };
  auto loaded = LoadStreaks(*store, query);
  if (!loaded.ok()) return fail(loaded.status());
  std::vector<core::FindingStreak> streaks = std::move(loaded).value();
  if (feature.empty()) return PrintSummary(std::move(streaks), store->path(), since, query.since_us, format);
  auto windows = store->FeatureWindows(query);
  if (!windows.ok()) return fail(windows.status());
  // Oldest first in the data's dates: a backfilled day among its neighbours.
  std::stable_sort(windows->begin(), windows->end(), core::ByDateThenStart);

  if (format == "json") {
    nlohmann::json ws = nlohmann::json::array();
    for (const auto& w : *windows)
      ws.push_back({{"window_id", w.window_id},
                    {"run_id", w.run_id},
                    {"pipeline", w.pipeline},
                    {"node", w.node},
                    {"start", core::IsoTimestampMicros(w.start_us)},
                    {"end", core::IsoTimestampMicros(w.end_us)},
                    {"start_us", w.start_us},
                    {"end_us", w.end_us},
                    {"date", core::WindowDate(w)},
                    {"run_date", w.run_date},
                    {"rows", w.rows},
                    {"skipped_batches", w.skipped_batches},
                    {"kind", w.kind},
                    {"stats", JsonNumbers(w.stats)},
                    {"scores", JsonNumbers(w.scores)}});
    nlohmann::json fs = nlohmann::json::array();
    for (const auto& s : streaks) fs.push_back(StreakJson(s));
    nlohmann::json out = {{"feature", feature},
                          {"store", store->path()},
                          {"since", since.empty() ? nlohmann::json() : nlohmann::json(core::IsoTimestampMicros(query.since_us))},
                          {"windows", ws},
                          {"findings", fs}};
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }

  if (windows->empty() && streaks.empty()) {
    std::cout << "no monitor windows or findings for feature \"" << feature << "\""
              << (since.empty() ? "" : " since " + TimeText(query.since_us)) << " in " << store->path() << "\n";
    return kExitOk;
  }
  std::set<std::string> pipelines, runs;
  for (const auto& w : *windows) pipelines.insert(w.pipeline), runs.insert(w.run_id);
  for (const auto& s : streaks) pipelines.insert(s.pipeline);
  const bool many_pipelines = pipelines.size() > 1;
  auto node_name = [&](const std::string& p, const std::string& n) { return many_pipelines ? p + "/" + n : n; };

  std::cout << "feature \"" << feature << "\": " << windows->size() << " window" << (windows->size() == 1 ? "" : "s")
            << " in " << runs.size() << " run" << (runs.size() == 1 ? "" : "s")
            << (since.empty() ? "" : " since " + TimeText(query.since_us)) << "\n";
  if (!windows->empty()) {
    std::set<std::string> stat_names, score_names;
    for (const auto& w : *windows) {
      for (const auto& [k, v] : w.stats) stat_names.insert(k);
      for (const auto& [k, v] : w.scores) score_names.insert(k);
    }
    std::vector<std::string> stats;
    for (const auto& k : KeyStats())
      if (stat_names.count(k)) stats.push_back(k);
    std::vector<std::string> scores = OrderScores({score_names.begin(), score_names.end()});
    std::vector<std::string> header = {"DATE", "WINDOW END (UTC)", "RUN", "NODE", "ROWS"};
    header.insert(header.end(), stats.begin(), stats.end());
    header.insert(header.end(), scores.begin(), scores.end());
    TextTable table(header);
    for (const auto& w : *windows) {
      std::vector<std::string> row = {core::WindowDate(w), TimeText(w.end_us), w.run_id,
                                      node_name(w.pipeline, w.node), std::to_string(w.rows)};
      for (const auto& k : stats) row.push_back(w.stats.count(k) ? NumberText(w.stats.at(k)) : "");
      for (const auto& k : scores) row.push_back(w.scores.count(k) ? NumberText(w.scores.at(k)) : "");
      table.Add(std::move(row));
    }
    std::cout << "\n";
    table.Print(std::cout);
  }
  std::cout << "\n";
  if (streaks.empty()) {
    std::cout << "no findings on \"" << feature << "\"\n";
    return kExitOk;
  }
  std::cout << "findings on \"" << feature
            << "\" (SINCE: the first window of the latest unbroken streak of the node's windows with the finding):\n";
  TextTable table({"CODE", "STATISTIC", "NODE", "SINCE", "SINCE RUN", "WINDOWS", "LAST SEEN", "STATE", "VALUE",
                   "THRESHOLD"});
  for (const auto& s : streaks)
    table.Add({s.code, s.statistic.empty() ? "-" : s.statistic, node_name(s.pipeline, s.node),
               WhenText(s.since_date, s.since_dated, s.since_us), s.since_run, std::to_string(s.windows),
               WhenText(s.last_date, s.last_dated, s.last_end_us), s.ongoing ? "ongoing" : "ended",
               NumberText(s.last_value), NumberText(s.threshold)});
  table.Print(std::cout);
  return kExitOk;
}

}  // namespace trestle::cli
