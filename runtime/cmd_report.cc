// trestle report RUN_ID [-o report.html] [--state-dir D] [--history-runs N]
#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include "commands.h"
#include "common/output_file.h"
#include "common_options.h"
#include "exec/row_json.h"
#include "exit_codes.h"
#include "report_html.h"
#include "report_util.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

int Fail(const core::Status& st) {
  std::cerr << "trestle: " << st.message() << "\n";
  return kExitRunFailed;
}

}  // namespace

int ReportCommand(const Args& args) {
  std::string run_id, output, state_dir;
  int64_t history_runs = 30;
  po::options_description desc("trestle report options");
  desc.add_options()("help,h", "show this help")("run", po::value(&run_id)->required(),
                                                   "the run id (as `trestle runs` lists it), or \"latest\"")(
      "output,o", po::value(&output), "the HTML file to write (default report-RUN_ID.html; - for stdout)")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"), "the state directory whose runs.db to read")(
      "history-runs", po::value(&history_runs)->default_value(30),
      "earlier runs of the same pipeline drawn in the charts beside this one (0 = this run only)");
  po::positional_options_description pos;
  pos.add("run", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle report RUN_ID [-o FILE] [options]", help)) return kExitUsage;
  if (help) return kExitOk;
  if (history_runs < 0) {
    std::cerr << "trestle: --history-runs must be 0 or more\n";
    return kExitUsage;
  }

  // What -o names is refused before anything is read when it is not a file to replace.
  if (!output.empty() && output != "-") {
    if (core::Status usable = CheckCommandOutput(output, "-o", state_dir); !usable.ok()) {
      std::cerr << "trestle: " << usable.message() << "\n";
      return kExitUsage;
    }
  }
  auto store = OpenStoreOrReport(state_dir);
  if (!store) return kExitRunFailed;
  if (run_id == "latest") {
    auto latest = store->ListRuns({"", 1});
    if (!latest.ok()) return Fail(latest.status());
    if (latest->empty()) return Fail(core::InvalidArgument("no runs in " + store->path()));
    run_id = latest->front().run_id;
  }
  auto run = store->GetRun(run_id);
  if (!run.ok()) return Fail(run.status());
  HtmlReportInput in;
  in.run = *run;
  in.store_path = store->path();
  in.generated_at = TrimIsoSeconds(core::NowIso());
  auto plugins = store->RunPlugins(run_id);
  if (!plugins.ok()) return Fail(plugins.status());
  in.plugins = *plugins;
  auto models = store->RunModels(run_id);
  if (!models.ok()) return Fail(models.status());
  in.models = *models;
  core::EventQuery this_run;
  this_run.run_id = run_id;
  auto findings = store->Findings(this_run);
  if (!findings.ok()) return Fail(findings.status());
  in.findings = *findings;

  // The runs of this pipeline up to this one: all of them for "since when", this one
  // and the `history_runs` before it for the charts. "Up to" in the data's dates: a run
  // made with --date D comes where D is, a run without one on the day it started, so the
  // report of a backfilled day shows the days before it, not the runs made before it.
  auto all_runs = store->ListRuns({in.run.pipeline, 0});
  if (!all_runs.ok()) return Fail(all_runs.status());
  auto date_order = [](const core::StoredRun& r) {
    return std::make_tuple(r.run_date.empty() ? r.started.substr(0, 10) : r.run_date, r.started, r.run_id);
  };
  std::vector<core::StoredRun> runs = std::move(all_runs).value();
  std::stable_sort(runs.begin(), runs.end(), [&](const auto& a, const auto& b) { return date_order(a) > date_order(b); });
  std::set<std::string> prior, charted = {run_id};
  for (const auto& r : runs) {
    if (date_order(r) > date_order(in.run)) continue;
    prior.insert(r.run_id);
    if (r.run_id != run_id && static_cast<int64_t>(charted.size()) <= history_runs && r.windows > 0) charted.insert(r.run_id);
  }
  in.history_runs = static_cast<int64_t>(charted.size()) - 1;

  core::EventQuery pipeline_query;
  pipeline_query.pipeline = in.run.pipeline;
  auto pipeline_findings = store->Findings(pipeline_query);
  if (!pipeline_findings.ok()) return Fail(pipeline_findings.status());
  std::vector<core::StoredFinding> prior_findings;
  std::set<std::string> finding_nodes;
  for (const auto& f : *pipeline_findings) {
    if (!prior.count(f.run_id)) continue;
    prior_findings.push_back(f);
    finding_nodes.insert(f.node);
    if (charted.count(f.run_id)) in.history_findings.push_back(f);
  }
  std::vector<core::StoredWindow> timeline;
  for (const auto& node : finding_nodes) {
    core::EventQuery q = pipeline_query;
    q.node = node;
    auto w = store->Windows(q);
    if (!w.ok()) return Fail(w.status());
    for (const auto& x : *w)
      if (prior.count(x.run_id)) timeline.push_back(x);
  }
  in.streaks = core::ComputeStreaks(timeline, prior_findings);

  // Features: those with findings in this run first.
  auto features = store->RunFeatures(run_id);
  if (!features.ok()) return Fail(features.status());
  std::set<std::string> flagged;
  for (const auto& f : in.findings) flagged.insert(f.feature);
  std::vector<std::string> order;
  for (const auto& f : *features)
    if (flagged.count(f)) order.push_back(f);
  for (const auto& f : *features)
    if (!flagged.count(f)) order.push_back(f);
  for (const auto& feature : order) {
    core::EventQuery q = pipeline_query;
    q.feature = feature;
    auto ws = store->FeatureWindows(q);
    if (!ws.ok()) return Fail(ws.status());
    std::map<std::string, FeatureSeries> by_node;
    std::set<std::string> nodes_in_run;
    for (const auto& w : *ws) {
      if (!charted.count(w.run_id)) continue;
      if (w.run_id == run_id) nodes_in_run.insert(w.node);
      FeatureSeries& s = by_node[w.node];
      s.node = w.node;
      s.feature = feature;
      if (s.kind.empty() || w.run_id == run_id) s.kind = w.kind;
      s.windows.push_back(w);
    }
    for (auto& [node, s] : by_node) {
      if (!nodes_in_run.count(node)) continue;
      std::stable_sort(s.windows.begin(), s.windows.end(), core::ByDateThenStart);
      in.features.push_back(std::move(s));
    }
  }

  const std::string html = RenderHtmlReport(in);
  if (output == "-") {
    std::cout << html;
    return kExitOk;
  }
  if (core::Status written = core::WriteOutputFile(output, html, "-o"); !written.ok()) return Fail(written);
  std::set<std::string> distinct;
  for (const auto& f : in.features) distinct.insert(f.feature);
  std::cout << "wrote " << output << " (run " << run_id << ", " << distinct.size() << " monitored feature"
            << (distinct.size() == 1 ? "" : "s") << ", " << in.findings.size() << " finding"
            << (in.findings.size() == 1 ? "" : "s") << ")\n";
  return kExitOk;
}

}  // namespace trestle::cli
