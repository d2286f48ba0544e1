// Defect 9: two runs given the same --run-dir. The second is refused (exit 2) naming
// the run that holds the directory, whether that run is still going or has ended; the
// first run's report and dead letters stay its own.
#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::seconds;

class RunDirTest : public FaultTest {};

TEST_F(RunDirTest, ASecondRunIntoABusyOrUsedRunDirectoryIsRefused) {
  Write("slow.yaml", R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out/a.csv}
)");
  Write("quick.yaml", R"(pipeline: quick
nodes:
  - name: seq
    type: sequence
    options: {rows: 10}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out/b.csv}
)");
  auto first = Start({"run", "slow.yaml", "--run-dir", "shared"});
  ASSERT_TRUE(first);
  ASSERT_TRUE(WaitUntil([&] { return Contains(first->Stderr(), "started; run directory"); }, seconds(30)));
  ProcessResult busy = Run({"run", "quick.yaml", "--run-dir", "shared"});
  EXPECT_EQ(busy.exit_code, 2) << busy.Describe();
  EXPECT_TRUE(Contains(busy.err, "run directory shared is in use by another run (run ")) << busy.err;
  EXPECT_TRUE(Contains(busy.err, ", pid " + std::to_string(first->pid()) + ")")) << busy.err;
  EXPECT_FALSE(Exists("out/b.csv"));

  first->Signal(SIGTERM);
  ProcessResult ended = first->Wait();
  ASSERT_EQ(ended.exit_code, 0) << ended.Describe();
  const std::string run_id = ReadJson("shared/report.json")["run_id"].get<std::string>();
  ProcessResult used = Run({"run", "quick.yaml", "--run-dir", "shared"});
  EXPECT_EQ(used.exit_code, 2) << used.Describe();
  EXPECT_TRUE(Contains(used.err, "run directory shared already holds the report of run " + run_id)) << used.err;
  EXPECT_EQ(ReadJson("shared/report.json")["run_id"], run_id);
  EXPECT_FALSE(Exists("out/b.csv"));
}

}  // namespace
}  // namespace trestle::clitest
