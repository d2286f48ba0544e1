// Defect 5: kill -9 leaves a run "running" and "<output>.tmp-<pid>" behind. The next
// start removes the temporary files of dead processes beside the outputs it writes and
// records the run as failed; and at whatever moment a run is killed, its outputs are
// either absent or complete and equal to those of an uninterrupted run.
#include <algorithm>
#include <random>

#include "fault_fixture.h"
#include "../sanitized_build.h"

namespace trestle::clitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class Kill9Test : public FaultTest {};

TEST_F(Kill9Test, TheNextStartCleansUpAndRecordsTheKilledRunAsFailed) {
  const std::string pipeline = R"(pipeline: killed
nodes:
  - name: seq
    type: sequence
    options: {rows: ROWS, sleep_ms: 5}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out/rows.csv}
execution: {batch_rows: 100}
)";
  auto with_rows = [&](const std::string& rows) {
    std::string p = pipeline;
    p.replace(p.find("ROWS"), 4, rows);
    return p;
  };
  Write("p.yaml", with_rows("0"));
  auto p = Start({"run", "p.yaml", "--state-dir", "state"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return TempFiles("out").size() == 1; }, seconds(30))) << p->Stderr();
  std::this_thread::sleep_for(milliseconds(200));
  p->Signal(SIGKILL);
  ProcessResult killed = p->Wait();
  EXPECT_EQ(killed.term_signal, SIGKILL);
  const std::vector<std::string> left = TempFiles("out");
  ASSERT_EQ(left.size(), 1u) << "kill -9 leaves the temporary file; the next start must remove it";
  EXPECT_EQ(left[0], "rows.csv.tmp-" + std::to_string(p->pid()));
  EXPECT_FALSE(Exists("out/rows.csv"));

  Write("p.yaml", with_rows("300"));
  ProcessResult next = Run({"run", "p.yaml", "--state-dir", "state"});  // not -q: the clean-up is a warning
  ASSERT_EQ(next.exit_code, 0) << next.Describe();
  EXPECT_TRUE(Contains(next.err, "removed ")) << next.err;
  EXPECT_TRUE(Contains(next.err, left[0] + ", left by a run whose process is gone")) << next.err;
  EXPECT_TRUE(Contains(next.err, "was left running by pid " + std::to_string(p->pid()) + ", which is gone")) << next.err;
  EXPECT_EQ(List("out"), std::vector<std::string>{"rows.csv"});
  EXPECT_EQ(Lines("out/rows.csv").size(), 301u);

  nlohmann::json runs = Runs("state");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["status"], "succeeded");
  EXPECT_EQ(runs[1]["status"], "failed");
  const std::string error = runs[1]["error"].get<std::string>();
  EXPECT_TRUE(Contains(error, "(pid " + std::to_string(p->pid()) + " on ")) << error;
  EXPECT_TRUE(Contains(error, "it was killed")) << error;
}

TEST_F(Kill9Test, KilledAtRandomMomentsTheOutputIsAbsentOrCompleteAndEqual) {
  // 2M rows through two sinks; the uninterrupted run is the reference.
  Write("p.yaml", R"(pipeline: two-million
nodes:
  - name: seq
    type: sequence
    options: {rows: 2000000}
  - name: csv
    type: csv_sink
    inputs: [seq]
    options: {path: out/rows.csv}
  - name: jsonl
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 8192}
)");
  const auto t0 = std::chrono::steady_clock::now();
  ProcessResult full = Run({"run", "p.yaml", "--state-dir", "state", "-q"}, Within(milliseconds(300'000)));
  ASSERT_EQ(full.exit_code, 0) << full.Describe();
  const double run_s = SecondsSince(t0);
  const std::string csv = Read("out/rows.csv"), jsonl = Read("out/rows.jsonl");
  ASSERT_EQ(std::count(csv.begin(), csv.end(), '\n'), 2000001);
  std::filesystem::rename(Path("out"), Path("reference"));

  std::mt19937 rng(7);
  int complete = 0, absent = 0;
  const int kills = testing_support::kSanitizedBuild ? 8 : 20;
  for (int seed = 0; seed < kills; ++seed) {
    std::filesystem::remove_all(Path("out"));
    // Half of the kills aim at the end of the run, where the outputs are published.
    const double at = seed % 2 == 0 ? std::uniform_real_distribution<double>(0.05, 1.1)(rng) * run_s
                                    : std::uniform_real_distribution<double>(0.8, 1.05)(rng) * run_s;
    auto p = Start({"run", "p.yaml", "--state-dir", "state", "-q"}, Within(milliseconds(300'000)));
    ASSERT_TRUE(p);
    std::this_thread::sleep_for(std::chrono::duration<double>(at));
    p->Signal(SIGKILL);
    ProcessResult r = p->Wait();
    for (const auto& [file, expected] : {std::pair{std::string("out/rows.csv"), &csv}, {"out/rows.jsonl", &jsonl}}) {
      if (!Exists(file)) continue;
      EXPECT_TRUE(Read(file) == *expected) << "seed " << seed << ": " << file << " is published but differs";
    }
    if (Exists("out/rows.csv") && Exists("out/rows.jsonl")) ++complete;
    else if (!Exists("out/rows.csv") && !Exists("out/rows.jsonl")) ++absent;
  }
  // The next run cleans what the killed ones left and publishes the same outputs.
  std::filesystem::remove_all(Path("out"));
  ProcessResult last = Run({"run", "p.yaml", "--state-dir", "state", "-q"}, Within(milliseconds(300'000)));
  ASSERT_EQ(last.exit_code, 0) << last.Describe();
  EXPECT_TRUE(Read("out/rows.csv") == csv);
  EXPECT_TRUE(TempFiles("out").empty());
  RecordProperty("complete", complete);
  RecordProperty("absent", absent);
  nlohmann::json runs = Runs("state");
  int failed = 0;
  for (const auto& run : runs) failed += run["status"] == "failed" ? 1 : 0;
  EXPECT_GE(failed, 1) << "killed runs are recorded as failed";
  for (const auto& run : runs) EXPECT_NE(run["status"], "running") << run.dump();
}

}  // namespace
}  // namespace trestle::clitest
