// Error policies, retries and failures, driven by the testkit's `scripted` transform
// behind a `sequence` source of 100 rows (ids 0..99) in batches of 10.
#include <functional>
#include <map>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

class ErrorPolicyTest : public CliTest {
 protected:
  // seq (sequence) -> t (scripted with `options`, plus node keys `extra`) -> out (jsonl).
  void WritePipeline(const std::string& options, const std::string& extra = "") {
    std::string yaml =
        "pipeline: scripted-run\nnodes:\n"
        "  - name: seq\n    type: sequence\n    options: {rows: 100}\n"
        "  - name: t\n    type: scripted\n    inputs: [seq]\n    options: " +
        options + "\n";
    if (!extra.empty()) yaml += "    " + extra + "\n";
    yaml +=
        "  - name: out\n    type: jsonl_sink\n    inputs: [t]\n    options: {path: out/rows.jsonl}\n"
        "execution: {batch_rows: 10}\n";
    Write("p.yaml", yaml);
  }

  ProcessResult Run() { return Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"}); }

  // The ids in out/rows.jsonl, in file order.
  std::vector<int64_t> OutputIds() {
    std::vector<int64_t> ids;
    for (auto row : ReadJsonLines("out/rows.jsonl")) ids.push_back(row["id"].get<int64_t>());
    return ids;
  }

  // The accounting of the one path, seq -> out.
  nlohmann::json SeqToOut(nlohmann::json report) { return report["accounting"]["sources"]["seq"]["paths"]["out"]; }
};

std::vector<int64_t> IdsExcept(const std::function<bool(int64_t)>& dropped) {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < 100; ++i)
    if (!dropped(i)) ids.push_back(i);
  return ids;
}

TEST_F(ErrorPolicyTest, RejectedRowsAreDeadLetteredWithTheirContent) {
  WritePipeline("{reject_every: 10}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(OutputIds(), IdsExcept([](int64_t i) { return i % 10 == 0; }));

  nlohmann::json report = ReadJson("r.json");
  const std::string run_id = report["run_id"].get<std::string>();
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 10u);
  std::map<int64_t, nlohmann::json> by_id;
  for (auto d : dl) {
    EXPECT_EQ(d["node"], "t") << d.dump();
    EXPECT_EQ(d["code"], "DATA_ERROR") << d.dump();
    EXPECT_EQ(d["run_id"], run_id) << d.dump();
    EXPECT_TRUE(d["time"].is_string()) << d.dump();
    ASSERT_TRUE(d["row"].is_object()) << d.dump();
    const int64_t id = d["row"]["id"].get<int64_t>();
    by_id[id] = d;
    EXPECT_DOUBLE_EQ(d["row"]["x"].get<double>(), static_cast<double>(id) * 0.5) << d.dump();
    EXPECT_EQ(d["reason"], "id " + std::to_string(id) + " is a multiple of 10") << d.dump();
    // The first row of each batch of 10.
    EXPECT_EQ(d["row_index"], 0) << d.dump();
  }
  for (int64_t id = 0; id < 100; id += 10) EXPECT_EQ(by_id.count(id), 1u) << "id " << id;

  nlohmann::json path = SeqToOut(report);
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(report["accounting"]["sources"]["seq"]["read"], 100);
  EXPECT_EQ(path["reached"], 90);
  EXPECT_EQ(path["dead_lettered"], 10);
  EXPECT_EQ(path["filtered"], 0);
  EXPECT_EQ(path["skipped"], 0);
  EXPECT_EQ(ReportNode(report, "t")["dead_lettered"], 10);
  EXPECT_EQ(ReportNode(report, "t")["errors"]["DATA_ERROR"], 10);
}

TEST_F(ErrorPolicyTest, SkipCountsRowsAndWritesNoDeadLetters) {
  WritePipeline("{reject_every: 10}", "on_error: skip");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(OutputIds(), IdsExcept([](int64_t i) { return i % 10 == 0; }));
  EXPECT_FALSE(Exists("run/dead_letter.jsonl"));
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  nlohmann::json path = SeqToOut(report);
  EXPECT_EQ(path["reached"], 90);
  EXPECT_EQ(path["skipped"], 10);
  EXPECT_EQ(path["dead_lettered"], 0);
  EXPECT_EQ(ReportNode(report, "t")["skipped"], 10);
  EXPECT_EQ(ReportNode(report, "t")["dead_lettered"], 0);
  EXPECT_EQ(report["dead_letters"]["rows"], 0);
  EXPECT_TRUE(Contains(r.out, "90 written, 0 dead-lettered, 0 filtered, 10 skipped")) << r.out;
}

TEST_F(ErrorPolicyTest, FailPolicyFailsTheRunNamingNodeOperatorPluginAndReason) {
  WritePipeline("{reject_every: 10}", "on_error: fail");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "node \"t\" (operator scripted from plugin testkit 0.1.0)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "DATA_ERROR")) << r.err;
  EXPECT_TRUE(Contains(r.err, "is a multiple of 10")) << r.err;
  EXPECT_FALSE(Exists("out/rows.jsonl"));
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["error"]["code"], "DATA_ERROR");
  EXPECT_TRUE(Contains(r.out, "failed in")) << r.out;
  // The rows in flight when it stopped are the failure, not rows lost.
  if (!report["accounting"]["balanced"].get<bool>()) {
    EXPECT_TRUE(Contains(r.out, "row accounting (run failed; accounting of what was processed)")) << r.out;
  }
  EXPECT_FALSE(Contains(r.out, "NOT BALANCED")) << r.out;
  EXPECT_FALSE(Contains(r.out, "does not balance")) << r.out;
  // Not a terminal: no colour codes in the log.
  EXPECT_FALSE(Contains(r.err, "\033[")) << r.err;
}

TEST_F(ErrorPolicyTest, FailedRunLeavesNoSinkFileNorTemporaryFile) {
  // Batches before id 75 reach the sink (and are committed to its temporary file every
  // batch) before the batch holding 75 fails the run.
  Write("p.yaml", R"(pipeline: fails-late
nodes:
  - name: seq
    type: sequence
    options: {rows: 100, sleep_ms: 50}
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
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "scripted bad batch at id 75")) << r.err;
  EXPECT_FALSE(Exists("out/rows.csv"));
  EXPECT_EQ(List("out"), std::vector<std::string>{}) << "a partial or temporary file is left in out/";
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_GE(ReportNode(report, "out")["rows_in"].get<int64_t>(), 10)
      << "the sink had written batches before the failure";
}

TEST_F(ErrorPolicyTest, UnavailableIsRetriedAndSucceeds) {
  WritePipeline("{unavailable_calls: 2}", "retry: {max_attempts: 5, initial_backoff_ms: 1}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(OutputIds(), IdsExcept([](int64_t) { return false; }));
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "succeeded");
  EXPECT_EQ(ReportNode(report, "t")["retries"], 2);
  EXPECT_EQ(ReportNode(report, "seq")["retries"], 0);
  EXPECT_EQ(ReportNode(report, "out")["retries"], 0);
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(SeqToOut(report)["reached"], 100);
  EXPECT_TRUE(Contains(r.err, "scripted outage 1")) << "each retry is logged: " << r.err;
}

TEST_F(ErrorPolicyTest, UnavailableBeyondMaxAttemptsFailsTheRun) {
  WritePipeline("{unavailable_calls: 10}", "retry: {max_attempts: 3, initial_backoff_ms: 1}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "after 3 attempts")) << r.err;
  EXPECT_TRUE(Contains(r.err, "UNAVAILABLE")) << r.err;
  EXPECT_TRUE(Contains(r.err, "scripted outage 3")) << r.err;
  EXPECT_TRUE(Contains(r.err, "node \"t\"")) << r.err;
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["error"]["code"], "UNAVAILABLE");
  EXPECT_EQ(ReportNode(report, "t")["retries"], 2);
  EXPECT_FALSE(Exists("out/rows.jsonl"));
}

TEST_F(ErrorPolicyTest, ExceptionInAPluginFailsTheRunAsInternal) {
  WritePipeline("{throw_id: 42}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "INTERNAL")) << r.err;
  EXPECT_TRUE(Contains(r.err, "scripted crash at id 42")) << r.err;
  EXPECT_TRUE(Contains(r.err, "node \"t\" (operator scripted from plugin testkit 0.1.0)")) << r.err;
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["error"]["code"], "INTERNAL");
  EXPECT_TRUE(Contains(report["error"]["message"].get<std::string>(), "scripted crash at id 42"));
  EXPECT_TRUE(Contains(r.out, "error: ")) << "the summary says why: " << r.out;
  EXPECT_FALSE(Exists("out/rows.jsonl"));
  EXPECT_FALSE(Exists("run/dead_letter.jsonl")) << "an INTERNAL error is not a dead letter";
}

TEST_F(ErrorPolicyTest, DataErrorDeadLettersTheWholeBatchAndTheRestIsWritten) {
  WritePipeline("{data_error_id: 42}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(OutputIds(), IdsExcept([](int64_t i) { return i >= 40 && i < 50; }));
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 10u);
  for (size_t k = 0; k < dl.size(); ++k) {
    EXPECT_EQ(dl[k]["node"], "t");
    EXPECT_EQ(dl[k]["code"], "DATA_ERROR");
    EXPECT_EQ(dl[k]["reason"], "scripted bad batch at id 42");
    EXPECT_EQ(dl[k]["row"]["id"], 40 + static_cast<int64_t>(k)) << dl[k].dump();
    EXPECT_EQ(dl[k]["row_index"], static_cast<int64_t>(k)) << dl[k].dump();
  }
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(SeqToOut(report)["reached"], 90);
  EXPECT_EQ(SeqToOut(report)["dead_lettered"], 10);
  EXPECT_EQ(report["dead_letters"]["rows"], 10);
  EXPECT_TRUE(Contains(r.out, "row accounting (balanced)")) << r.out;
}

TEST_F(ErrorPolicyTest, DataErrorWithSkipDropsTheBatchSilentlyButCountsIt) {
  WritePipeline("{data_error_id: 42}", "on_error: skip");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(OutputIds(), IdsExcept([](int64_t i) { return i >= 40 && i < 50; }));
  EXPECT_FALSE(Exists("run/dead_letter.jsonl"));
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(SeqToOut(report)["skipped"], 10);
  EXPECT_EQ(report["accounting"]["balanced"], true);
}

}  // namespace
}  // namespace trestle::clitest
