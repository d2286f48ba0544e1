// Defect 6: dead letters are appended in whole records. A file that ends in a torn
// record (a crash, a full disk) has the fragment cut off before the next append; a
// full disk while writing them fails the run with RESOURCE_EXHAUSTED naming the file,
// publishes nothing and leaves the file at a record boundary. And a full disk under a
// sink's output does the same for the output.
#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class DeadLetterFileTest : public FaultTest {
 protected:
  // seq (`rows`) -> t (rejects every 2nd row) -> out; dead letters to `dead_letters`.
  void WritePipeline(int rows, const std::string& dead_letters, const std::string& out = "out/rows.csv",
                     const std::string& out_keys = "") {
    Write("p.yaml", R"(pipeline: rejecting
nodes:
  - name: seq
    type: sequence
    options: {rows: )" + std::to_string(rows) + R"(}
  - name: t
    type: scripted
    inputs: [seq]
    options: {reject_every: 2}
  - name: out
    type: csv_sink
    inputs: [t]
    options: {path: )" + out + "}\n" + out_keys + R"(
dead_letter: {path: )" + dead_letters + R"(}
execution: {batch_rows: 100, max_dead_letter_share: 0.6}
)");
  }
  // Every line of `file` parses as JSON; returns them.
  std::vector<nlohmann::json> WholeRecords(const std::string& file) {
    const std::string text = Read(file);
    EXPECT_TRUE(text.empty() || text.back() == '\n') << file << " ends inside a record";
    std::vector<nlohmann::json> out;
    for (const auto& line : Lines(file)) {
      out.push_back(nlohmann::json::parse(line, nullptr, false));
      EXPECT_FALSE(out.back().is_discarded()) << "not a whole record: " << line;
    }
    return out;
  }
};

TEST_F(DeadLetterFileTest, ATornTailIsCutBeforeTheNextRunAppends) {
  const std::string earlier = R"({"run_id":"earlier","node":"t","reason":"kept"})";
  Write("shared/dead.jsonl", earlier + "\n{\"run_id\":\"earlier\",\"node\":\"t\",\"rea");
  WritePipeline(100, "shared/dead.jsonl");
  ProcessResult r = Run({"run", "p.yaml"});  // not -q: the repair is a warning
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "ended in a torn record (35 bytes after the last complete line")) << r.err;
  std::vector<nlohmann::json> records = WholeRecords("shared/dead.jsonl");
  ASSERT_EQ(records.size(), 1u + 50u);
  EXPECT_EQ(records[0]["reason"], "kept");
  for (size_t i = 1; i < records.size(); ++i) EXPECT_EQ(records[i]["node"], "t");
}

TEST_F(DeadLetterFileTest, AWholeLastRecordWithoutItsNewlineIsKept) {
  const std::string first = R"({"run_id":"earlier","node":"t","reason":"kept"})";
  const std::string last = R"({"run_id":"earlier","node":"t","reason":"whole, no newline"})";
  Write("shared/dead.jsonl", first + "\n" + last);
  WritePipeline(100, "shared/dead.jsonl");
  ProcessResult r = Run({"run", "p.yaml"});  // not -q: the repair is a warning
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "ended in a complete record without a newline")) << r.err;
  EXPECT_EQ(Read("shared/dead.jsonl").rfind(first + "\n" + last + "\n", 0), 0u);
  std::vector<nlohmann::json> records = WholeRecords("shared/dead.jsonl");
  ASSERT_EQ(records.size(), 2u + 50u);
  EXPECT_EQ(records[1]["reason"], "whole, no newline");
}

TEST_F(DeadLetterFileTest, DiskFullWhileWritingDeadLettersFailsTheRunNamingTheFile) {
  SmallDisk disk(Path("small"), 64);
  WritePipeline(20000, "small/dead.jsonl");
  ProcessResult r;
  if (disk.mounted()) {
    r = Run({"run", "p.yaml", "--run-dir", "run", "--report", "r.json", "--no-store"});
  } else {
    r = RunLimited(64, {TrestleBinary(), "run", "p.yaml", "--run-dir", "run", "--report", "r.json", "--no-store",
                        "--plugin-path", PluginDir(), "--plugin-path", TestkitDir()},
                   dir());
  }
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out + r.err, "RESOURCE_EXHAUSTED")) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out + r.err, "small/dead.jsonl")) << r.out << r.err;
  EXPECT_FALSE(Exists("out/rows.csv")) << "a failed run published its output";
  EXPECT_TRUE(TempFiles("out").empty());
  std::vector<nlohmann::json> records = WholeRecords("small/dead.jsonl");
  EXPECT_GT(records.size(), 0u);
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["status"], "failed");
  EXPECT_EQ(report["error"]["code"], "RESOURCE_EXHAUSTED");
  // Honest accounting: the dead letters it counts are the ones in the file.
  EXPECT_EQ(report["dead_letters"]["rows"].get<size_t>(), records.size());
}

TEST_F(DeadLetterFileTest, DiskFullUnderTheOutputFailsTheRunAndPublishesNothing) {
  SmallDisk disk(Path("small"), 64);
  // Full disks are retried like other resource shortages; two attempts keep it short.
  WritePipeline(20000, "run/dead.jsonl", "small/rows.csv", "    retry: {max_attempts: 2, initial_backoff_ms: 10}");
  ProcessResult r;
  if (disk.mounted()) {
    r = Run({"run", "p.yaml", "--run-dir", "run", "--report", "r.json", "--no-store"});
  } else {
    r = RunLimited(64, {TrestleBinary(), "run", "p.yaml", "--run-dir", "run", "--report", "r.json", "--no-store",
                        "--plugin-path", PluginDir(), "--plugin-path", TestkitDir()},
                   dir());
  }
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "RESOURCE_EXHAUSTED")) << r.out;
  EXPECT_TRUE(Contains(r.out, "small/rows.csv.tmp-")) << r.out;
  EXPECT_FALSE(Exists("small/rows.csv"));
  EXPECT_TRUE(TempFiles("small").empty()) << "the temporary file of a failed run is removed";
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["error"]["code"], "RESOURCE_EXHAUSTED");
}

TEST_F(DeadLetterFileTest, ARejectedRecordKeepsItsNulBytes) {
  // The record crosses the ABI with its length (ABI 1.2), not as a C string.
  Write("in.csv", std::string("id,x\n1,2\n3,a\0b,c\n4,5\n", 21));
  Write("p.yaml", R"(pipeline: nul
nodes:
  - name: src
    type: csv_source
    options: {path: in.csv, schema: {id: int64, x: int64}}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: out.csv}
execution: {max_dead_letter_share: 0.5}
)");
  ProcessResult r = Run({"run", "p.yaml", "--run-dir", "run", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  std::vector<nlohmann::json> dl = WholeRecords("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0]["record"].get<std::string>(), std::string("3,a\0b,c", 7));
  EXPECT_EQ(dl[0]["location"], "in.csv:3");
}

}  // namespace
}  // namespace trestle::clitest
