// The run store from the command line: `trestle run` records runs, monitor windows and
// findings in STATE_DIR/runs.db (the testkit's fixed_monitor reports them); `trestle
// runs` lists them, two runs at once both land intact, `trestle history` prints a
// feature's windows and since when each finding has been present, and `trestle report`
// writes a self-contained HTML page that headless Chromium renders without script
// errors or network requests (tests/cli/report_html_test.sh).
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

namespace fs = std::filesystem;

class StoreTest : public CliTest {
 protected:
  // sequence -> fixed_monitor on x (windows of `window_rows`), and a CSV sink. The
  // monitor's queue holds every batch of the run, so it sees every row however busy the
  // machine is (a monitor thread only gets idle CPU).
  void WritePipeline(const std::string& file, int64_t rows, int64_t drift_from, int64_t sleep_ms = 5,
                     int64_t window_rows = 100, const std::string& name = "mon") {
    Write(file, "pipeline: " + name + R"(
nodes:
  - name: seq
    type: sequence
    options: {rows: )" + std::to_string(rows) + ", sleep_ms: " + std::to_string(sleep_ms) + R"(}
  - name: watch
    type: fixed_monitor
    inputs: [seq]
    monitoring: {queue_batches: 1000}
    options: {column: x, window_rows: )" + std::to_string(window_rows) + ", drift_from_window: " +
                    std::to_string(drift_from) + R"(, range: 1000}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out_)" + file + R"(.csv}
execution: {batch_rows: 50}
)");
  }

  // Runs a pipeline file; returns its run report.
  nlohmann::json Run(const std::string& file, std::vector<std::string> extra = {}) {
    const std::string report = file + ".report-" + std::to_string(++runs_) + ".json";
    std::vector<std::string> args = {"run", file, "-q", "--report", report};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = Trestle(args);
    EXPECT_EXIT_CODE(r, 0);
    return ReadJson(report);
  }

  static int64_t Metric(const nlohmann::json& report, const std::string& node, const std::string& name) {
    for (const auto& n : report["nodes"])
      if (n["name"] == node && n.contains("metrics") && n["metrics"].contains(name))
        return static_cast<int64_t>(n["metrics"][name].get<double>());
    return 0;
  }

  nlohmann::json RunsJson(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"runs", "--format", "json", "--limit", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = TrestleRaw(args);
    EXPECT_EXIT_CODE(r, 0);
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  static nlohmann::json Entry(const nlohmann::json& runs, const std::string& id) {
    for (const auto& r : runs)
      if (r["run_id"] == id) return r;
    ADD_FAILURE() << "run " << id << " not listed in " << runs.dump();
    return nlohmann::json::object();
  }

  int runs_ = 0;
};

TEST_F(StoreTest, RunsListsEveryRunWithItsWindowsAndFindings) {
  WritePipeline("p.yaml", 1000, 7);
  nlohmann::json first = Run("p.yaml");
  nlohmann::json second = Run("p.yaml");
  ASSERT_TRUE(Exists(".trestle/runs.db"));

  ProcessResult table = TrestleRaw({"runs"});
  ASSERT_EXIT_CODE(table, 0);
  std::vector<std::string> lines = SplitLines(table.out);
  ASSERT_EQ(lines.size(), 3u) << table.out;
  EXPECT_TRUE(Contains(lines[0], "RUN")) << lines[0];
  EXPECT_TRUE(Contains(lines[0], "FINDINGS")) << lines[0];
  // Newest first.
  EXPECT_TRUE(Contains(lines[1], second["run_id"].get<std::string>())) << table.out;
  EXPECT_TRUE(Contains(lines[2], first["run_id"].get<std::string>())) << table.out;
  EXPECT_TRUE(Contains(lines[1], "succeeded")) << lines[1];
  EXPECT_TRUE(Contains(lines[1], "1000")) << lines[1];

  nlohmann::json runs = RunsJson();
  ASSERT_TRUE(runs.is_array());
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& rep : {first, second}) {
    nlohmann::json e = Entry(runs, rep["run_id"]);
    EXPECT_EQ(e["pipeline"], "mon");
    EXPECT_EQ(e["status"], "succeeded");
    EXPECT_EQ(e["config_hash"], rep["config_hash"]);
    EXPECT_EQ(e["started"], rep["started"]);
    EXPECT_EQ(e["ended"], rep["ended"]);
    EXPECT_EQ(e["rows_read"], 1000);
    EXPECT_EQ(e["rows_written"], 1000);
    EXPECT_EQ(e["windows"], Metric(rep, "watch", "windows_reported"));
    EXPECT_EQ(e["findings"], Metric(rep, "watch", "findings_reported"));
    // 10 windows and 3 findings (windows 7 to 9): the monitor saw every batch.
    EXPECT_EQ(e["windows"], 10);
    EXPECT_EQ(e["findings"], 3);
  }

  ProcessResult one = TrestleRaw({"runs", "--limit", "1"});
  ASSERT_EXIT_CODE(one, 0);
  EXPECT_EQ(SplitLines(one.out).size(), 2u) << one.out;
  ProcessResult other = TrestleRaw({"runs", "--pipeline", "other"});
  ASSERT_EXIT_CODE(other, 0);
  EXPECT_TRUE(Contains(other.out, "no runs of pipeline \"other\"")) << other.out;
  ProcessResult check = TrestleRaw({"runs", "--check"});
  ASSERT_EXIT_CODE(check, 0);
  EXPECT_TRUE(Contains(check.out, "runs.db: ok")) << check.out;
}

TEST_F(StoreTest, StateDirNoStoreAndAStoreThatCannotBeOpened) {
  WritePipeline("p.yaml", 200, -1);
  Run("p.yaml", {"--state-dir", "state"});
  EXPECT_TRUE(Exists("state/runs.db"));
  EXPECT_EQ(RunsJson({"--state-dir", "state"}).size(), 1u);

  Run("p.yaml", {"--no-store"});
  EXPECT_FALSE(Exists(".trestle/runs.db"));
  ProcessResult missing = TrestleRaw({"runs"});
  EXPECT_EXIT_CODE(missing, 1);
  EXPECT_TRUE(Contains(missing.err, ".trestle/runs.db")) << missing.err;

  // A directory where the database should be: the run still succeeds, with a warning
  // (which -q would leave out).
  fs::create_directories(Path("broken/runs.db"));
  ProcessResult r = Trestle({"run", "p.yaml", "--state-dir", "broken"});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.err, "not recorded in the run store")) << r.err;
  EXPECT_TRUE(Contains(r.err, "broken/runs.db")) << r.err;
}

TEST_F(StoreTest, TwoConcurrentRunsAreBothRecordedIntact) {
  // Two processes writing one store at once: 40 windows each, over about a second.
  WritePipeline("a.yaml", 2000, 20, 20, 50, "first");
  WritePipeline("b.yaml", 2000, 10, 20, 50, "second");
  auto a = StartTrestle({"run", "a.yaml", "-q", "--report", "a.json"});
  auto b = StartTrestle({"run", "b.yaml", "-q", "--report", "b.json"});
  ASSERT_TRUE(a && b);
  ProcessResult ra = a->Wait(), rb = b->Wait();
  ASSERT_EXIT_CODE(ra, 0);
  ASSERT_EXIT_CODE(rb, 0);
  nlohmann::json ja = ReadJson("a.json"), jb = ReadJson("b.json");
  // They did run at the same time.
  EXPECT_LT(ja["started"].get<std::string>(), jb["ended"].get<std::string>());
  EXPECT_LT(jb["started"].get<std::string>(), ja["ended"].get<std::string>());

  nlohmann::json runs = RunsJson();
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  for (const auto& rep : {ja, jb}) {
    nlohmann::json e = Entry(runs, rep["run_id"]);
    EXPECT_EQ(e["status"], "succeeded");
    EXPECT_EQ(e["rows_read"], 2000);
    EXPECT_EQ(e["windows"], Metric(rep, "watch", "windows_reported"));
    EXPECT_GT(e["windows"].get<int64_t>(), 10);
    EXPECT_EQ(e["findings"], Metric(rep, "watch", "findings_reported"));
    EXPECT_GT(e["findings"].get<int64_t>(), 0);
  }
  ProcessResult check = TrestleRaw({"runs", "--check"});
  EXPECT_EXIT_CODE(check, 0);
  EXPECT_TRUE(Contains(check.out, ": ok")) << check.out;
  // Every window of each run, with its feature.
  for (const std::string pipeline : {"first", "second"}) {
    ProcessResult h = TrestleRaw({"history", "--feature", "x", "--pipeline", pipeline, "--format", "json"});
    ASSERT_EXIT_CODE(h, 0);
    nlohmann::json j = nlohmann::json::parse(h.out, nullptr, false);
    EXPECT_EQ(static_cast<int64_t>(j["windows"].size()), Metric(pipeline == "first" ? ja : jb, "watch", "windows_reported"))
        << pipeline;
  }
}

// Four daily runs: no drift, drift from the third window of day 2 on, drift all of day
// 3, none on day 4. Five windows a day, unless the monitor fell behind and skipped
// batches: the counts come from the run reports.
TEST_F(StoreTest, ASlowMonitorSamplesAndCountsWhatItSkippedAtLowPriority) {
  // 40 batches arrive with no pause; the monitor needs 30 ms a batch. It must never hold
  // the data path: every row reaches the sink, the monitor looks at some batches and
  // counts the rest as skipped, and it runs on a thread that only gets idle CPU.
  Write("slow.yaml", R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 2000}
  - name: watch
    type: fixed_monitor
    inputs: [seq]
    options: {column: x, window_rows: 100, observe_sleep_ms: 30}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out_slow.csv}
execution: {batch_rows: 50}
)");
  nlohmann::json r = Run("slow.yaml", {"--no-store"});
  EXPECT_EQ(r["status"], "succeeded");
  EXPECT_EQ(r["accounting"]["sources"]["seq"]["paths"]["out"]["reached"], 2000);
  int64_t observed = -1;
  for (const auto& n : r["nodes"])
    if (n["name"] == "watch") observed = n["batches_in"].get<int64_t>();
  const int64_t skipped = r["monitor_skipped_batches"]["watch"].get<int64_t>();
  EXPECT_GT(skipped, 0);
  EXPECT_GT(observed, 0);
  EXPECT_EQ(observed + skipped, 40) << "every batch is either observed or counted as skipped";
  EXPECT_EQ(Metric(r, "watch", "skipped_batches"), skipped);
  EXPECT_EQ(Metric(r, "watch", "observe_sched_idle"), 1) << "the monitor's thread runs under SCHED_IDLE";
  // Without -q, the run says so where a scheduler's log shows it, and what to do.
  ProcessResult loud = Trestle({"run", "slow.yaml", "--no-store"});
  ASSERT_EXIT_CODE(loud, 0);
  EXPECT_TRUE(Contains(loud.err, "monitor watch skipped ") && Contains(loud.err, "queue_batches")) << loud.err;

  // A queue as long as the job: the monitor sees every batch (the run waits for it at
  // the end, the sink does not).
  std::string all = Read("slow.yaml");
  all.replace(all.find("    inputs: [seq]\n    options: {column: x"), 0, "    monitoring: {queue_batches: 40}\n");
  Write("all.yaml", all);
  r = Run("all.yaml", {"--no-store"});
  EXPECT_EQ(r["status"], "succeeded");
  EXPECT_FALSE(r.contains("monitor_skipped_batches") && r["monitor_skipped_batches"]["watch"].get<int64_t>() > 0);
  for (const auto& n : r["nodes"])
    if (n["name"] == "watch") {
      EXPECT_EQ(n["rows_in"], 2000);
    }
}

TEST_F(StoreTest, HistoryPrintsWindowsAndSinceWhen) {
  WritePipeline("clean.yaml", 500, -1);
  WritePipeline("late.yaml", 500, 2);
  WritePipeline("all.yaml", 500, 0);
  nlohmann::json day1 = Run("clean.yaml"), day2 = Run("late.yaml"), day3 = Run("all.yaml");
  const int64_t n1 = Metric(day1, "watch", "windows_reported"), n2 = Metric(day2, "watch", "windows_reported"),
                n3 = Metric(day3, "watch", "windows_reported");
  ASSERT_GE(n2, 3);
  ASSERT_GE(n3, 1);

  ProcessResult j = TrestleRaw({"history", "--feature", "x", "--format", "json"});
  ASSERT_EXIT_CODE(j, 0);
  nlohmann::json h = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(h.is_object()) << j.out;
  ASSERT_EQ(static_cast<int64_t>(h["windows"].size()), n1 + n2 + n3);
  for (size_t i = 1; i < h["windows"].size(); ++i)
    EXPECT_GE(h["windows"][i]["start_us"].get<int64_t>(), h["windows"][i - 1]["start_us"].get<int64_t>());
  const nlohmann::json& w0 = h["windows"][0];
  EXPECT_EQ(w0["run_id"], day1["run_id"]);
  EXPECT_EQ(w0["node"], "watch");
  EXPECT_EQ(w0["rows"], 100);
  EXPECT_EQ(w0["kind"], "numeric");
  EXPECT_EQ(w0["stats"]["count"], 100);
  EXPECT_EQ(w0["scores"]["psi"], 0.01);
  ASSERT_EQ(h["findings"].size(), 1u);
  nlohmann::json f = h["findings"][0];
  EXPECT_EQ(f["code"], "DRIFT");
  EXPECT_EQ(f["statistic"], "psi");
  EXPECT_EQ(f["since_run"], day2["run_id"]);
  EXPECT_EQ(f["since_us"], h["windows"][n1 + 2]["start_us"]);  // day 2's third window
  EXPECT_EQ(f["windows"], n2 - 2 + n3);
  EXPECT_EQ(f["ongoing"], true);
  EXPECT_EQ(f["threshold"], 0.2);

  ProcessResult t = TrestleRaw({"history", "--feature", "x"});
  ASSERT_EXIT_CODE(t, 0);
  EXPECT_TRUE(Contains(t.out, std::to_string(n1 + n2 + n3) + " windows in 3 runs")) << t.out;
  std::vector<std::string> lines = SplitLines(t.out);
  int window_lines = 0;
  for (const auto& l : lines)
    if (!l.empty() && std::isdigit(static_cast<unsigned char>(l[0])) && Contains(l, " watch ")) ++window_lines;
  EXPECT_EQ(window_lines, n1 + n2 + n3) << t.out;
  EXPECT_TRUE(Contains(t.out, "SINCE")) << t.out;
  bool since_line = false;
  for (const auto& l : lines)
    since_line = since_line || (Contains(l, "DRIFT") && Contains(l, day2["run_id"].get<std::string>()) &&
                                Contains(l, "ongoing") && Contains(l, " " + std::to_string(n2 - 2 + n3) + " "));
  EXPECT_TRUE(since_line) << t.out;

  // A clean day ends the streak; since stays where it began.
  nlohmann::json day4 = Run("clean.yaml");
  ProcessResult after = TrestleRaw({"history", "x", "--format", "json"});
  ASSERT_EXIT_CODE(after, 0);
  nlohmann::json h4 = nlohmann::json::parse(after.out, nullptr, false);
  ASSERT_EQ(h4["findings"].size(), 1u);
  EXPECT_EQ(h4["findings"][0]["since_run"], day2["run_id"]);
  EXPECT_EQ(h4["findings"][0]["ongoing"], false);
  EXPECT_EQ(h4["findings"][0]["last_run"], day3["run_id"]);

  // --since limits the windows printed, not the streak.
  ProcessResult since =
      TrestleRaw({"history", "x", "--since", day3["started"].get<std::string>(), "--format", "json"});
  ASSERT_EXIT_CODE(since, 0);
  nlohmann::json hs = nlohmann::json::parse(since.out, nullptr, false);
  EXPECT_EQ(static_cast<int64_t>(hs["windows"].size()), n3 + Metric(day4, "watch", "windows_reported"));  // days 3, 4
  EXPECT_EQ(hs["findings"][0]["since_run"], day2["run_id"]);
  ProcessResult node = TrestleRaw({"history", "x", "--node", "nope"});
  ASSERT_EXIT_CODE(node, 0);
  EXPECT_TRUE(Contains(node.out, "no monitor windows or findings")) << node.out;
  ProcessResult bad = TrestleRaw({"history", "x", "--since", "last tuesday"});
  EXPECT_EXIT_CODE(bad, 2);
  EXPECT_TRUE(Contains(bad.err, "ISO-8601")) << bad.err;
}

TEST_F(StoreTest, HistoryReadsInRunDatesAndSummarisesEveryFeature) {
  // Two clean days, then the 4th drifting, then the 3rd backfilled after it.
  WritePipeline("clean.yaml", 300, -1);
  WritePipeline("all.yaml", 300, 0);
  Run("clean.yaml", {"--date", "2026-12-01"});
  Run("clean.yaml", {"--date", "2026-12-02"});
  nlohmann::json fourth = Run("all.yaml", {"--date", "2026-12-04"});
  nlohmann::json third = Run("all.yaml", {"--date", "2026-12-03"});

  ProcessResult j = TrestleRaw({"history", "--format", "json"});
  ASSERT_EXIT_CODE(j, 0);
  nlohmann::json h = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(h.is_object()) << j.out;
  ASSERT_EQ(h["findings"].size(), 1u) << j.out;
  const nlohmann::json& f = h["findings"][0];
  EXPECT_EQ(f["feature"], "x");
  EXPECT_EQ(f["since_date"], "2026-12-03") << "by date, the backfilled day comes before the 4th";
  EXPECT_EQ(f["since_dated"], true);
  EXPECT_EQ(f["since_run"], third["run_id"]);
  EXPECT_EQ(f["last_date"], "2026-12-04");
  EXPECT_EQ(f["last_run"], fourth["run_id"]);
  EXPECT_EQ(f["ongoing"], true);

  ProcessResult t = TrestleRaw({"history"});
  ASSERT_EXIT_CODE(t, 0);
  EXPECT_TRUE(Contains(t.out, "1 feature with findings")) << t.out;
  bool line = false;
  for (const auto& l : SplitLines(t.out))
    line = line || (Contains(l, "x ") && Contains(l, "DRIFT") && Contains(l, "2026-12-03") && Contains(l, "2026-12-04") &&
                    Contains(l, "ongoing"));
  EXPECT_TRUE(line) << t.out;

  ProcessResult w = TrestleRaw({"history", "--feature", "x", "--format", "json"});
  ASSERT_EXIT_CODE(w, 0);
  const nlohmann::json per_feature = nlohmann::json::parse(w.out, nullptr, false);
  std::vector<std::string> dates;
  for (const auto& win : per_feature["windows"]) dates.push_back(win["run_date"].get<std::string>());
  EXPECT_EQ(std::set<std::string>(dates.begin(), dates.end()),
            (std::set<std::string>{"2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"}));
  EXPECT_TRUE(std::is_sorted(dates.begin(), dates.end())) << "windows in date order, the backfilled day among its neighbours";

  // The report of the backfilled day (made last) looks at the days up to it.
  ProcessResult rep = TrestleRaw({"report", third["run_id"].get<std::string>(), "-o", "third.html"});
  ASSERT_EXIT_CODE(rep, 0);
  const std::string html = Read("third.html");
  EXPECT_TRUE(Contains(html, "id=\"since-when\"")) << "no 'since when' in the backfilled day's report";
  EXPECT_TRUE(Contains(html, ">2026-12-03<")) << "since the backfilled day itself";
  ProcessResult none = TrestleRaw({"history", "--pipeline", "nope"});
  ASSERT_EXIT_CODE(none, 0);
  EXPECT_TRUE(Contains(none.out, "no findings")) << none.out;
}

TEST_F(StoreTest, ReportIsOneSelfContainedEscapedHtmlFile) {
  WritePipeline("p.yaml", 1000, 4);
  Run("p.yaml");
  nlohmann::json rep = Run("p.yaml");
  const std::string id = rep["run_id"];
  ProcessResult r = TrestleRaw({"report", id, "-o", "out/report.html"});
  ASSERT_EXIT_CODE(r, 0);
  ASSERT_TRUE(Exists("out/report.html"));
  const std::string html = Read("out/report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(Contains(html, id));
  EXPECT_TRUE(Contains(html, "<svg class=\"chart"));
  EXPECT_TRUE(Contains(html, "id=\"accounting\""));
  EXPECT_TRUE(Contains(html, "id=\"anomalies\""));
  EXPECT_TRUE(Contains(html, "class=\"threshold\""));   // the threshold line
  EXPECT_TRUE(Contains(html, "class=\"firstalert\""));  // the first alert marked
  EXPECT_TRUE(Contains(html, "class=\"curbar\""));      // reference vs current bins
  // The monitor's top value is <b>&'x": escaped, never raw.
  EXPECT_TRUE(Contains(html, "&lt;b&gt;&amp;&#39;x&quot;"));
  EXPECT_FALSE(Contains(html, "<b>&'x"));
  // Nothing from the network.
  EXPECT_FALSE(Contains(html, "http://"));
  EXPECT_FALSE(Contains(html, "https://"));
  EXPECT_FALSE(Contains(html, " src="));
  EXPECT_TRUE(Contains(html, "default-src 'none'"));

  ProcessResult latest = TrestleRaw({"report", "latest", "-o", "-"});
  ASSERT_EXIT_CODE(latest, 0);
  EXPECT_TRUE(Contains(latest.out, id));
  ProcessResult missing = TrestleRaw({"report", "no-such-run"});
  EXPECT_EXIT_CODE(missing, 1);
  EXPECT_TRUE(Contains(missing.err, "no run no-such-run")) << missing.err;

  // Headless Chromium: a screenshot, no script errors, the plots in the DOM, no requests.
  const std::string script = (fs::path(SourceDir()) / "tests" / "cli" / "report_html_test.sh").string();
  ProcessOptions o;
  o.cwd = dir();
  o.timeout = std::chrono::milliseconds(170'000);
  ProcessResult browser = RunProcess({"/bin/bash", script, Path("out/report.html"), Path("shot")}, o);
  if (browser.exit_code == 77) GTEST_SKIP() << "no chromium: " << browser.err;
  EXPECT_EXIT_CODE(browser, 0);
  EXPECT_TRUE(Exists("shot/report.png"));
}

}  // namespace
}  // namespace trestle::clitest
