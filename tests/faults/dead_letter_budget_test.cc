// Defect 11: a run in which (nearly) every row was dead-lettered used to exit 0
// "succeeded". execution.max_dead_letter_share (default 0.1) and a node's own
// max_dead_letter_share fail it (exit 1), with a summary that says so, and nothing is
// published.
#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class DeadLetterBudgetTest : public FaultTest {
 protected:
  // seq (1000 rows) -> t (rejects ids that are multiples of `every`) -> out.
  void WritePipeline(int every, const std::string& node_keys, const std::string& execution) {
    Write("out.csv", "an earlier output\n");
    Write("p.yaml", R"(pipeline: budget
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000}
  - name: t
    type: scripted
    inputs: [seq]
    options: {reject_every: )" + std::to_string(every) + "}\n" + node_keys + R"(
  - name: out
    type: csv_sink
    inputs: [t]
    options: {path: out.csv}
)" + execution);
  }
  ProcessResult RunIt() { return Run({"run", "p.yaml", "--state-dir", "state", "--report", "r.json"}); }
};

TEST_F(DeadLetterBudgetTest, EveryRowDeadLetteredFailsTheRunByDefault) {
  WritePipeline(1, "", "");
  ProcessResult r = RunIt();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "  failed in ")) << r.out;
  EXPECT_TRUE(Contains(r.out, "1000 of the 1000 rows read were dead-lettered (100%), more than "
                              "execution.max_dead_letter_share 0.1 allows; nothing is published"))
      << r.out;
  EXPECT_EQ(Read("out.csv"), "an earlier output\n");
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["error"]["code"], "DATA_ERROR");
  EXPECT_EQ(report["dead_letters"]["rows"], 1000);
  EXPECT_EQ(Runs("state")[0]["status"], "failed");
}

TEST_F(DeadLetterBudgetTest, TheDefaultAllowsAFewAndAPipelineMaySayMore) {
  WritePipeline(20, "", "");  // 50 of 1000: 5%
  EXPECT_EQ(RunIt().exit_code, 0);
  EXPECT_EQ(Lines("out.csv").size(), 951u);
  WritePipeline(4, "", "");  // 250 of 1000: 25%
  EXPECT_EQ(RunIt().exit_code, 1);
  WritePipeline(4, "", "execution: {max_dead_letter_share: 0.3}\n");
  EXPECT_EQ(RunIt().exit_code, 0);
  WritePipeline(1, "", "execution: {max_dead_letter_share: 1}\n");
  EXPECT_EQ(RunIt().exit_code, 0);
}

TEST_F(DeadLetterBudgetTest, ANodeMaySetAStricterBudgetOfItsOwn) {
  WritePipeline(20, "    max_dead_letter_share: 0.01", "");  // 5% at t, more than its 1%
  ProcessResult r = RunIt();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "node \"t\" dead-lettered 50 of its 1000 input rows (5%), more than its "
                              "max_dead_letter_share 0.01 allows"))
      << r.out;
  EXPECT_EQ(Read("out.csv"), "an earlier output\n");
}

}  // namespace
}  // namespace trestle::clitest
