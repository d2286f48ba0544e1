// A `mode: stream` sink writes into its path in place, for a program that follows the
// file. Its periodic commits (execution.commit_every_batches) must reach the file: a
// source feeding a two-phase sink is acked only at the end, and the committer used to
// count only the batches of sources it could ack — so it never committed, and nothing
// reached the file until a MiB had been buffered or the run ended.
#include <sys/stat.h>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::seconds;

class StreamCommitTest : public FaultTest {};

TEST_F(StreamCommitTest, PeriodicCommitsReachAStreamSinksFileWhileTheRunGoes) {
  // About 2000 rows (20 KB) a second: a MiB would take most of a minute.
  Write("p.yaml", R"(pipeline: follow
nodes:
  - {name: src, type: sequence, options: {rows: 0, sleep_ms: 5}}
  - {name: out, type: csv_sink, inputs: [src], options: {path: out.csv, mode: stream}}
execution: {commit_every_batches: 2, batch_rows: 10}
)");
  auto run = Start({"run", "p.yaml", "--state-dir", "st", "-q"});
  ASSERT_TRUE(run);
  auto size = [&] {
    struct stat st{};
    return ::stat(Path("out.csv").c_str(), &st) == 0 ? st.st_size : off_t{0};
  };
  const bool seen = WaitUntil([&] { return size() > 0; }, seconds(20));
  EXPECT_TRUE(seen) << "nothing reached out.csv while the run went";
  if (seen) {
    const std::string text = Read("out.csv");
    EXPECT_EQ(text.rfind("id,x\n0,0\n", 0), 0u) << text.substr(0, 40);
  }
  run->Signal(SIGTERM);
  ProcessResult r = run->Wait();
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  const std::string text = Read("out.csv");
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace trestle::clitest
