// trestle runs [--state-dir D] [--pipeline P] [--limit N] [--format table|json] [--check]
#include <iostream>

#include "commands.h"
#include "common_options.h"
#include "exit_codes.h"
#include "report_util.h"

namespace po = boost::program_options;

namespace trestle::cli {

int RunsCommand(const Args& args) {
  std::string state_dir, pipeline, format;
  int64_t limit = 20;
  bool check = false;
  po::options_description desc("trestle runs options");
  desc.add_options()("help,h", "show this help")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"), "the state directory whose runs.db to read")(
      "pipeline", po::value(&pipeline), "only runs of this pipeline")(
      "limit,n", po::value(&limit)->default_value(20), "the newest N runs; 0 = all")(
      "format", po::value(&format)->default_value("table"), "table | json")(
      "check", po::bool_switch(&check), "check the database file (PRAGMA integrity_check) instead: prints \"ok\" "
      "or the problems, exit 1 when there are any");
  po::positional_options_description pos;
  po::variables_map vm;
  bool help = false;
  if (!ParseArgs(args, desc, pos, vm, "usage: trestle runs [options]", help)) return kExitUsage;
  if (help) return kExitOk;
  if (format != "table" && format != "json") {
    std::cerr << "trestle: --format must be table or json, not \"" << format << "\"\n";
    return kExitUsage;
  }
  if (limit < 0) {
    std::cerr << "trestle: --limit must be 0 or more\n";
    return kExitUsage;
  }

  auto store = OpenStoreOrReport(state_dir);
  if (!store) return kExitRunFailed;
  if (check) {
    auto result = store->IntegrityCheck();
    if (!result.ok()) {
      std::cerr << "trestle: " << result.status().message() << "\n";
      return kExitRunFailed;
    }
    std::cout << store->path() << ": " << *result << "\n";
    return *result == "ok" ? kExitOk : kExitRunFailed;
  }
  auto runs = store->ListRuns({pipeline, limit});
  if (!runs.ok()) {
    std::cerr << "trestle: " << runs.status().message() << "\n";
    return kExitRunFailed;
  }

  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *runs) {
      out.push_back({{"run_id", r.run_id},
                     {"pipeline", r.pipeline},
                     {"file", r.file},
                     {"config_hash", r.config_hash},
                     {"status", r.status},
                     {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)},
                     {"started", r.started},
                     {"ended", r.ended.empty() ? nlohmann::json() : nlohmann::json(r.ended)},
                     {"duration_seconds", r.duration_seconds >= 0 ? JsonNumber(r.duration_seconds) : nlohmann::json()},
                     {"rows_read", r.rows_read},
                     {"rows_written", r.rows_written},
                     {"windows", r.windows},
                     {"findings", r.findings}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }

  TextTable table({"RUN", "PIPELINE", "STATUS", "STARTED (UTC)", "DURATION", "READ", "WRITTEN", "FINDINGS"});
  for (const auto& r : *runs)
    table.Add({r.run_id, r.pipeline, r.status, TrimIsoSeconds(r.started), DurationText(r.duration_seconds),
               std::to_string(r.rows_read), std::to_string(r.rows_written), std::to_string(r.findings)});
  if (table.size() == 0) {
    std::cout << "no runs" << (pipeline.empty() ? "" : " of pipeline \"" + pipeline + "\"") << " in "
              << store->path() << "\n";
    return kExitOk;
  }
  table.Print(std::cout);
  return kExitOk;
}

}  // namespace trestle::cli
