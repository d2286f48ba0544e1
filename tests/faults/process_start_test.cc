// How trestle starts: with a standard descriptor closed, and with a signal arriving
// before `run` has started its signal watcher (runtime/process_start.h).
#include <signal.h>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class ProcessStartTest : public FaultTest {
 protected:
  ProcessResult Bash(const std::string& command) const {
    ProcessOptions o = Within(std::chrono::milliseconds(60'000));
    o.cwd = dir();
    return RunProcess({"/bin/bash", "-c", command}, o);
  }
  void WriteStdoutPipeline() const {
    Write("p.yaml", R"(pipeline: so
nodes:
  - {name: src, type: sequence, options: {rows: 1000}}
  - {name: out, type: stdout_sink, inputs: [src]}
)");
  }
  /// `trestle run p.yaml` with LD_PRELOAD of the crashkit, which sends `sig` to the
  /// process while the libraries are initialized, before main.
  ProcessResult RunSignalledAtLoad(int sig) const {
    ProcessOptions o = Within(std::chrono::milliseconds(60'000));
    o.env["LD_PRELOAD"] = std::string(TRESTLE_CRASHKIT_DIR) + "/libtrestle_crashkit.so";
    o.env["TRESTLE_CRASHKIT_SIGNAL_AT_LOAD"] = std::to_string(sig);
    return Trestle({"run", "p.yaml", "--state-dir", "st"}, o);
  }
};

TEST_F(ProcessStartTest, AClosedStdoutIsNotReusedForTheRunsFiles) {
  WriteStdoutPipeline();
  ProcessResult r = Bash("'" + TrestleBinary() + "' run p.yaml --state-dir st --run-dir rd --plugin-path '" +
                         PluginDir() + "' --plugin-path '" + TestkitDir() + "' >&- 2>err.txt; echo \"rc=$?\"");
  EXPECT_TRUE(Contains(r.out, "rc=0\n")) << r.Describe() << Read("err.txt");
  // The run directory's lock file was opened first: fd 1 when stdout was closed.
  EXPECT_FALSE(Contains(Read("rd/.lock"), "id,x")) << Read("rd/.lock").substr(0, 200);
  EXPECT_EQ(ReadJson("rd/report.json")["status"], "succeeded");
}

TEST_F(ProcessStartTest, AClosedStderrIsNotReusedEither) {
  WriteStdoutPipeline();
  ProcessResult r = Bash("'" + TrestleBinary() + "' run p.yaml --state-dir st --run-dir rd -q --plugin-path '" +
                         PluginDir() + "' --plugin-path '" + TestkitDir() + "' 2>&- >out.txt; echo \"rc=$?\"");
  EXPECT_TRUE(Contains(r.out, "rc=0\n")) << r.Describe();
  EXPECT_FALSE(Contains(Read("rd/.lock"), "started; run directory")) << Read("rd/.lock").substr(0, 200);
  EXPECT_EQ(Lines("out.txt").size(), 1001u);
}

TEST_F(ProcessStartTest, SigtermBeforeMainDrainsInsteadOfKilling) {
  WriteStdoutPipeline();
  ProcessResult r = RunSignalledAtLoad(SIGTERM);
  EXPECT_EQ(r.term_signal, 0) << r.Describe();
  // The watcher takes the pending signal while the operators open (the run is
  // interrupted: exit 1) or just after (an empty drain that commits: exit 0).
  EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "received Terminated: draining")) << r.err;
}

TEST_F(ProcessStartTest, SighupBeforeMainDoesNotStopTheRun) {
  WriteStdoutPipeline();
  ProcessResult r = RunSignalledAtLoad(SIGHUP);
  EXPECT_EQ(r.term_signal, 0) << r.Describe();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(SplitLines(r.out).size(), 1001u + 4) << r.out.substr(0, 300);  // rows, then the summary
}

TEST_F(ProcessStartTest, OtherCommandsStillEndBySigterm) {
  // Only `run` watches the signals; `validate` ends by SIGTERM as any program does.
  WriteStdoutPipeline();
  ProcessOptions o = Within(std::chrono::milliseconds(60'000));
  o.env["LD_PRELOAD"] = std::string(TRESTLE_CRASHKIT_DIR) + "/libtrestle_crashkit.so";
  o.env["TRESTLE_CRASHKIT_SIGNAL_AT_LOAD"] = std::to_string(SIGTERM);
  ProcessResult r = Trestle({"validate", "p.yaml"}, o);
  EXPECT_EQ(r.term_signal, SIGTERM) << r.Describe();
}

}  // namespace
}  // namespace trestle::clitest
