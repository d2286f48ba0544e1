// Defect 3: a plugin that segfaults, aborts, overflows its stack or throws across the
// ABI. The process ends with one line naming node, operator, plugin library and call
// (stderr and RUN_DIR/fatal.txt) and by the signal itself (exit status 128 + N in a
// shell); the run store records the run as failed at the next start; an exception
// thrown through the C ABI fails the run cleanly instead.
#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class PluginCrashTest : public FaultTest {
 protected:
  // seq (1000 rows, batches of 100) -> boom (crash, `options`) -> out (csv_sink).
  void WritePipeline(const std::string& options) {
    Write("p.yaml", R"(pipeline: crashing
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000}
  - name: boom
    type: crash
    inputs: [seq]
    options: )" + options + R"(
  - name: out
    type: csv_sink
    inputs: [boom]
    options: {path: out/rows.csv}
execution: {batch_rows: 100}
)");
  }
  ProcessResult RunIt() { return Run({"run", "p.yaml", "--state-dir", "state", "--run-dir", "run"}); }

  // The crash left one line naming the place, on stderr and in the run directory, and a
  // run the next start records as failed with that line. A crash before the outputs
  // were published leaves none; close() comes after publishing, which is whole.
  void ExpectReported(const ProcessResult& r, int sig, const std::string& signal_name, const std::string& call) {
    EXPECT_EQ(r.term_signal, sig) << r.Describe();
    const std::string where = "in node \"boom\" (operator crash, plugin crashkit 1.0.0, ";
    EXPECT_TRUE(Contains(r.err, "trestle: fatal " + signal_name)) << r.err;
    EXPECT_TRUE(Contains(r.err, where)) << r.err;
    EXPECT_TRUE(Contains(r.err, "libtrestle_crashkit.so) during " + call + "()")) << r.err;
    ASSERT_TRUE(Exists("run/fatal.txt"));
    const std::string line = Read("run/fatal.txt");
    EXPECT_TRUE(Contains(line, where) && Contains(line, call + "()")) << line;
    if (call == "close") EXPECT_EQ(Lines("out/rows.csv").size(), 1001u);
    else EXPECT_FALSE(Exists("out/rows.csv"));
    EXPECT_TRUE(TempFiles("out").empty() || call != "close");
    nlohmann::json runs = Runs("state");  // the next start reconciles
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "failed");
    const std::string error = runs[0]["error"].is_string() ? runs[0]["error"].get<std::string>() : "";
    EXPECT_TRUE(Contains(error, "ended before the run did")) << error;
    EXPECT_TRUE(Contains(error, "during " + call + "()")) << error;
  }
};

TEST_F(PluginCrashTest, SegfaultInProcessIsReportedAndTheRunRecordedFailed) {
  WritePipeline("{how: segv, call: process, at_batch: 3}");
  ExpectReported(RunIt(), SIGSEGV, "SIGSEGV", "process");
}

TEST_F(PluginCrashTest, AbortInOpenIsReported) {
  WritePipeline("{how: abort, call: open}");
  ProcessResult r = RunIt();
  EXPECT_EQ(r.term_signal, SIGABRT) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "trestle: fatal SIGABRT")) << r.err;
  EXPECT_TRUE(Contains(r.err, "in node \"boom\" (operator crash, plugin crashkit 1.0.0, ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "during open()")) << r.err;
  EXPECT_FALSE(Exists("out/rows.csv"));
}

TEST_F(PluginCrashTest, StackOverflowIsStillReported) {
  // The handler runs on an alternate stack: the thread's own is exhausted.
  WritePipeline("{how: stack_overflow, call: process}");
  ExpectReported(RunIt(), SIGSEGV, "SIGSEGV", "process");
}

TEST_F(PluginCrashTest, TerminateInCloseIsReportedAsAnAbort) {
  WritePipeline("{how: terminate, call: close}");
  ExpectReported(RunIt(), SIGABRT, "SIGABRT", "close");
}

TEST_F(PluginCrashTest, AnExceptionThroughTheCAbiFailsTheRunCleanly) {
  Write("p.yaml", R"(pipeline: throwing
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000}
  - name: raw
    type: throw_across
    inputs: [seq]
  - name: out
    type: csv_sink
    inputs: [raw]
    options: {path: out/rows.csv}
)");
  ProcessResult r = RunIt();
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "threw a C++ exception across the C ABI")) << r.out;
  EXPECT_TRUE(Contains(r.out, "thrown through the C ABI by throw_across")) << r.out;
  EXPECT_FALSE(Exists("out/rows.csv"));
  EXPECT_TRUE(TempFiles("out").empty());
  nlohmann::json runs = Runs("state");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "failed");
}

}  // namespace
}  // namespace trestle::clitest
