// trestle run FILE, and trestle serve FILE (a run whose source and response sink are
// HTTP requests and responses: serve_session.h)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include <glog/logging.h>

#include "commands.h"
#include "common_options.h"
#include "config/loader.h"
#include "config/settings.h"
#include "common/output_file.h"
#include "exec/flow_runner.h"
#include "exec/orphan_files.h"
#include "exec/run_report.h"
#include "exec/row_json.h"
#include "observe/admin_server.h"
#include "observe/prometheus.h"
#include "exit_codes.h"
#include "fatal_signals.h"
#include "progress_display.h"
#include "backfill.h"
#include "file_lock.h"
#include "run_date.h"
#include "run_dir_lock.h"
#include "run_id.h"
#include "serve_session.h"
#include "signal_watcher.h"
#include "stale_runs.h"
#include "store/run_store.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

// The admin endpoint's view of a run: its exposition and its readiness.
core::AdminServer::Options AdminCallbacks(const core::Plan& plan, const core::FlowRunner& runner,
                                          const std::string& run_id, const std::atomic<bool>& finished) {
  const double started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  core::AdminServer::Options o;
  o.metrics = [&plan, &runner, run_id, started] {
    return core::RenderPrometheus(plan, core::SnapshotRun(plan, runner, run_id, started));
  };
  o.readiness = [&runner, &finished]() -> core::Readiness {
    if (runner.state().failed()) return {false, "failed"};
    if (runner.state().stopping()) return {false, "draining"};
    if (finished.load()) return {false, "finished"};
    if (!runner.Ready()) return {false, "starting"};
    return {true, ""};
  };
  return o;
}

// Writes the run's report to RUN_DIR/report.json and `report_path`. A report that
// cannot be written fails the run — after its outputs were published, so the report
// says so — and what is written, stored and printed then agrees on "failed".
core::Status WriteReports(const std::string& run_dir, const std::string& report_path, const core::Status& status,
                          nlohmann::json* report) {
  const std::string in_run_dir = (std::filesystem::path(run_dir) / "report.json").string();
  core::Status w = core::WriteJsonFile(in_run_dir, *report);
  bool run_dir_written = w.ok();
  if (w.ok() && !report_path.empty()) w = core::WriteJsonFile(report_path, *report);
  if (w.ok()) return w;
  LOG(ERROR) << w.ToString();
  if (status.ok()) {
    (*report)["status"] = "failed";
    (*report)["error"] = {{"code", core::CodeName(w.code())},
                          {"message", "the outputs were published, but the report was not: " + w.message()}};
    if (run_dir_written) (void)core::WriteJsonFile(in_run_dir, *report);
  }
  return w;
}

// The run's date and shard, in its report.
void AddRunParameters(const CommonOptions& common, nlohmann::json* report) {
  if (!common.date.empty()) (*report)["run_date"] = common.date;
  if (common.shard.sharded()) (*report)["shard"] = {{"index", common.shard.index}, {"count", common.shard.count}};
}

// The store's record of the run's shard.
core::RunShard StoredShard(const Shard& shard) {
  return shard.sharded() ? core::RunShard{shard.index, shard.count} : core::RunShard{};
}

// The report of a run that ended before it ran, as the run store records it.
nlohmann::json FailedBeforeStart(const std::string& run_id, const std::string& pipeline, const std::string& file,
                                 const std::string& config_hash, const CommonOptions& common, const std::string& code,
                                 const std::string& message) {
  const std::string now = core::NowIso();
  nlohmann::json failed = {{"run_id", run_id}, {"pipeline", pipeline}, {"file", file},
                           {"config_hash", config_hash}, {"status", "failed"}, {"started", now},
                           {"ended", now}, {"duration_seconds", 0.0},
                           {"error", {{"code", code}, {"message", message}}}};
  AddRunParameters(common, &failed);
  return failed;
}

// Records a run that failed before it started, with what the planner said.
void RecordPlanFailure(const std::string& store_path, const std::string& file, const CommonOptions& common,
                       const std::string& run_id, const std::string& errors, bool interrupted) {
  core::LoadOptions lo;
  lo.continue_on_error = true;
  lo.getenv = common.Environment();
  auto loaded = core::LoadPipelineFile(file, lo, nullptr);
  const std::string pipeline = loaded.ok() && !loaded->pipeline.pipeline().empty()
                                   ? loaded->pipeline.pipeline()
                                   : std::filesystem::path(file).stem().string();
  auto store = core::RunStore::Open(store_path);
  core::Status st = store.ok() ? (*store)->BeginRun(run_id, pipeline, file, "", core::NowIso(),
                                                    {core::CurrentProcess(), ""}, common.date, StoredShard(common.shard))
                               : store.status();
  if (st.ok())
    st = (*store)->EndRun(FailedBeforeStart(run_id, pipeline, file, "", common,
                                            interrupted ? "CANCELLED" : "INVALID_ARGUMENT", errors.substr(0, 4000)));
  if (!st.ok()) LOG(WARNING) << "run " << run_id << " is not recorded in the run store: " << st.message();
}

// `--from D1 --to D2`: each date in a child process of its own (backfill.h).
int Backfill(const Args& args, const CommonOptions& common, const std::string& from, const std::string& to,
             bool keep_going, const po::variables_map& vm) {
  const std::string& date = common.date;
  auto usage = [](const std::string& why) {
    std::cerr << "trestle: " << why << "\n";
    return kExitUsage;
  };
  if (from.empty() || to.empty()) return usage("a backfill needs both --from and --to");
  if (!date.empty()) return usage("--date and --from/--to exclude each other");
  if (vm.count("run-dir") || vm.count("report"))
    return usage("--run-dir and --report name one run's files; a backfill makes one run per date");
  auto a = ParseRunDate(from, "--from");
  if (!a.ok()) return usage(a.status().message());
  auto b = ParseRunDate(to, "--to");
  if (!b.ok()) return usage(b.status().message());
  auto dates = DatesBetween(*a, *b);
  if (!dates.ok()) return usage(dates.status().message());
  // Each date's run is given --shard as it is; a bad one is this command's usage error,
  // not every date's.
  if (common.shard_given) {
    auto shard = ParseShard(common.shard_text, "--shard");
    if (!shard.ok()) return usage(shard.status().message());
  }
  return RunBackfill({WithoutBackfillArgs(args), std::move(dates).value(), keep_going});
}

// One run per pipeline, date and shard at a time (on this state directory): a second
// scheduler starting the same date (and shard) gets exit 75 and retries later, while the
// shards of one date run side by side.
int ClaimDate(const std::string& state_dir, const std::string& pipeline, const std::string& date, const Shard& shard,
              const std::string& run_id, std::unique_ptr<FileLock>* lock) {
  std::string name;
  for (char c : pipeline) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  // An unsharded run keeps the lock name of the versions before shards.
  const std::string suffix = shard.sharded()
                                 ? ".shard-" + std::to_string(shard.index) + "-of-" + std::to_string(shard.count)
                                 : std::string();
  const std::string path =
      (std::filesystem::path(state_dir) / "locks" / (name + "@" + date + suffix + ".lock")).string();
  auto attempt = FileLock::TryAcquire(path, "run " + run_id + ", pid " + std::to_string(::getpid()) + "\n");
  if (!attempt.ok()) {
    std::cerr << "trestle: " << attempt.status().message() << "\n";
    return kExitRunFailed;
  }
  if (!attempt->lock) {
    std::cerr << "trestle: pipeline \"" << pipeline << "\" is already running for " << date
              << (shard.sharded() ? " shard " + shard.Text() : std::string())
              << (attempt->holder.empty() ? std::string() : " (" + attempt->holder + ")") << " (lock " << path
              << "); not starting a second run; retry later\n";
    return kExitLocked;
  }
  *lock = std::move(attempt->lock);
  return kExitOk;
}

int RunOrServe(const Args& args, bool serving) {
  SignalWatcher signals;  // first: blocks SIGINT/SIGTERM/SIGHUP before any thread exists
  CommonOptions common;
  std::string file, report_path, state_dir, run_dir;
  bool quiet = false, no_store = false;
  std::string admin_addr;
  bool no_admin = false;
  std::string from_date, to_date;
  bool keep_going = false;
  ServeFlags serve_flags;
  po::options_description desc(serving ? "trestle serve options" : "trestle run options");
  if (serving) {
    desc.add_options()("listen", po::value(&serve_flags.listen),
                       "answer inference requests on HOST:PORT (default: serve.listen, else 127.0.0.1:8080)")(
        "response", po::value(&serve_flags.response),
        "the sink whose rows answer requests (default: serve.response, else the only sink fed by the source)")(
        "warmup", po::value(&serve_flags.warmup),
        "a request body (JSON) answered before the server reports ready (default: serve.warmup)")(
        "max-batch-rows", po::value(&serve_flags.max_batch_rows), "rows per engine batch at most (default 256)")(
        "preferred-batch-rows", po::value(&serve_flags.preferred_batch_rows),
        "dispatch a batch at once when this many rows wait (default: max-batch-rows)")(
        "max-queue-delay-us", po::value(&serve_flags.max_queue_delay_us),
        "how long the oldest request waits for others to join its batch (default 1000)")(
        "max-queue-rows", po::value(&serve_flags.max_queue_rows),
        "rows waiting at most; beyond, requests get 429 (default 8192)")(
        "request-timeout-ms", po::value(&serve_flags.request_timeout_ms),
        "deadline of a request that names none (default: none)");
  }
  desc.add_options()("help,h", "show this help")("file", po::value(&file)->required(), "pipeline file")(
      "report", po::value(&report_path), "also write the run report (JSON) to this file")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"), "where runs keep their files")(
      "run-dir", po::value(&run_dir), "this run's directory (default STATE_DIR/runs/RUN_ID)")(
      "quiet,q", po::bool_switch(&quiet), "print nothing but errors: no summary, no log line below ERROR")(
      "no-store", po::bool_switch(&no_store), "do not record the run in the run store (STATE_DIR/runs.db)")(
      "admin-addr", po::value(&admin_addr),
      "serve /metrics, /healthz and /readyz on HOST:PORT (port 0: any free one, logged); default for a pipeline "
      "with execution.service: 127.0.0.1:9464")(
      "no-admin", po::bool_switch(&no_admin), "no admin endpoint, even for a service pipeline")(
      "from", po::value(&from_date), "backfill: one run per date from this one (YYYY-MM-DD) to --to, in order")(
      "to", po::value(&to_date), "backfill: the last date (included)")(
      "keep-going", po::bool_switch(&keep_going), "backfill: run the later dates after one failed");
  common.AddPluginOptions(desc);
  common.AddPipelineOptions(desc);
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, serving ? "usage: trestle serve FILE [options]" : "usage: trestle run FILE [options]",
                 help))
    return kExitUsage;
  if (help) return kExitOk;
  if (quiet) FLAGS_minloglevel = std::max(FLAGS_minloglevel, google::GLOG_ERROR);
  if (serving && (!from_date.empty() || !to_date.empty() || keep_going || common.shard_given)) {
    std::cerr << "trestle: serve answers requests; --from/--to/--keep-going and --shard are for batch runs\n";
    return kExitUsage;
  }
  if (!from_date.empty() || !to_date.empty() || keep_going)
    return Backfill(args, common, from_date, to_date, keep_going, vm);
  if (!common.ResolveRunVariables(std::cerr)) return kExitUsage;
  std::optional<core::AdminAddress> admin;
  if (vm.count("admin-addr")) {
    if (no_admin) {
      std::cerr << "trestle: --admin-addr and --no-admin exclude each other\n";
      return kExitUsage;
    }
    auto parsed = core::ParseAdminAddress(admin_addr);
    if (!parsed.ok()) {
      std::cerr << "trestle: --admin-addr \"" << admin_addr << "\": " << parsed.status().message() << "\n";
      return kExitUsage;
    }
    admin = *parsed;
  }

  // The files this run writes besides its sinks' are known before it plans, so that a
  // node or dead_letter.path naming one of them is refused with the pipeline's errors.
  const std::string run_id = NewRunId();
  if (run_dir.empty()) run_dir = (std::filesystem::path(state_dir) / "runs" / run_id).string();
  const std::string store_path = core::RunStore::DefaultPath(state_dir);
  if (!report_path.empty()) {
    core::Status usable = CheckCommandOutput(report_path, "--report", state_dir);
    if (!usable.ok()) {
      std::cerr << "trestle: " << usable.message() << "\n";
      return kExitUsage;
    }
  }
  std::vector<core::HostFile> host_files = {
      {(std::filesystem::path(run_dir) / "report.json").string(), "the run's report (RUN_DIR/report.json)"},
      {(std::filesystem::path(run_dir) / "dead_letter.jsonl").string(), "the run's dead letters (RUN_DIR/dead_letter.jsonl)",
       true, true}};
  if (!report_path.empty()) host_files.push_back({report_path, "the run report (--report)"});
  if (!no_store) host_files.push_back({store_path, "the run store (STATE_DIR/runs.db)"});

  core::PluginRegistry registry = common.LoadRegistry();
  for (const auto& r : registry.Refusals()) LOG(WARNING) << "plugin refused: " << r.status.message();
  // Signals are watched from here on. While the operators are being opened there is no
  // run to drain: a signal interrupts the opening (runtime/open_watchdog.h bounds it);
  // once the runner exists, the first drains it and the second aborts it.
  core::PlanControl control;
  std::atomic<core::FlowRunner*> active{nullptr};
  ServeSession* draining = nullptr;  // set once the session exists, before `active` is
  signals.Start({[&] {
                   // A server drains through its requests: the stream ends once the
                   // admitted requests are answered, and the run ends as at end of input.
                   // `draining` is read only after `active` is seen set: it was written
                   // before that store, which orders the two threads.
                   if (core::FlowRunner* r = active.load()) {
                     if (ServeSession* s = draining) s->Drain();
                     else r->RequestStop();
                   } else {
                     control.Interrupt();
                   }
                 },
                 [&](const char* why) {
                   if (core::FlowRunner* r = active.load()) r->Abort(why);
                   else control.Interrupt();
                 },
                 [&] {
                   if (core::FlowRunner* r = active.load()) r->ReloadModels();
                 }},
                core::ExecutionSettings{}.drain_timeout_s);
  config::Pipeline written;
  std::ostringstream plan_errors;
  std::unique_ptr<core::Plan> plan = PlanOrReport(file, common, registry, plan_errors, &written, &control, host_files);
  if (plan) {
    // N shards that each read all of the input would publish every row N times.
    core::Status sharded = CheckShardedSources(file, common, registry, plan->pipeline);
    if (!sharded.ok()) {
      plan_errors << file << ": " << sharded.message() << "\n1 error in " << file << "\n";
      plan.reset();
    }
  }
  std::unique_ptr<ServeSession> serve;
  if (plan && serving) {
    serve = std::make_unique<ServeSession>(serve_flags, written.serve());
    core::Status st = serve->Prepare(plan.get());
    if (!st.ok()) {
      plan_errors << file << ": cannot serve pipeline \"" << plan->pipeline << "\": " << st.message() << "\n";
      plan.reset();
    }
  }
  std::cerr << plan_errors.str() << std::flush;
  if (!plan) {
    // A dated run that could not start (its input for that date is missing, say) is
    // that date's failure: `trestle runs --from/--to` shows it failed, not missing.
    if (!common.date.empty() && !no_store) RecordPlanFailure(store_path, file, common, run_id, plan_errors.str(), control.interrupted());
    return control.interrupted() ? kExitRunFailed : kExitInvalidPipeline;
  }
  signals.set_drain_timeout_s(plan->exec.drain_timeout_s);
  if (!admin && !no_admin && written.execution().service()) admin = core::AdminAddress{"127.0.0.1", 9464};

  std::unique_ptr<FileLock> date_lock;
  if (!common.date.empty()) {
    int code = ClaimDate(state_dir, plan->pipeline, common.date, common.shard, run_id, &date_lock);
    if (code != kExitOk) return code;
  }
  auto run_dir_lock = RunDirLock::Claim(run_dir, run_id);
  if (!run_dir_lock.ok()) {
    std::cerr << "trestle: " << run_dir_lock.status().message() << "\n";
    return run_dir_lock.status().code() == core::Code::kInvalidArgument ? kExitUsage : kExitRunFailed;
  }
  std::error_code ec;
  const std::string run_dir_abs = std::filesystem::absolute(run_dir, ec).string();
  SetFatalReportTarget(run_dir_abs, run_id);
  // What runs killed before us left beside this pipeline's outputs.
  for (const std::string& f : core::RemoveOrphanTempFiles(*plan))
    LOG(WARNING) << "removed " << f << ", left by a run whose process is gone";
  // The run store: a store that cannot be opened or written costs the record, not the run.
  std::unique_ptr<core::RunStore> store;
  if (!no_store) {
    auto opened = core::RunStore::Open(store_path);
    if (opened.ok()) ReconcileAbandonedRuns(**opened);
    core::Status begun = opened.ok() ? (*opened)->BeginRun(run_id, plan->pipeline, plan->file, plan->config_hash,
                                                            core::NowIso(), {core::CurrentProcess(), run_dir_abs},
                                                            common.date, StoredShard(common.shard))
                                     : opened.status();
    if (begun.ok()) store = std::move(*opened);
    else LOG(WARNING) << "run " << run_id << " is not recorded in the run store: " << begun.message();
  }
  core::FlowRunner runner(plan.get(),
                         core::RunOptions{run_id, run_dir, store.get(), common.date, serve ? serve->port() : nullptr});
  draining = serve.get();
  active.store(&runner);
  if (control.interrupted()) runner.RequestStop();  // a signal came between planning and now
  // After the plan (models loaded and warm), before the run; readiness follows the run.
  std::atomic<bool> run_finished{false};
  core::AdminServer admin_server(AdminCallbacks(*plan, runner, run_id, run_finished));
  if (admin) {
    core::Status started = admin_server.Start(*admin);
    if (!started.ok()) {
      std::cerr << "trestle: " << started.message() << " (choose another with --admin-addr HOST:PORT, or --no-admin)\n";
      if (store) {  // the run was recorded as begun: record why it ended before it ran
        nlohmann::json failed = FailedBeforeStart(run_id, plan->pipeline, plan->file, plan->config_hash, common,
                                                  "UNAVAILABLE", started.message());
        if (core::Status st = store->EndRun(failed); !st.ok()) LOG(WARNING) << "run store: " << st.message();
      }
      return kExitRunFailed;
    }
  }
  if (serve) {
    const double started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    core::Status st = serve->Start(&runner, [&plan, &runner, run_id, started] {
      return core::RenderPrometheus(*plan, core::SnapshotRun(*plan, runner, run_id, started));
    });
    if (!st.ok()) {
      std::cerr << "trestle: " << st.message() << " (choose another with --listen HOST:PORT)\n";
      if (store) {
        nlohmann::json failed = FailedBeforeStart(run_id, plan->pipeline, plan->file, plan->config_hash, common,
                                                  "UNAVAILABLE", st.message());
        if (core::Status e = store->EndRun(failed); !e.ok()) LOG(WARNING) << "run store: " << e.message();
      }
      return kExitRunFailed;
    }
  }
  LOG(INFO) << "run " << run_id << " of pipeline \"" << plan->pipeline << "\""
            << (common.shard.sharded() ? " (shard " + common.shard.Text() + ")" : std::string())
            << " started; run directory " << run_dir;
  core::Status status;
  {
    ProgressDisplay progress(&runner);
    status = runner.Run();
  }
  run_finished = true;
  signals.Stop();
  active.store(nullptr);
  if (serve) serve->Finish();

  nlohmann::json report = core::BuildRunReport(*plan, runner, run_id, status);
  AddRunParameters(common, &report);
  core::Status w = WriteReports(run_dir, report_path, status, &report);
  if (store) {
    if (core::Status st = store->EndRun(report); !st.ok()) LOG(WARNING) << "run store: " << st.message();
  }
  if (!quiet) std::cout << core::FormatRunSummary(report) << std::flush;
  // A monitor that fell behind saw only part of the data: its windows, findings and
  // "since when" describe that part. Said once per run, where a scheduler's log shows it.
  const nlohmann::json skips = report.contains("monitor_skipped_batches") ? report["monitor_skipped_batches"]
                                                                           : nlohmann::json::object();
  for (const auto& [node, skipped] : skips.items())
    if (skipped.is_number_integer() && skipped.get<int64_t>() > 0)
      LOG(WARNING) << "monitor " << node << " skipped " << skipped.get<int64_t>()
                   << " batches to keep up with the data path, so its windows describe only the rows it saw; for a "
                      "batch job that must look at every row, give it room: monitoring: {queue_batches: N} on the node "
                      "(docs/ops-guide.md)";
  admin_server.Stop();
  if (!status.ok()) LOG(ERROR) << "run " << run_id << " failed: " << status.ToString();
  return status.ok() && w.ok() ? kExitOk : kExitRunFailed;
}

}  // namespace

int RunCommand(const Args& args) { return RunOrServe(args, false); }
int ServeCommand(const Args& args) { return RunOrServe(args, true); }

}  // namespace trestle::cli
