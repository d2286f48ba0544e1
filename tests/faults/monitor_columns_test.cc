// Defects 1 and 2: monitors whose configured columns are not in the input. A
// drift_monitor `features:` entry for a column the source no longer has is a
// validate-time error naming node, option, column and profile (it used to crash both
// validate and run: close() ran on an operator whose open() had failed). A
// schema_monitor that would report a finding when closed at validate time must not run
// a window there, nor hang (it used to deadlock in teardown).
#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class MonitorColumnsTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    std::string reference = "a,b,c\n";
    for (int i = 0; i < 200; ++i)
      reference += std::to_string(i) + "," + std::to_string(i * 0.5) + "," + (i % 2 ? "x" : "y") + "\n";
    Write("reference.csv", reference);
    ProcessResult p = Run({"profile", "reference.csv", "-o", "reference.profile", "--state-dir", "state", "-q"});
    ASSERT_EQ(p.exit_code, 0) << p.Describe();
    // Today's data lost column c.
    std::string today = "a,b\n";
    for (int i = 0; i < 50; ++i) today += std::to_string(i) + "," + std::to_string(i) + "\n";
    Write("today.csv", today);
  }
  // today.csv -> drift_monitor against the reference (option lines `options`, node lines
  // `node`), and a CSV sink; the drift node's options start on line 10.
  static std::string DriftPipeline(const std::string& options, const std::string& node = "") {
    return "pipeline: watched\nnodes:\n  - name: src\n    type: csv_source\n    options: {path: today.csv}\n"
           "  - name: drift\n    type: drift_monitor\n    inputs: [src]\n    options:\n"
           "      reference: reference.profile\n" +
           options + node + "  - name: out\n    type: csv_sink\n    inputs: [src]\n    options: {path: out.csv}\n";
  }
};

TEST_F(MonitorColumnsTest, AFeatureTheInputLostIsAValidateErrorNotACrash) {
  Write("p.yaml", DriftPipeline("      features: [a, c]\n"));
  for (const char* cmd : {"validate", "run"}) {
    ProcessResult r = Run({cmd, "p.yaml"});
    EXPECT_EQ(r.term_signal, 0) << cmd << " crashed: " << r.Describe();
    EXPECT_EQ(r.exit_code, 78) << cmd << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "p.yaml:11:") && Contains(r.err, "nodes[1] \"drift\" .options.features")) << r.err;
    EXPECT_TRUE(Contains(r.err, "option \"features\" names \"c\", a column of the reference profile "
                                "\"reference.profile\" which the input does not have (columns: a, b)"))
        << r.err;
  }
  EXPECT_FALSE(Exists("out.csv"));
}

TEST_F(MonitorColumnsTest, ValidateRunsNoMonitorWindowAndReturns) {
  // Closed at validate time with no rows, schema_monitor would report MISSING_COLUMN
  // for c into the alert sink's findings outbox.
  Write("p.yaml", R"(pipeline: watched
nodes:
  - name: src
    type: csv_source
    options: {path: today.csv}
  - name: schema
    type: schema_monitor
    inputs: [src]
    options: {reference: reference.profile}
  - name: alerts
    type: jsonl_sink
    inputs: [schema]
    options: {path: alerts.jsonl}
)");
  ProcessResult v = Run({"validate", "p.yaml"}, Within(std::chrono::milliseconds(60'000)));
  ASSERT_FALSE(v.timed_out) << "validate hung";
  EXPECT_EQ(v.exit_code, 0) << v.Describe();
  EXPECT_FALSE(Contains(v.err, "MISSING_COLUMN")) << "validate ran a monitor window: " << v.err;
  EXPECT_FALSE(Exists("alerts.jsonl"));
  // The run does report it.
  ProcessResult r = Run({"run", "p.yaml", "--state-dir", "state", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(Read("alerts.jsonl"), "MISSING_COLUMN")) << Read("alerts.jsonl");
}

TEST_F(MonitorColumnsTest, AColumnOfTheDefaultSetThatDisappearedIsAFindingDatedToItsDayNotAnError) {
  // Issue 15: without `features`, drift_monitor watches every column of the profile;
  // one the input lost is MISSING_COLUMN from the day it went, and "not evaluated".
  Write("p.yaml", DriftPipeline("", "    monitoring: {queue_batches: 100}\n"));
  for (const char* date : {"2026-12-05", "2026-12-06"}) {
    ProcessResult r = Run({"run", "p.yaml", "--state-dir", "state", "--date", date, "-q"});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }
  EXPECT_TRUE(Exists("out.csv"));
  ProcessResult h = TrestleRaw({"history", "--state-dir", "state", "--format", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.Describe();
  const nlohmann::json summary = nlohmann::json::parse(h.out, nullptr, false);
  bool found = false;
  for (const auto& f : summary["findings"]) {
    if (f["code"] != "MISSING_COLUMN") continue;
    found = true;
    EXPECT_EQ(f["feature"], "c");
    EXPECT_EQ(f["since_date"], "2026-12-05");
    EXPECT_EQ(f["ongoing"], true);
    EXPECT_EQ(f["windows"], 2);
  }
  EXPECT_TRUE(found) << h.out;
  ProcessResult report = TrestleRaw({"report", "latest", "--state-dir", "state", "-o", "r.html"});
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  EXPECT_TRUE(Contains(Read("r.html"), "Not evaluated (column missing)")) << "the report does not say c was not evaluated";
}

}  // namespace
}  // namespace trestle::clitest
