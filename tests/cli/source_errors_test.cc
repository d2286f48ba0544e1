// Records a source cannot read (malformed lines) follow the source node's on_error
// like any other DATA_ERROR: dead_letter (default), skip (counted), or fail.
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

class SourceErrorsTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("in.csv", "id,score\n1,10\n2,oops\n3,30\n");
  }
  void WritePipeline(const std::string& on_error) {
    Write("p.yaml",
          "pipeline: strict\nnodes:\n"
          "  - name: src\n    type: csv_source\n" +
              (on_error.empty() ? std::string() : "    on_error: " + on_error + "\n") +
              "    options: {path: in.csv, schema: {id: int64, score: int64}}\n"
              "  - name: out\n    type: csv_sink\n    inputs: [src]\n    options: {path: out.csv}\n"
              // one of the three rows is malformed on purpose
              "execution: {max_dead_letter_share: 0.5}\n");
  }
  ProcessResult Run() { return Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"}); }
};

TEST_F(SourceErrorsTest, DefaultDeadLettersTheMalformedLine) {
  WritePipeline("");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.csv"), "id,score\n1,10\n3,30\n");
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0]["location"], "in.csv:3");
}

// Regression (this test and the next): the host's RejectRecord dead-lettered a
// source's rejected records whatever the node's on_error.
TEST_F(SourceErrorsTest, OnErrorFailStopsTheRunAtTheFirstMalformedLine) {
  WritePipeline("fail");
  ProcessResult r = Run();
  EXPECT_EXIT_CODE(r, 1) << "on_error: fail on a source must fail the run";
  EXPECT_TRUE(Contains(r.err, "node \"src\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "in.csv:3")) << r.err;
  EXPECT_TRUE(Contains(r.err, "\"oops\" is not an int64")) << r.err;
  EXPECT_FALSE(Exists("out.csv"));
  EXPECT_EQ(ReadJson("r.json")["status"], "failed");
}

TEST_F(SourceErrorsTest, OnErrorSkipCountsTheMalformedLineWithoutADeadLetter) {
  WritePipeline("skip");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.csv"), "id,score\n1,10\n3,30\n");
  EXPECT_FALSE(Exists("run/dead_letter.jsonl")) << "on_error: skip on a source must not dead-letter";
  nlohmann::json report = ReadJson("r.json");
  nlohmann::json path = report["accounting"]["sources"]["src"]["paths"]["out"];
  EXPECT_EQ(path["skipped"], 1);
  EXPECT_EQ(path["dead_lettered"], 0);
  EXPECT_EQ(report["dead_letters"]["rows"], 0);
  EXPECT_EQ(report["accounting"]["balanced"], true);
}

TEST_F(SourceErrorsTest, JsonlSourceDeadLettersBadLinesWithTheirLocation) {
  Write("in.jsonl",
        "{\"id\": 1, \"name\": \"a\"}\n"
        "{\"id\": 2, \"name\": \n"
        "{\"id\": \"three\", \"name\": \"c\"}\n"
        "{\"id\": 4, \"name\": \"d\"}\n");
  Write("p.yaml", R"(pipeline: jsonl
nodes:
  - name: src
    type: jsonl_source
    options: {path: in.jsonl, schema: {id: int64, name: utf8}}
  - name: out
    type: jsonl_sink
    inputs: [src]
    options: {path: out.jsonl}
execution: {max_dead_letter_share: 0.5}
)");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.jsonl"), "{\"id\":1,\"name\":\"a\"}\n{\"id\":4,\"name\":\"d\"}\n");
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 2u);
  EXPECT_EQ(dl[0]["location"], "in.jsonl:2");
  EXPECT_EQ(dl[0]["record"], "{\"id\": 2, \"name\": ");
  EXPECT_TRUE(Contains(dl[0]["reason"].get<std::string>(), "invalid JSON")) << dl[0].dump();
  EXPECT_EQ(dl[1]["location"], "in.jsonl:3");
  EXPECT_EQ(dl[1]["reason"], "column \"id\": \"three\" is not an int64");
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["sources"]["src"]["read"], 4);
  EXPECT_EQ(report["accounting"]["balanced"], true);
}

}  // namespace
}  // namespace trestle::clitest
