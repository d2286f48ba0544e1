// trestle history --feature F [--since T] [--node N] [--pipeline P] [--state-dir D]
//                 [--format table|json]
//
// A feature's statistics and drift scores per monitor window, oldest first, and for each
// finding on it (code and statistic, per monitor node) since when it has been present:
// the first window of the latest unbroken streak of that node's windows carrying the
// finding (core::ComputeStreaks). --since limits the windows printed, not the streaks,
// which are always computed over the whole record.
#include <iostream>
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

}  // namespace

int HistoryCommand(const Args& args) {
  std::string state_dir, feature, since, node, pipeline, format;
  po::options_description desc("trestle history options");
  desc.add_options()("help,h", "show this help")("feature", po::value(&feature)->required(), "the feature (column)")(
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
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle history --feature F [options]", help)) return kExitUsage;
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
  auto windows = store->FeatureWindows(query);
  if (!windows.ok()) return fail(windows.status());
  // Streaks over the whole record of the nodes that reported findings on the feature.
  core::EventQuery all = query;
  all.since_us = core::EventQuery().since_us;
  auto findings = store->Findings(all);
  if (!findings.ok()) return fail(findings.status());
  std::set<std::pair<std::string, std::string>> nodes;
  for (const auto& f : *findings) nodes.insert({f.pipeline, f.node});
  std::vector<core::StoredWindow> timeline;
  for (const auto& [p, n] : nodes) {
    core::EventQuery q;
    q.pipeline = p;
    q.node = n;
    auto w = store->Windows(q);
    if (!w.ok()) return fail(w.status());
    timeline.insert(timeline.end(), w->begin(), w->end());
  }
  std::vector<core::FindingStreak> streaks;
  for (auto& s : core::ComputeStreaks(timeline, *findings))
    if (s.last_end_us >= query.since_us) streaks.push_back(std::move(s));

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
    std::vector<std::string> header = {"WINDOW END (UTC)", "RUN", "NODE", "ROWS"};
    header.insert(header.end(), stats.begin(), stats.end());
    header.insert(header.end(), scores.begin(), scores.end());
    TextTable table(header);
    for (const auto& w : *windows) {
      std::vector<std::string> row = {TimeText(w.end_us), w.run_id, node_name(w.pipeline, w.node), std::to_string(w.rows)};
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
  TextTable table({"CODE", "STATISTIC", "NODE", "SINCE (UTC)", "SINCE RUN", "WINDOWS", "LAST SEEN (UTC)", "STATE",
                   "VALUE", "THRESHOLD"});
  for (const auto& s : streaks)
    table.Add({s.code, s.statistic.empty() ? "-" : s.statistic, node_name(s.pipeline, s.node), TimeText(s.since_us),
               s.since_run, std::to_string(s.windows), TimeText(s.last_end_us), s.ongoing ? "ongoing" : "ended",
               NumberText(s.last_value), NumberText(s.threshold)});
  table.Print(std::cout);
  return kExitOk;
}

}  // namespace trestle::cli
