// SIGTERM/SIGINT: the first drains (sources stop, in-flight batches reach the sinks,
// sinks commit, sources ack, exit 0); a second one aborts; a drain that takes longer
// than execution.drain_timeout_s aborts too.
#include <signal.h>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class SignalTest : public CliTest {
 protected:
  // An endless source behind a transform that takes 3 s per batch and does not look
  // at cancellation: draining 8 in-flight batches would take about 24 s.
  void WriteSlowPipeline(const std::string& execution_extra) {
    Write("p.yaml", R"(pipeline: slow
nodes:
  - name: seq
    type: sequence
    options: {rows: 0}
  - name: slow
    type: scripted
    inputs: [seq]
    options: {sleep_ms: 3000}
  - name: out
    type: jsonl_sink
    inputs: [slow]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 10, max_inflight_batches: 8)" +
                        execution_extra + "}\n");
  }

  // Starts the slow pipeline and returns once the transform is busy with a batch.
  std::unique_ptr<Process> StartSlow() {
    auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
    if (!p) return p;
    EXPECT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30)))
        << "the run did not start: " << p->Stderr();
    std::this_thread::sleep_for(milliseconds(700));
    EXPECT_TRUE(p->Running()) << p->Stderr();
    return p;
  }

  // `execution_extra`: more execution settings, e.g. ", threads: 1".
  void DrainsOn(int sig, const std::string& execution_extra = "") {
    Write("p.yaml", R"(pipeline: endless
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20, ack_file: acks.txt}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 100, commit_every_batches: 5)" + execution_extra + R"(}
)");
    auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
    ASSERT_TRUE(p);
    // The run is going once rows reach the sink's temporary file.
    ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
    ASSERT_TRUE(WaitUntil(
        [&] {
          for (const auto& name : Exists("out") ? List("out") : std::vector<std::string>{})
            if (name.find(".tmp-") != std::string::npos) return true;
          return false;
        },
        seconds(30)))
        << p->Stderr();
    std::this_thread::sleep_for(milliseconds(300));
    ASSERT_TRUE(p->Running()) << p->Stderr();
    // Published only at the end; jsonl_sink's rows are durable only then, so its
    // source has not been acked yet although commit_every_batches is 5.
    EXPECT_FALSE(Exists("out/rows.jsonl"));
    EXPECT_FALSE(Exists("acks.txt"));

    const auto t0 = std::chrono::steady_clock::now();
    p->Signal(sig);
    ProcessResult r = p->Wait();
    const double took = SecondsSince(t0);
    ASSERT_EXIT_CODE(r, 0);
    EXPECT_LT(took, 10.0) << "the drain took too long";
    EXPECT_TRUE(Contains(r.err, "draining")) << r.err;

    nlohmann::json report = ReadJson("r.json");
    EXPECT_EQ(report["status"], "drained");
    EXPECT_EQ(report["accounting"]["balanced"], true);
    const int64_t read = report["accounting"]["sources"]["seq"]["read"].get<int64_t>();
    const int64_t batches = ReportNode(report, "seq")["batches_out"].get<int64_t>();
    EXPECT_GT(read, 0);
    EXPECT_EQ(read, batches * 100);
    EXPECT_EQ(report["accounting"]["sources"]["seq"]["paths"]["out"]["reached"], read);

    // Every row read is in the output, once, in order.
    std::vector<std::string> rows = Lines("out/rows.jsonl");
    ASSERT_EQ(static_cast<int64_t>(rows.size()), read);
    for (size_t i = 0; i < rows.size(); i += 97) {
      nlohmann::json row = nlohmann::json::parse(rows[i]);
      EXPECT_EQ(row["id"], static_cast<int64_t>(i)) << rows[i];
    }
    EXPECT_EQ(nlohmann::json::parse(rows.back())["id"], read - 1);

    // One ack, after the output was published, covering every batch read.
    EXPECT_EQ(Lines("acks.txt"), std::vector<std::string>{std::to_string(batches - 1)});
  }

  // Two SIGTERMs: the second aborts at once, publishing nothing.
  void AbortsOnSecondSignal(const std::string& execution_extra) {
    WriteSlowPipeline(execution_extra);
    auto p = StartSlow();
    ASSERT_TRUE(p);
    const auto t0 = std::chrono::steady_clock::now();
    p->Signal(SIGTERM);
    std::this_thread::sleep_for(milliseconds(300));
    p->Signal(SIGTERM);
    ProcessResult r = p->Wait();
    const double took = SecondsSince(t0);
    EXPECT_EQ(r.term_signal, 0) << "trestle handles the signals itself: " << r.Describe();
    EXPECT_TRUE(!r.timed_out && r.exit_code != 0) << r.Describe();
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    // At most the 3 s call in progress, far less than the ~24 s drain.
    EXPECT_LT(took, 12.0) << r.Describe();
    EXPECT_TRUE(Contains(r.err, "aborted by a second signal")) << r.err;
    EXPECT_FALSE(Exists("out/rows.jsonl"));
    EXPECT_EQ(List("out"), std::vector<std::string>{}) << "a temporary file is left behind";
    nlohmann::json report = ReadJson("r.json");
    EXPECT_EQ(report["status"], "failed");
    EXPECT_EQ(report["error"]["code"], "CANCELLED");
  }
};

TEST_F(SignalTest, SigtermDrainsCommitsAndAcksEverything) { DrainsOn(SIGTERM); }

TEST_F(SignalTest, SigintDrainsLikeSigterm) { DrainsOn(SIGINT); }

// With threads: 1 the run's one thread reads and processes (core/exec/flow_runner.h).
TEST_F(SignalTest, WithOneThreadSigtermDrainsAlike) { DrainsOn(SIGTERM, ", threads: 1"); }

TEST_F(SignalTest, SecondSignalAbortsWithoutWaitingForTheDrain) { AbortsOnSecondSignal(""); }

TEST_F(SignalTest, WithOneThreadASecondSignalAbortsAlike) { AbortsOnSecondSignal(", threads: 1"); }

TEST_F(SignalTest, DrainTimeoutAborts) {
  WriteSlowPipeline(", drain_timeout_s: 1");
  auto p = StartSlow();
  ASSERT_TRUE(p);
  const auto t0 = std::chrono::steady_clock::now();
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  const double took = SecondsSince(t0);
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_GE(took, 0.9) << "aborted before the drain time-out";
  EXPECT_LT(took, 12.0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "drain did not finish within 1 s")) << r.err;
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["error"]["code"], "CANCELLED");
  EXPECT_TRUE(Contains(report["error"]["message"].get<std::string>(), "drain time-out")) << report["error"].dump();
  EXPECT_TRUE(Contains(r.out, "drain time-out")) << "the summary says why: " << r.out;
  EXPECT_FALSE(Exists("out/rows.jsonl"));
}

TEST_F(SignalTest, ADrainSkipsTheMonitorsBacklogInsteadOfWorkingItOff) {
  // A monitor 400 ms a batch behind a fast endless source, with room for 1000 batches:
  // a backlog it would need minutes for. The drain skips (and counts) what waits.
  Write("p.yaml", R"(pipeline: backlog
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 5}
  - name: watch
    type: fixed_monitor
    inputs: [seq]
    monitoring: {queue_batches: 1000}
    options: {column: x, window_rows: 100, observe_sleep_ms: 400}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 10}
)");
  auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
  std::this_thread::sleep_for(milliseconds(1500));
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  ASSERT_EXIT_CODE(r, 0);
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "drained");
  const int64_t read = report["accounting"]["sources"]["seq"]["read"].get<int64_t>();
  EXPECT_EQ(report["accounting"]["sources"]["seq"]["paths"]["out"]["reached"], read);
  const int64_t batches = ReportNode(report, "seq")["batches_out"].get<int64_t>();
  const int64_t observed = ReportNode(report, "watch")["batches_in"].get<int64_t>();
  const int64_t skipped = report["monitor_skipped_batches"]["watch"].get<int64_t>();
  EXPECT_GT(skipped, 0) << "the backlog was worked off, not skipped";
  EXPECT_EQ(observed + skipped, batches) << "every batch is observed or counted as skipped";
}

TEST_F(SignalTest, FiniteRunEndsOnItsOwnAsSucceeded) {
  // The same source with a row limit ends by itself: succeeded, not drained.
  Write("p.yaml", R"(pipeline: finite
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000, ack_file: acks.txt}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 100, commit_every_batches: 3}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(ReadJson("r.json")["status"], "succeeded");
  EXPECT_EQ(Lines("out/rows.jsonl").size(), 1000u);
  std::vector<std::string> acks = Lines("acks.txt");
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back(), "9");
}

}  // namespace
}  // namespace trestle::clitest
