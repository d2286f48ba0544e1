// `trestle run --date D` and `--from D1 --to D2`: the run date's variables in the
// pipeline file, the date in the run store and `trestle runs --from/--to`, one run per
// pipeline and date at a time, and backfills that stop or keep going.
#include <chrono>
#include <thread>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::seconds;

// A dated pipeline that reads until it is stopped.
constexpr const char* kEndless = R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: "out/${RUN_DATE}.csv"}
)";

class RunDateTest : public CliTest {
 protected:
  // Copies data/${RUN_DATE}.csv to out/${RUN_DATE}.csv, adding nothing.
  void WriteDailyPipeline() {
    Write("p.yaml", R"(pipeline: daily
nodes:
  - name: events
    type: csv_source
    options: {path: "data/${RUN_DATE}.csv"}
  - name: out
    type: csv_sink
    inputs: [events]
    options: {path: "out/${RUN_DATE_NODASH}.csv"}
)");
  }
  void WriteDay(const std::string& date, int rows) {
    std::string csv = "id,day\n";
    for (int i = 0; i < rows; ++i) csv += std::to_string(i) + "," + date + "\n";
    Write("data/" + date + ".csv", csv);
  }
  nlohmann::json Dates(const std::string& from, const std::string& to) {
    ProcessResult r = TrestleRaw({"runs", "--pipeline", "daily", "--from", from, "--to", to, "--format", "json"});
    EXPECT_EXIT_CODE(r, 0);
    return nlohmann::json::parse(r.out, nullptr, false);
  }
};

TEST_F(RunDateTest, DateDefinesTheVariablesAndIsRecorded) {
  WriteDailyPipeline();
  WriteDay("2026-12-01", 5);
  ProcessResult r = Trestle({"run", "p.yaml", "--date", "2026-12-01", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Lines("out/20261201.csv").size(), 6u);
  EXPECT_EQ(ReadJson("r.json")["run_date"], "2026-12-01");
  ProcessResult runs = TrestleRaw({"runs", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  nlohmann::json j = nlohmann::json::parse(runs.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["run_date"], "2026-12-01");
  EXPECT_TRUE(Contains(TrestleRaw({"runs"}).out, "2026-12-01"));
}

TEST_F(RunDateTest, PreviousAndNextDaysCrossMonthAndYearEnds) {
  Write("p.yaml", R"(pipeline: edges
nodes:
  - name: seq
    type: sequence
    options: {rows: 1}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: "out/${RUN_DATE_PREV}_${RUN_DATE_NEXT}_${RUN_YEAR}${RUN_MONTH}${RUN_DAY}.csv"}
)");
  ASSERT_EXIT_CODE(Trestle({"run", "p.yaml", "--date", "2024-12-31"}), 0);
  EXPECT_TRUE(Exists("out/2024-12-30_2025-01-01_20241231.csv"));
  ASSERT_EXIT_CODE(Trestle({"run", "p.yaml", "--date", "2024-03-01"}), 0);
  EXPECT_TRUE(Exists("out/2024-02-29_2024-03-02_20240301.csv"));  // a leap year
}

TEST_F(RunDateTest, ABadDateIsAUsageError) {
  WriteDailyPipeline();
  for (const char* bad : {"2026-02-30", "2026-13-01", "26-12-01", "2026/12/01", "yesterday", "9999-12-31"}) {
    ProcessResult r = Trestle({"run", "p.yaml", "--date", bad});
    EXPECT_EXIT_CODE(r, 2);
    EXPECT_TRUE(Contains(r.err, std::string("--date \"") + bad + "\"")) << r.err;
  }
}

TEST_F(RunDateTest, RunDateWithoutDateNamesTheFlag) {
  WriteDailyPipeline();
  ProcessResult r = Trestle({"validate", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "\"RUN_DATE\" is not set: it comes from --date")) << r.err;
  WriteDay("2026-12-01", 1);
  EXPECT_EXIT_CODE(Trestle({"validate", "p.yaml", "--date", "2026-12-01"}), 0);
}

TEST_F(RunDateTest, BackfillRunsEachDateInOrderAndRunsShowsMissingDates) {
  WriteDailyPipeline();
  for (const char* d : {"2026-11-29", "2026-11-30", "2026-12-01"}) WriteDay(d, 3);
  ProcessResult r = Trestle({"run", "p.yaml", "--from", "2026-11-29", "--to", "2026-12-01", "-q"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.err, "3 dates, 3 succeeded, 0 failed, 0 not run")) << r.err;
  for (const char* f : {"out/20261129.csv", "out/20261130.csv", "out/20261201.csv"}) EXPECT_TRUE(Exists(f)) << f;
  // In order: each date's "starting" line comes after the previous date's result.
  EXPECT_LT(r.err.find("2026-11-29: succeeded"), r.err.find("2026-11-30: starting"));
  EXPECT_LT(r.err.find("2026-11-30: succeeded"), r.err.find("2026-12-01: starting"));

  nlohmann::json dates = Dates("2026-11-28", "2026-12-02");
  ASSERT_EQ(dates.size(), 5u) << dates.dump();
  EXPECT_EQ(dates[0]["status"], "missing");
  EXPECT_EQ(dates[1]["status"], "succeeded");
  EXPECT_EQ(dates[3]["status"], "succeeded");
  EXPECT_EQ(dates[4]["status"], "missing");

  // Re-running a date adds a run for it; its latest run is what `runs` shows.
  ASSERT_EXIT_CODE(Trestle({"run", "p.yaml", "--date", "2026-11-30", "-q"}), 0);
  EXPECT_EQ(Dates("2026-11-30", "2026-11-30")[0]["runs"], 2);
}

TEST_F(RunDateTest, BackfillStopsAtTheFirstFailedDateUnlessKeepGoing) {
  WriteDailyPipeline();
  WriteDay("2026-12-01", 2);
  WriteDay("2026-12-03", 2);  // 2026-12-02's input is missing
  ProcessResult stop = Trestle({"run", "p.yaml", "--from", "2026-12-01", "--to", "2026-12-03", "-q"});
  EXPECT_EXIT_CODE(stop, 78);
  EXPECT_TRUE(Contains(stop.err, "1 succeeded, 1 failed (2026-12-02), 1 not run")) << stop.err;
  EXPECT_FALSE(Exists("out/20261203.csv"));
  nlohmann::json dates = Dates("2026-12-01", "2026-12-03");
  ASSERT_EQ(dates.size(), 3u);
  EXPECT_EQ(dates[1]["status"], "failed");  // recorded although it never started
  EXPECT_TRUE(Contains(dates[1]["error"].get<std::string>(), "2026-12-02.csv")) << dates[1].dump();
  EXPECT_EQ(dates[2]["status"], "missing");

  ProcessResult going =
      Trestle({"run", "p.yaml", "--from", "2026-12-01", "--to", "2026-12-03", "--keep-going", "-q"});
  EXPECT_EXIT_CODE(going, 78);
  EXPECT_TRUE(Contains(going.err, "2 succeeded, 1 failed (2026-12-02), 0 not run")) << going.err;
  EXPECT_TRUE(Exists("out/20261203.csv"));
}

TEST_F(RunDateTest, BackfillArgumentsAreChecked) {
  WriteDailyPipeline();
  EXPECT_EXIT_CODE(Trestle({"run", "p.yaml", "--from", "2026-12-01"}), 2);
  EXPECT_EXIT_CODE(Trestle({"run", "p.yaml", "--from", "2026-12-03", "--to", "2026-12-01"}), 2);
  EXPECT_EXIT_CODE(Trestle({"run", "p.yaml", "--from", "2026-12-01", "--to", "2026-12-02", "--date", "2026-12-01"}),
                   2);
  EXPECT_EXIT_CODE(
      Trestle({"run", "p.yaml", "--from", "2026-12-01", "--to", "2026-12-02", "--run-dir", "one"}), 2);
}

TEST_F(RunDateTest, OneRunPerPipelineAndDateAtATime) {
  Write("p.yaml", kEndless);
  auto first = StartTrestle({"run", "p.yaml", "--date", "2026-12-01"});
  ASSERT_TRUE(first);
  ASSERT_TRUE(WaitUntil([&] { return Contains(first->Stderr(), "started; run directory"); }, seconds(30)))
      << first->Stderr();
  ProcessResult second = Trestle({"run", "p.yaml", "--date", "2026-12-01"});
  EXPECT_EXIT_CODE(second, 75);
  EXPECT_TRUE(Contains(second.err, "already running for 2026-12-01")) << second.err;
  // A dated run publishes all of its date or nothing: drained, it fails.
  first->Signal(SIGTERM);
  ProcessResult drained = first->Wait();
  EXPECT_EXIT_CODE(drained, 1);
  EXPECT_TRUE(Contains(drained.err, "the run for 2026-12-01 was stopped before its input ended")) << drained.err;
  EXPECT_FALSE(Exists("out/2026-12-01.csv"));
  // Released with the process: the date can run again.
  Write("p.yaml", R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 3}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: "out/${RUN_DATE}.csv"}
)");
  EXPECT_EXIT_CODE(Trestle({"run", "p.yaml", "--date", "2026-12-01"}), 0);
}

TEST_F(RunDateTest, ASignalToABackfillStopsTheRunningDateAndStartsNoOther) {
  Write("p.yaml", kEndless);
  auto backfill = StartTrestle({"run", "p.yaml", "--from", "2026-12-01", "--to", "2026-12-03"});
  ASSERT_TRUE(backfill);
  ASSERT_TRUE(WaitUntil([&] { return Contains(backfill->Stderr(), "started; run directory"); }, seconds(30)))
      << backfill->Stderr();
  backfill->Signal(SIGTERM);
  ProcessResult r = backfill->Wait();
  EXPECT_EXIT_CODE(r, 1);  // the running date was drained before its input ended
  EXPECT_TRUE(Contains(r.err, "2026-12-01: failed (exit 1)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "0 succeeded, 1 failed (2026-12-01), 2 not run (stopped by a signal)")) << r.err;
  EXPECT_FALSE(Contains(r.err, "2026-12-02: starting")) << r.err;
  EXPECT_FALSE(Exists("out/2026-12-01.csv"));
}

}  // namespace
}  // namespace trestle::clitest
