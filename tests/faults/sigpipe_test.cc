// A reader that goes away — `trestle run ... | head`, or the program reading a
// `mode: stream` sink's FIFO exiting — used to end trestle by SIGPIPE: exit 141, not one
// line on stderr, no report, the run recorded as "killed or lost" at the next start.
// SIGPIPE is ignored from the start of main; the write fails with EPIPE, the run fails
// naming node and path, is recorded failed, and exits 1.
#include <sys/stat.h>

#include <thread>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class SigpipeTest : public FaultTest {
 protected:
  /// `command` under bash in the test directory; its stdout is what the script echoes.
  ProcessResult Bash(const std::string& command) const {
    ProcessOptions o = Within(std::chrono::milliseconds(60'000));
    o.cwd = dir();
    return RunProcess({"/bin/bash", "-c", command}, o);
  }
  std::string TrestleCommand(const std::string& args) const {
    return "'" + TrestleBinary() + "' " + args + " --plugin-path '" + PluginDir() + "' --plugin-path '" +
           TestkitDir() + "'";
  }
};

TEST_F(SigpipeTest, StdoutIntoHeadFailsTheRunNamingNodeAndStdout) {
  Write("p.yaml", R"(pipeline: so
nodes:
  - {name: src, type: sequence, options: {rows: 0}}
  - {name: out, type: stdout_sink, inputs: [src], retry: {max_attempts: 2, initial_backoff_ms: 10}}
)");
  // Unbounded rows: the run can only end because the write fails.
  ProcessResult r = Bash(TrestleCommand("run p.yaml --state-dir st -q") + " 2>err.txt | head -3 >/dev/null; " +
                         "echo \"rc=${PIPESTATUS[0]}\"");
  ASSERT_FALSE(r.timed_out) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "rc=1\n")) << r.out << Read("err.txt");
  const std::string err = Read("err.txt");
  EXPECT_TRUE(Contains(err, "UNAVAILABLE: node \"out\"")) << err;
  EXPECT_TRUE(Contains(err, "stdout failed: Broken pipe")) << err;
  nlohmann::json runs = Runs(Path("st"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "failed") << runs.dump(2);
  EXPECT_TRUE(Contains(runs[0]["error"].dump(), "Broken pipe")) << runs.dump(2);
}

TEST_F(SigpipeTest, AStreamIntoAFifoWhoseReaderExitsFailsTheRunNamingThePath) {
  ASSERT_EQ(::mkfifo(Path("out.fifo").c_str(), 0600), 0);
  Write("p.yaml", R"(pipeline: f
nodes:
  - {name: src, type: sequence, options: {rows: 0, sleep_ms: 1}}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: out.fifo, mode: stream}
    retry: {max_attempts: 2, initial_backoff_ms: 10}
execution: {commit_every_batches: 1}
)");
  // The reader takes a little and goes; trestle opens the FIFO while it is there.
  ProcessResult r = Bash("(head -c 20000 out.fifo >/dev/null) & " + TrestleCommand("run p.yaml --state-dir st") +
                         " >out.txt 2>err.txt; echo \"rc=$?\"; wait");
  ASSERT_FALSE(r.timed_out) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "rc=1\n")) << r.out << Read("err.txt");
  const std::string out = Read("out.txt");
  EXPECT_TRUE(Contains(out, "UNAVAILABLE")) << out;
  EXPECT_TRUE(Contains(out, "writing \"out.fifo\" failed: Broken pipe")) << out;
  nlohmann::json runs = Runs(Path("st"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "failed") << runs.dump(2);
  EXPECT_TRUE(Exists("st/runs/" + runs[0]["run_id"].get<std::string>() + "/report.json"));
}

}  // namespace
}  // namespace trestle::clitest
