// execution.threads: which threads the data path runs on (core/exec/flow_runner.h).
#include <cstdio>
#include <set>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

class ThreadsTest : public CliTest {
 protected:
  void WritePipeline(int threads) const {
    Write("p.yaml", R"(pipeline: threads
nodes:
  - {name: seq, type: sequence, options: {rows: 5000, thread_file: source.tids}}
  - {name: pass, type: scripted, inputs: [seq], options: {thread_file: transform.tids}}
  - {name: out, type: jsonl_sink, inputs: [pass], options: {path: out.jsonl}}
execution: {batch_rows: 100, threads: )" + std::to_string(threads) + "}\n");
  }
  // Runs the pipeline with `threads`; it must succeed with every row written.
  void RunWithThreads(int threads) const {
    WritePipeline(threads);
    ProcessResult r = Trestle({"run", "p.yaml"});
    ASSERT_EXIT_CODE(r, 0);
    EXPECT_EQ(Lines("out.jsonl").size(), 5000u);
  }
  std::set<std::string> Threads(const std::string& file) const {
    std::vector<std::string> lines = Lines(file);
    return {lines.begin(), lines.end()};
  }
};

TEST_F(ThreadsTest, OneThreadReadsAndProcessesEveryBatchOnTheSameThread) {
  ASSERT_NO_FATAL_FAILURE(RunWithThreads(1));
  std::set<std::string> source = Threads("source.tids");
  std::set<std::string> transform = Threads("transform.tids");
  // 50 batches and the call that found the end; 50 batches processed.
  EXPECT_EQ(Lines("source.tids").size(), 51u);
  EXPECT_EQ(Lines("transform.tids").size(), 50u);
  ASSERT_EQ(source.size(), 1u) << "the source was read on several threads";
  EXPECT_EQ(transform, source) << "with threads: 1 the batches ran on a thread other than the source's";
}

TEST_F(ThreadsTest, WithTwoThreadsTheSourceReadsBesideTheArena) {
  ASSERT_NO_FATAL_FAILURE(RunWithThreads(2));
  std::set<std::string> source = Threads("source.tids");
  std::set<std::string> transform = Threads("transform.tids");
  ASSERT_EQ(source.size(), 1u);
  // The source's thread only puts batches into the graph: it never runs a node's body.
  EXPECT_EQ(transform.count(*source.begin()), 0u) << "the source's thread ran the transform";
  // The arena has two threads (the main thread and one worker): no more run the bodies.
  EXPECT_LE(transform.size(), 2u);
}

TEST_F(ThreadsTest, OneThreadStillFailsARunCleanlyAndDeadLettersABadBatch) {
  // A batch the transform refuses (DATA_ERROR) is dead-lettered and the run goes on; a
  // crash in the transform fails the run and publishes nothing.
  for (const std::string& option : {std::string("data_error_id: 250"), std::string("throw_id: 4250")}) {
    Write("p.yaml", R"(pipeline: threads
nodes:
  - {name: seq, type: sequence, options: {rows: 5000}}
  - {name: pass, type: scripted, inputs: [seq], options: {)" + option + R"(}}
  - {name: out, type: jsonl_sink, inputs: [pass], options: {path: out.jsonl}}
execution: {batch_rows: 100, threads: 1}
)");
    std::remove((dir() + "/out.jsonl").c_str());
    ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
    nlohmann::json report = ReadJson("r.json");
    if (option.rfind("data_error", 0) == 0) {
      ASSERT_EXIT_CODE(r, 0);
      EXPECT_EQ(Lines("out.jsonl").size(), 4900u);
      EXPECT_EQ(report["accounting"]["balanced"], true);
    } else {
      ASSERT_EXIT_CODE(r, 1);
      EXPECT_TRUE(Contains(r.err, "scripted crash at id 4250")) << r.err;
      EXPECT_FALSE(Exists("out.jsonl"));
      EXPECT_EQ(report["status"], "failed");
    }
  }
}

}  // namespace
}  // namespace trestle::clitest
