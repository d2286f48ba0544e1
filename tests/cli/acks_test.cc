// Acks (at-least-once): a source is acked for a batch only once every sink has made
// it durable, so a replayable source may forget what it acked. The testkit's
// `sequence` source appends each (cumulative) ack to a file.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

class AckTest : public CliTest {
 protected:
  std::vector<int64_t> Acks() {
    std::vector<int64_t> acks;
    if (!Exists("acks.txt")) return acks;
    for (const auto& line : Lines("acks.txt")) acks.push_back(std::stoll(line));
    return acks;
  }
  // The ids in a CSV file written by csv_sink (first column), or none if it is absent.
  std::set<int64_t> CsvIds(const std::string& file) {
    std::set<int64_t> ids;
    if (!Exists(file)) return ids;
    std::vector<std::string> lines = Lines(file);
    for (size_t i = 1; i < lines.size(); ++i) ids.insert(std::stoll(lines[i].substr(0, lines[i].find(','))));
    return ids;
  }
};

TEST_F(AckTest, SuccessfulRunAcksEveryBatchOnceInOrder) {
  Write("p.yaml", R"(pipeline: acks
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000, ack_file: acks.txt}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out.csv}
execution: {batch_rows: 50, commit_every_batches: 4}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(r, 0);
  std::vector<int64_t> acks = Acks();
  ASSERT_FALSE(acks.empty());
  for (size_t i = 1; i < acks.size(); ++i) EXPECT_GT(acks[i], acks[i - 1]);
  EXPECT_EQ(acks.back(), 19);
  EXPECT_EQ(CsvIds("out.csv").size(), 1000u);
}

TEST_F(AckTest, PeriodicCommitsAckOnlyWhatASinkMadeDurable) {
  // stdout_sink commits in one phase: each periodic commit makes its rows durable and
  // the source is acked as it goes. csv_sink publishes at the end (two phases): its
  // rows are in a temporary file until then, so the source feeding it is acked once,
  // after publishing, whatever commit_every_batches says.
  const std::string pipeline = R"(pipeline: periodic
nodes:
  - name: seq
    type: sequence
    options: {rows: 400, sleep_ms: 20, ack_file: acks.txt}
  - name: out
    type: SINK
    inputs: [seq]
    options: OPTIONS
execution: {batch_rows: 10, commit_every_batches: 2}
)";
  auto with = [&](const std::string& sink, const std::string& options) {
    std::string p = pipeline;
    p.replace(p.find("SINK"), 4, sink);
    p.replace(p.find("OPTIONS"), 7, options);
    return p;
  };
  Write("p.yaml", with("stdout_sink", "{max_rows: 1}"));
  ProcessResult streamed = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(streamed, 0);
  std::vector<int64_t> acks = Acks();
  EXPECT_GT(acks.size(), 2u) << "periodic commits of a one-phase sink ack as they go: " << Read("acks.txt");
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back(), 39);

  std::filesystem::remove(Path("acks.txt"));
  Write("p.yaml", with("csv_sink", "{path: out.csv}"));
  ProcessResult published = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(published, 0);
  EXPECT_EQ(Acks(), std::vector<int64_t>{39});
  EXPECT_EQ(CsvIds("out.csv").size(), 400u);
}

TEST_F(AckTest, AnIdleStreamIsAckedWhileItWaits) {
  // A drained stream source blocks in next() for a while and returns an empty batch,
  // then is called again at once: the source thread would win the plugin's call mutex
  // every time, and the acks of the periodic commits would wait for the end of the run
  // (a worker holding its entries unacknowledged). They must get in between two calls.
  Write("p.yaml", R"(pipeline: acks
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, idle_after: 100, idle_ms: 300, ack_file: acks.txt}
  - name: out
    type: stdout_sink
    inputs: [seq]
    options: {max_rows: 1}
execution: {batch_rows: 10, commit_every_batches: 1}
)");
  auto p = StartTrestle({"run", "p.yaml", "-q"});
  ASSERT_TRUE(p);
  // Batches 0..9 hold the 100 rows; the acks must reach them while the run goes on.
  const bool acked = WaitUntil([&] {
    std::vector<int64_t> acks = Acks();
    return !acks.empty() && acks.back() >= 9;
  }, std::chrono::seconds(20));
  const bool running = p->Running();
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  ASSERT_TRUE(acked) << "the 100 rows were not acked while the source idled: " << Read("acks.txt");
  // The line of the first ack of batch 9 says after how many idle calls it came: the
  // commit after batch 9 wants it during the first; it gets in right after it (or the
  // next, on a slow machine), not after many.
  int64_t idle_calls = -1;
  for (const std::string& line : Lines("acks.txt")) {
    if (std::stoll(line) < 9) continue;
    idle_calls = std::stoll(line.substr(line.find(' ') + 1));
    break;
  }
  EXPECT_GE(idle_calls, 0) << Read("acks.txt");
  EXPECT_LE(idle_calls, 2) << "the ack waited for " << idle_calls << " idle calls: " << Read("acks.txt");
  EXPECT_TRUE(running) << r.Describe();
  EXPECT_EXIT_CODE(r, 0);
}

TEST_F(AckTest, NoAckBeforeTheFinalCommitWithoutCommitEvery) {
  // commit_every_batches 0: the sinks commit once, at the end; so does the ack.
  Write("p.yaml", R"(pipeline: acks
nodes:
  - name: seq
    type: sequence
    options: {rows: 300, ack_file: acks.txt}
  - name: out
    type: csv_sink
    inputs: [seq]
    options: {path: out.csv}
execution: {batch_rows: 10}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Acks(), std::vector<int64_t>{29});
}

TEST_F(AckTest, FailedRunNeverAcksTheFailedBatchOrLater) {
  Write("p.yaml", R"(pipeline: acks-fail
nodes:
  - name: seq
    type: sequence
    options: {rows: 100, sleep_ms: 50, ack_file: acks.txt}
  - name: t
    type: scripted
    inputs: [seq]
    options: {data_error_id: 75}
    on_error: fail
  - name: out
    type: jsonl_sink
    inputs: [t]
    options: {path: out.jsonl}
execution: {batch_rows: 10, commit_every_batches: 1}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(r, 1);
  for (int64_t a : Acks()) EXPECT_LT(a, 7) << "batch 7 (ids 70..79) failed; it and later batches must not be acked";
}

TEST_F(AckTest, RowsAckedDuringAFailedRunAreNotLost) {
  // Batches 0..6 reach the sink and are committed (commit_every_batches: 1) before the
  // batch holding id 75 fails the run. Whatever the source was acked for has been
  // promised durable: those rows must be in the sink's output. (Either the sink keeps
  // what it committed, or the source must not be acked before the sink's data is
  // really durable.)
  Write("p.yaml", R"(pipeline: acked-then-failed
nodes:
  - name: seq
    type: sequence
    options: {rows: 100, sleep_ms: 50, ack_file: acks.txt}
  - name: t
    type: scripted
    inputs: [seq]
    options: {data_error_id: 75}
    on_error: fail
  - name: out
    type: csv_sink
    inputs: [t]
    options: {path: out/rows.csv}
execution: {batch_rows: 10, commit_every_batches: 1}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(r, 1);
  std::vector<int64_t> acks = Acks();
  const int64_t acked_rows = acks.empty() ? 0 : (acks.back() + 1) * 10;
  const std::set<int64_t> written = CsvIds("out/rows.csv");
  int64_t lost = 0;
  for (int64_t id = 0; id < acked_rows; ++id) lost += written.count(id) ? 0 : 1;
  EXPECT_EQ(lost, 0) << "the source was acked for ids 0.." << acked_rows - 1 << " (acks: " << Read("acks.txt")
                     << "), but " << lost << " of them are in no output: out/ holds " << List("out").size() << " files";
}

}  // namespace
}  // namespace trestle::clitest
