// The child-process runner itself: output capture, environment, working directory,
// and the deadline that keeps a hanging child from hanging the test.
#include <signal.h>

#include <gtest/gtest-spi.h>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using ProcessTest = CliTest;

TEST_F(ProcessTest, CapturesBothStreamsExitCodeEnvironmentAndDirectory) {
  ProcessOptions o;
  o.cwd = dir();
  o.env["TRESTLE_PROCESS_TEST"] = "forty-two";
  ProcessResult r = RunProcess({"/bin/sh", "-c", "echo out $TRESTLE_PROCESS_TEST; pwd; echo err >&2; exit 3"}, o);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out forty-two\n" + dir() + "\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST_F(ProcessTest, DeadlineKillsAHangingChild) {
  ProcessOptions o;
  o.timeout = std::chrono::milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  ProcessResult r = RunProcess({"/bin/sleep", "30"}, o);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGKILL);
  EXPECT_LT(took, 5.0);
}

TEST_F(ProcessTest, LargeOutputDoesNotBlockTheChild) {
  // More than a pipe buffer on both streams at once.
  ProcessResult r = RunProcess(
      {"/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' a; head -c 1000000 /dev/zero | tr '\\0' b >&2"}, {});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out.size(), 1000000u);
  EXPECT_EQ(r.err.size(), 1000000u);
}

TEST_F(ProcessTest, ReportsTheChildsPeakRss) {
  // dd fills a 100 MB buffer: the peak the large test relies on must see it.
  ProcessResult r = RunProcess({"/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1"}, {});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_GT(r.max_rss_kib, 90 * 1024);
  EXPECT_LT(r.max_rss_kib, 200 * 1024);
}

TEST_F(ProcessTest, MissingProgramFailsToStart) {
  EXPECT_NONFATAL_FAILURE(RunProcess({"/nonexistent/trestle-no-such-program"}, {}), "cannot start");
}

}  // namespace
}  // namespace trestle::clitest
