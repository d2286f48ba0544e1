// trestle runs [--state-dir D] [--pipeline P] [--limit N] [--format table|json] [--check]
// trestle runs --pipeline P --from D1 --to D2: each date's latest run, or "missing"
#include <iostream>
#include <map>
#include <set>
#include <utility>

#include "commands.h"
#include "common_options.h"
#include "exit_codes.h"
#include "report_util.h"
#include "run_date.h"

namespace po = boost::program_options;

namespace trestle::cli {

namespace {

nlohmann::json ShardJson(const core::RunShard& shard) {
  if (!shard.sharded()) return nullptr;
  return {{"index", shard.index}, {"count", shard.count}};
}

std::string ShardText(const core::RunShard& shard) {
  return shard.sharded() ? std::to_string(shard.index) + "/" + std::to_string(shard.count) : "-";
}

// One line per date of [from, to]: the latest run for it, how many runs it had, or
// "missing" when none. A date run in shards has one line per shard instead: for each
// shard count its runs used, every shard of it, "missing" for those that never ran, so
// that the one failed or lost shard of a date stands out.
int PrintDates(core::RunStore& store, const std::string& pipeline, const std::string& from, const std::string& to,
               const std::string& format) {
  auto a = ParseRunDate(from, "--from");
  auto b = a.ok() ? ParseRunDate(to, "--to") : a;
  auto dates = b.ok() ? DatesBetween(*a, *b) : core::Result<std::vector<RunDate>>(b.status());
  if (!dates.ok()) {
    std::cerr << "trestle: " << dates.status().message() << "\n";
    return kExitUsage;
  }
  core::RunQuery q(pipeline, 0);
  q.from_date = a->Text();
  q.to_date = b->Text();
  q.dated_only = true;
  auto runs = store.ListRuns(q);
  if (!runs.ok()) {
    std::cerr << "trestle: " << runs.status().message() << "\n";
    return kExitRunFailed;
  }
  struct Seen {
    const core::StoredRun* latest = nullptr;  // runs come newest first
    int attempts = 0;
  };
  // Per date, per (count, index): unsharded runs are (0, 0) and come first.
  using ShardKey = std::pair<int64_t, int64_t>;
  std::map<std::string, std::map<ShardKey, Seen>> by_date;
  bool any_sharded = false;
  for (const auto& r : *runs) {
    Seen& s = by_date[r.run_date][{r.shard.count, r.shard.index}];
    if (s.latest == nullptr) s.latest = &r;
    ++s.attempts;
    any_sharded |= r.shard.sharded();
  }
  nlohmann::json out = nlohmann::json::array();
  // The SHARD column only when some run of the range was sharded.
  auto row = [&](const std::string& date, const std::string& shard, std::initializer_list<std::string> rest) {
    std::vector<std::string> cells{date};
    if (any_sharded) cells.push_back(shard);
    cells.insert(cells.end(), rest);
    return cells;
  };
  TextTable table(row("DATE", "SHARD", {"STATUS", "RUNS", "LATEST RUN", "STARTED (UTC)", "WRITTEN", "ERROR"}));
  auto add = [&](const std::string& date, const std::string& shard, std::initializer_list<std::string> rest) {
    table.Add(row(date, shard, rest));
  };
  for (const RunDate& d : *dates) {
    const std::string date = d.Text();
    auto it = by_date.find(date);
    if (it == by_date.end()) {
      out.push_back({{"date", date}, {"shard", nullptr}, {"status", "missing"}, {"runs", 0}});
      add(date, "-", {"missing", "0", "", "", "", ""});
      continue;
    }
    std::map<ShardKey, Seen>& seen = it->second;
    std::set<int64_t> counts;
    for (const auto& entry : seen) counts.insert(entry.first.first);
    for (int64_t n : counts)
      for (int64_t i = 0; n > 1 && i < n; ++i) seen.try_emplace({n, i});  // the shards that never ran
    for (const auto& [key, s] : seen) {
      const core::RunShard shard{key.second, key.first};
      if (s.latest == nullptr) {
        out.push_back({{"date", date}, {"shard", ShardJson(shard)}, {"status", "missing"}, {"runs", 0}});
        add(date, ShardText(shard), {"missing", "0", "", "", "", ""});
        continue;
      }
      const core::StoredRun& r = *s.latest;
      out.push_back({{"date", date},
                     {"shard", ShardJson(shard)},
                     {"status", r.status},
                     {"runs", s.attempts},
                     {"run_id", r.run_id},
                     {"started", r.started},
                     {"rows_written", r.rows_written},
                     {"error", r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)}});
      add(date, ShardText(shard),
          {r.status, std::to_string(s.attempts), r.run_id, TrimIsoSeconds(r.started), std::to_string(r.rows_written),
           r.error.substr(0, 80)});
    }
  }
  if (format == "json") std::cout << out.dump(2) << "\n";
  else table.Print(std::cout);
  return kExitOk;
}

}  // namespace

int RunsCommand(const Args& args) {
  std::string state_dir, pipeline, format, from_date, to_date;
  int64_t limit = 20;
  bool check = false;
  po::options_description desc("trestle runs options");
  desc.add_options()("help,h", "show this help")(
      "state-dir", po::value(&state_dir)->default_value(".trestle"), "the state directory whose runs.db to read")(
      "pipeline", po::value(&pipeline), "only runs of this pipeline")(
      "limit,n", po::value(&limit)->default_value(20), "the newest N runs; 0 = all")(
      "format", po::value(&format)->default_value("table"), "table | json")(
      "from", po::value(&from_date), "with --to and --pipeline: one line per date (YYYY-MM-DD) from this one, "
      "with the status of its latest run, or missing")(
      "to", po::value(&to_date), "the last date of --from (included)")(
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

  const bool by_date = !from_date.empty() || !to_date.empty();
  if (by_date && (from_date.empty() || to_date.empty() || pipeline.empty())) {
    std::cerr << "trestle: --from and --to go together, with --pipeline\n";
    return kExitUsage;
  }

  auto store = OpenStoreOrReport(state_dir);
  if (!store) return kExitRunFailed;
  if (by_date && !check) return PrintDates(*store, pipeline, from_date, to_date, format);
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
                     {"run_date", r.run_date.empty() ? nlohmann::json() : nlohmann::json(r.run_date)},
                     {"shard", ShardJson(r.shard)},
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

  // The SHARD column only when some listed run was sharded: most stores have none.
  bool any_sharded = false;
  for (const auto& r : *runs) any_sharded |= r.shard.sharded();
  auto row = [&](std::initializer_list<std::string> first, const std::string& shard,
                 std::initializer_list<std::string> rest) {
    std::vector<std::string> cells(first);
    if (any_sharded) cells.push_back(shard);
    cells.insert(cells.end(), rest);
    return cells;
  };
  TextTable table(row({"RUN", "PIPELINE", "DATE"}, "SHARD",
                      {"STATUS", "STARTED (UTC)", "DURATION", "READ", "WRITTEN", "FINDINGS"}));
  for (const auto& r : *runs)
    table.Add(row({r.run_id, r.pipeline, r.run_date.empty() ? "-" : r.run_date}, ShardText(r.shard),
                  {r.status, TrimIsoSeconds(r.started), DurationText(r.duration_seconds), std::to_string(r.rows_read),
                   std::to_string(r.rows_written), std::to_string(r.findings)}));
  if (table.size() == 0) {
    std::cout << "no runs" << (pipeline.empty() ? "" : " of pipeline \"" + pipeline + "\"") << " in "
              << store->path() << "\n";
    return kExitOk;
  }
  table.Print(std::cout);
  return kExitOk;
}

}  // namespace trestle::cli
