// Defect 8: SIGTERM while operators are being opened. A csv_source reading a FIFO that
// nobody writes blocks in open(); a signal then ends the process within a bounded time
// with a message naming the node, operator and call, and so does
// execution.open_timeout_s without any signal.
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::seconds;

class OpenInterruptTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    ASSERT_EQ(::mkfifo(Path("in.csv").c_str(), 0600), 0);
  }
  void WritePipeline(const std::string& execution) {
    Write("p.yaml", R"(pipeline: blocked
nodes:
  - name: src
    type: csv_source
    options: {path: in.csv}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: out.csv}
)" + execution);
  }
};

TEST_F(OpenInterruptTest, SigtermWhileAnOperatorOpensEndsTheProcessNamingIt) {
  WritePipeline("");
  auto p = Start({"run", "p.yaml", "--state-dir", "state", "--v=1"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "planning: node \"src\" (operator csv_source): open()"); },
                        seconds(30)))
      << p->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // into the blocking open(2)
  ASSERT_TRUE(p->Running()) << p->Stderr();
  const auto t0 = std::chrono::steady_clock::now();
  p->Signal(SIGTERM);
  auto r = p->WaitFor(std::chrono::milliseconds(30'000));
  ASSERT_TRUE(r.has_value()) << "SIGTERM was ignored while an operator was opening: " << p->Stderr();
  RecordProperty("seconds_to_exit", std::to_string(SecondsSince(t0)));
  EXPECT_EQ(r->exit_code, 1) << r->Describe();
  EXPECT_TRUE(Contains(r->err, "node \"src\" (operator csv_source): open()")) << r->err;
  EXPECT_TRUE(Contains(r->err, "nothing was run or written")) << r->err;
  EXPECT_FALSE(Exists("out.csv"));
}

TEST_F(OpenInterruptTest, AnOpenPastOpenTimeoutEndsTheProcessNamingIt) {
  WritePipeline("execution: {open_timeout_s: 1}\n");
  for (const char* cmd : {"validate", "run"}) {
    ProcessResult r = Run({cmd, "p.yaml"}, Within(std::chrono::milliseconds(60'000)));
    EXPECT_FALSE(r.timed_out) << cmd;
    EXPECT_EQ(r.exit_code, 1) << cmd << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "node \"src\" (operator csv_source): open() has not returned after 1 s "
                                "(execution.open_timeout_s)"))
        << r.err;
  }
}

TEST_F(OpenInterruptTest, ADrainEndsASourceWaitingOnAPipeThatStaysOpen) {
  // A writer sends 3 rows and then keeps the FIFO open without writing: the source
  // waits for more. SIGTERM drains the run at once instead of after drain_timeout_s.
  // (The schema is declared: inferring it would wait at open for rows to sample.)
  Write("p.yaml", R"(pipeline: piped
nodes:
  - name: src
    type: csv_source
    options: {path: in.csv, schema: {id: int64, x: int64}}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: out.csv}
execution: {drain_timeout_s: 60}
)");
  struct Writer {
    std::atomic<bool> done{false};
    std::thread thread;
    ~Writer() {
      done.store(true);
      if (thread.joinable()) thread.join();
    }
  } writer;
  writer.thread = std::thread([this, &writer] {
    std::ofstream out(Path("in.csv"));
    out << "id,x\n1,10\n2,20\n3,30\n" << std::flush;
    while (!writer.done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  auto p = Start({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  p->Signal(SIGTERM);
  auto r = p->WaitFor(std::chrono::milliseconds(20'000));
  ASSERT_TRUE(r.has_value()) << "the drain waited for the pipe: " << p->Stderr();
  EXPECT_EQ(r->exit_code, 0) << r->Describe();
  EXPECT_EQ(ReadJson("r.json")["status"], "drained");
  EXPECT_EQ(Read("out.csv"), "id,x\n1,10\n2,20\n3,30\n");
}

}  // namespace
}  // namespace trestle::clitest
