// trestle run FILE
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <random>

#include <glog/logging.h>

#include "commands.h"
#include "common_options.h"
#include "exec/flow_runner.h"
#include "exec/run_report.h"
#include "exit_codes.h"
#include "progress_display.h"
#include "signal_watcher.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

// "20261125T061900Z-3f9a1c": sortable by start time, unique across concurrent runs.
std::string NewRunId() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06x", rd() & 0xffffff);
  return std::string(stamp) + "-" + suffix;
}

}  // namespace

int RunCommand(const Args& args) {
  SignalWatcher signals;  // first: blocks SIGINT/SIGTERM/SIGHUP before any thread exists
  CommonOptions common;
  std::string file, report_path, state_dir, run_dir;
  bool quiet = false;
  po::options_description desc("trestle run options");
  desc.add_options()("help,h", "show this help")("file", po::value(&file)->required(), "pipeline file")(
      "report", po::value(&report_path), "also write the run report (JSON) to this file")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"), "where runs keep their files")(
      "run-dir", po::value(&run_dir), "this run's directory (default STATE_DIR/runs/RUN_ID)")(
      "quiet,q", po::bool_switch(&quiet), "print no summary");
  common.AddPluginOptions(desc);
  common.AddPipelineOptions(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle run FILE [options]", help)) return kExitUsage;
  if (help) return kExitOk;

  core::PluginRegistry registry = common.LoadRegistry();
  for (const auto& r : registry.Refusals()) LOG(WARNING) << "plugin refused: " << r.status.message();
  std::unique_ptr<core::Plan> plan = PlanOrReport(file, common, registry, std::cerr);
  if (!plan) return kExitInvalidPipeline;

  const std::string run_id = NewRunId();
  if (run_dir.empty()) run_dir = (std::filesystem::path(state_dir) / "runs" / run_id).string();
  std::error_code ec;
  std::filesystem::create_directories(run_dir, ec);
  if (ec) {
    std::cerr << "trestle: cannot create run directory " << run_dir << ": " << ec.message() << "\n";
    return kExitRunFailed;
  }
  core::FlowRunner runner(plan.get(), core::RunOptions{run_id, run_dir});
  signals.Start({[&] { runner.RequestStop(); }, [&](const char* why) { runner.Abort(why); },
                 [&] { runner.ReloadModels(); }},
                plan->exec.drain_timeout_s);
  LOG(INFO) << "run " << run_id << " of pipeline \"" << plan->pipeline << "\" started; run directory " << run_dir;
  core::Status status;
  {
    ProgressDisplay progress(&runner);
    status = runner.Run();
  }
  signals.Stop();

  nlohmann::json report = core::BuildRunReport(*plan, runner, run_id, status);
  core::Status w = core::WriteJsonFile((std::filesystem::path(run_dir) / "report.json").string(), report);
  if (w.ok() && !report_path.empty()) w = core::WriteJsonFile(report_path, report);
  if (!w.ok()) LOG(ERROR) << w.ToString();
  if (!quiet) std::cout << core::FormatRunSummary(report) << std::flush;
  if (!status.ok()) LOG(ERROR) << "run " << run_id << " failed: " << status.ToString();
  return status.ok() && w.ok() ? kExitOk : kExitRunFailed;
}

}  // namespace trestle::cli
