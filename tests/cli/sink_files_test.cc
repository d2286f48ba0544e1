// What the file sinks leave on disk: formats and options, atomic replacement of an
// earlier output, nothing at the path after a failed run; and stdout_sink.
#include <filesystem>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

class SinkFilesTest : public CliTest {
 protected:
  // seq (n rows, batches of 10) -> t (scripted with `scripted`) -> out (`sink` options).
  void WritePipeline(int rows, const std::string& scripted, const std::string& sink_type,
                     const std::string& sink_options) {
    Write("p.yaml",
          "pipeline: sinks\nnodes:\n"
          "  - name: seq\n    type: sequence\n    options: {rows: " +
              std::to_string(rows) +
              "}\n"
              "  - name: t\n    type: scripted\n    inputs: [seq]\n    options: " +
              scripted +
              "\n"
              "    on_error: fail\n"
              "  - name: out\n    type: " +
              sink_type + "\n    inputs: [t]\n    options: " + sink_options +
              "\n"
              "execution: {batch_rows: 10}\n");
  }
};

TEST_F(SinkFilesTest, CsvSinkOptions) {
  WritePipeline(3, "{}", "csv_sink", R"({path: out.tsv, delimiter: "\\t", header: false, float_precision: 2})");
  ProcessResult r = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.tsv"), "0\t0\n1\t0.5\n2\t1\n");
}

TEST_F(SinkFilesTest, JsonlSinkWritesOneObjectPerRowInColumnOrder) {
  WritePipeline(3, "{}", "jsonl_sink", "{path: out.jsonl}");
  ProcessResult r = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.jsonl"), "{\"id\":0,\"x\":0.0}\n{\"id\":1,\"x\":0.5}\n{\"id\":2,\"x\":1.0}\n");
}

TEST_F(SinkFilesTest, SuccessfulRunReplacesAnEarlierOutput) {
  Write("out.csv", "stale output of an earlier run\n");
  WritePipeline(2, "{}", "csv_sink", "{path: out.csv}");
  ProcessResult r = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.csv"), "id,x\n0,0\n1,0.5\n");
  for (const auto& name : List(".")) EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
}

TEST_F(SinkFilesTest, FailedRunLeavesAnEarlierOutputUntouched) {
  Write("out.csv", "output of an earlier run\n");
  WritePipeline(100, "{throw_id: 55}", "csv_sink", "{path: out.csv}");
  ProcessResult r = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_EQ(Read("out.csv"), "output of an earlier run\n");
  for (const auto& name : List(".")) EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
}

TEST_F(SinkFilesTest, TwoSinksOnOneFileAreRefusedBeforeAnythingIsWritten) {
  // Two sinks naming one file (also through "./" and a link to its directory) would
  // publish over each other: validate and run refuse it at the second node's option.
  std::filesystem::create_directories(Path("real"));
  std::filesystem::create_directory_symlink(Path("real"), Path("alias"));
  Write("p.yaml", R"(pipeline: same-path
nodes:
  - name: seq
    type: sequence
    options: {rows: 2000}
  - name: a
    type: csv_sink
    inputs: [seq]
    options: {path: real/out.csv}
  - name: b
    type: jsonl_sink
    inputs: [seq]
    options: {path: ./alias/out.csv}
execution: {batch_rows: 100}
)");
  for (const char* cmd : {"validate", "run"}) {
    ProcessResult r = Trestle({cmd, "p.yaml"});
    EXPECT_EXIT_CODE(r, 78);
    EXPECT_TRUE(Contains(r.err, "p.yaml:13:") && Contains(r.err, "nodes[2] \"b\" .options.path") &&
                Contains(r.err, "\"./alias/out.csv\" is also written by node \"a\""))
        << r.err;
  }
  EXPECT_TRUE(List("real").empty());
}

TEST_F(SinkFilesTest, StdoutSinkPrintsRowsAndNothingElseWhenQuiet) {
  WritePipeline(3, "{}", "stdout_sink", "{format: csv}");
  ProcessResult r = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out, "id,x\n0,0\n1,0.5\n2,1\n");

  WritePipeline(25, "{}", "stdout_sink", "{format: jsonl, max_rows: 2}");
  ProcessResult j = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(j, 0);
  EXPECT_EQ(j.out, "{\"id\":0,\"x\":0.0}\n{\"id\":1,\"x\":0.5}\n");
}

TEST_F(SinkFilesTest, StdoutSinkRowsComeBeforeTheSummary) {
  WritePipeline(2, "{}", "stdout_sink", "{}");
  ProcessResult r = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out.rfind("id,x\n0,0\n1,0.5\nrun ", 0), 0u) << r.out;
}

}  // namespace
}  // namespace trestle::clitest
