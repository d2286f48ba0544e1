// Aggregating transforms (ABI 1.3, e.g. group_aggregate) in the engine: an aggregate
// absorbs every row of its input and emits its result once all of it went through; its
// input rows end there in the row accounting, its result rows start there. The
// testkit's `modulo_count` counts rows by id % groups.
#include <chrono>
#include <map>
#include <thread>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class AggregateTest : public CliTest {
 protected:
  // key -> rows from a CSV written by csv_sink with columns key,rows.
  std::map<int64_t, int64_t> Counts(const std::string& file) {
    std::map<int64_t, int64_t> out;
    std::vector<std::string> lines = Lines(file);
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) return out;
    EXPECT_EQ(lines[0], "key,rows");
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t comma = lines[i].find(',');
      out[std::stoll(lines[i].substr(0, comma))] = std::stoll(lines[i].substr(comma + 1));
    }
    return out;
  }
};

TEST_F(AggregateTest, EmitsTheResultOnceAllInputWentThrough) {
  Write("p.yaml", R"(pipeline: agg
nodes:
  - name: seq
    type: sequence
    options: {rows: 10000, ack_file: acks.txt}
  - name: count
    type: modulo_count
    inputs: [seq]
    options: {groups: 7}
  - name: out
    type: csv_sink
    inputs: [count]
    options: {path: out.csv}
execution: {batch_rows: 100, commit_every_batches: 2, max_inflight_batches: 4}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  std::map<int64_t, int64_t> expected;
  for (int64_t id = 0; id < 10000; ++id) ++expected[id % 7];
  EXPECT_EQ(Counts("out.csv"), expected);

  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
  // The source's rows end at the aggregate; the aggregate's 7 rows reach the sink.
  EXPECT_EQ(report["accounting"]["sources"]["seq"]["paths"]["count"]["reached"], 10000);
  EXPECT_FALSE(report["accounting"]["sources"]["seq"]["paths"].contains("out"));
  EXPECT_EQ(report["accounting"]["sources"]["count"]["read"], 7);
  EXPECT_EQ(report["accounting"]["sources"]["count"]["paths"]["out"]["reached"], 7);
  // Acked once, at the end: until the result is published the rows live only in it.
  EXPECT_EQ(Lines("acks.txt"), std::vector<std::string>{"99"});
  // The summary and the run store tell the aggregate's rows from what was read and written.
  EXPECT_TRUE(Contains(r.out, "-> count: 10000 aggregated")) << r.out;
  EXPECT_TRUE(Contains(r.out, "aggregate count: 7 rows emitted")) << r.out;
  ProcessResult runs = TrestleRaw({"runs", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  nlohmann::json stored = nlohmann::json::parse(runs.out);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["rows_read"], 10000);
  EXPECT_EQ(stored[0]["rows_written"], 7);
}

TEST_F(AggregateTest, RejectedRowsAreDeadLetteredAndTheAccountingBalances) {
  Write("p.yaml", R"(pipeline: agg
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000}
  - name: count
    type: modulo_count
    inputs: [seq]
    options: {groups: 4, reject_every: 50}
  - name: out
    type: csv_sink
    inputs: [count]
    options: {path: out.csv}
execution: {batch_rows: 64}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json", "--run-dir", "run"});
  ASSERT_EXIT_CODE(r, 0);
  std::map<int64_t, int64_t> expected;
  for (int64_t id = 0; id < 1000; ++id)
    if (id % 50 != 0) ++expected[id % 4];
  EXPECT_EQ(Counts("out.csv"), expected);
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
  EXPECT_EQ(report["accounting"]["sources"]["seq"]["paths"]["count"]["dead_lettered"], 20);
  EXPECT_EQ(report["accounting"]["sources"]["seq"]["paths"]["count"]["reached"], 980);
  EXPECT_EQ(Lines("run/dead_letter.jsonl").size(), 20u);
}

TEST_F(AggregateTest, ChainedAggregatesEachSeeTheWholeOfTheirInput) {
  // The second aggregate's input is the first's result: it can finish only after
  // the first emitted all of it. Beside them, the source also feeds a sink directly.
  Write("p.yaml", R"(pipeline: chain
nodes:
  - name: seq
    type: sequence
    options: {rows: 5000}
  - name: fine
    type: modulo_count
    inputs: [seq]
    options: {groups: 100}
  - name: coarse
    type: modulo_count
    inputs: [fine]
    options: {groups: 10, column: key}
  - name: fine_out
    type: csv_sink
    inputs: [fine]
    options: {path: fine.csv}
  - name: coarse_out
    type: csv_sink
    inputs: [coarse]
    options: {path: coarse.csv}
  - name: raw
    type: csv_sink
    inputs: [seq]
    options: {path: raw.csv}
execution: {batch_rows: 30}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  std::map<int64_t, int64_t> fine = Counts("fine.csv"), coarse = Counts("coarse.csv");
  ASSERT_EQ(fine.size(), 100u);
  for (const auto& [k, n] : fine) EXPECT_EQ(n, 50) << k;
  ASSERT_EQ(coarse.size(), 10u);
  for (const auto& [k, n] : coarse) EXPECT_EQ(n, 10) << k;  // 10 keys of `fine` per key
  EXPECT_EQ(Lines("raw.csv").size(), 5001u);
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
  EXPECT_EQ(report["accounting"]["sources"]["fine"]["paths"]["coarse"]["reached"], 100);
}

TEST_F(AggregateTest, AFailingFinishFailsTheRunAndPublishesNothing) {
  Write("p.yaml", R"(pipeline: agg
nodes:
  - name: seq
    type: sequence
    options: {rows: 100}
  - name: count
    type: modulo_count
    inputs: [seq]
    options: {fail_finish: true}
  - name: out
    type: csv_sink
    inputs: [count]
    options: {path: out.csv}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "scripted failure in finish()")) << r.err;
  EXPECT_TRUE(Contains(r.err, "node \"count\"")) << r.err;
  EXPECT_FALSE(Exists("out.csv"));
  EXPECT_EQ(ReadJson("r.json")["status"], "failed");
}

TEST_F(AggregateTest, ADrainedRunFailsRatherThanPublishPartialAggregates) {
  Write("p.yaml", R"(pipeline: endless
nodes:
  - name: seq
    type: sequence
    options: {rows: 0, sleep_ms: 20, ack_file: acks.txt}
  - name: count
    type: modulo_count
    inputs: [seq]
  - name: out
    type: csv_sink
    inputs: [count]
    options: {path: out.csv}
execution: {batch_rows: 10}
)");
  auto p = StartTrestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
  std::this_thread::sleep_for(milliseconds(500));
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "aggregates would be partial")) << r.err;
  EXPECT_FALSE(Exists("out.csv"));
  EXPECT_FALSE(Exists("acks.txt"));  // nothing committed: the source replays it all
  EXPECT_EQ(ReadJson("r.json")["status"], "failed");
}

TEST_F(AggregateTest, ConcurrencyAboveOneIsRefusedAtValidate) {
  Write("p.yaml", R"(pipeline: agg
nodes:
  - name: seq
    type: sequence
  - name: count
    type: modulo_count
    inputs: [seq]
    concurrency: 4
  - name: out
    type: csv_sink
    inputs: [count]
    options: {path: out.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "concurrency must be 1")) << r.err;
}

TEST_F(AggregateTest, DeadLettersOfAnAggregatesRowsAreWeighedAgainstWhatItEmitted) {
  // 2 of the 10 rows `fine` emits are refused downstream: 20 % of its result, though
  // only a fraction of a percent of the 1000 rows read.
  Write("p.yaml", R"(pipeline: agg
nodes:
  - name: seq
    type: sequence
    options: {rows: 1000}
  - name: fine
    type: modulo_count
    inputs: [seq]
    options: {groups: 10}
  - name: coarse
    type: modulo_count
    inputs: [fine]
    options: {groups: 3, column: key, reject_every: 5}
  - name: out
    type: csv_sink
    inputs: [coarse]
    options: {path: out.csv}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "2 of the 10 rows that node \"fine\" emitted were dead-lettered")) << r.err;
  EXPECT_FALSE(Exists("out.csv"));
}

}  // namespace
}  // namespace trestle::clitest
