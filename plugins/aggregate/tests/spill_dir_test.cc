// The spill directory's life (created on the first spill, removed at the end, at close
// and in the destructor) and write failures (ENOSPC, EFBIG) as ResourceExhausted.
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "support.hpp"

namespace agt {
namespace {

// Many groups with long string keys: runs of several MiB at a small budget.
std::vector<Batch> many_groups(int batches, int rows) {
  std::vector<Batch> out;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::optional<std::string>> k;
    std::vector<std::optional<double>> x;
    for (int r = 0; r < rows; ++r) {
      k.push_back("customer-with-a-long-identifier-" + std::to_string(b * rows + r));
      x.push_back(r * 0.5);
    }
    out.push_back(BatchBuilder().str("k", k).f64("x", x).build());
  }
  return out;
}

const StringMap kAggs = {{"n", {"count"}}, {"m", {"mean", "x"}}};

TEST(SpillDir, TheFirstSpillRemovesDirectoriesOfProcessesThatAreGone) {
  TempDir parent;
  // A process that exited (reaped: its pid is free) left its spill directory behind.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const auto dead = std::filesystem::path(parent.path()) / ("trestle-aggregate-" + std::to_string(child) + "-abcdef");
  const auto alive = std::filesystem::path(parent.path()) / ("trestle-aggregate-" + std::to_string(::getppid()) + "-ghijkl");
  const auto other = std::filesystem::path(parent.path()) / "trestle-aggregate-notes";
  for (const auto& d : {dead, alive, other}) std::filesystem::create_directories(d / "sub");
  GroupAggregate op(options({"k"}, kAggs, "64KiB", parent.path()));
  auto input = many_groups(2, 1000);
  op.open(input[0].schema());
  trestle::Context ctx(nullptr);
  for (const auto& b : input) op.process(b, ctx);
  ASSERT_FALSE(op.spill_directory().empty()) << "the budget should have forced a spill";
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(alive));  // its process lives
  EXPECT_TRUE(std::filesystem::exists(other));  // not a spill directory's name
  op.close(ctx);
}

TEST(SpillDir, CreatedOnFirstSpillAndRemovedWhenTheResultIsRead) {
  TempDir parent;
  GroupAggregate op(options({"k"}, kAggs, "64KiB", parent.path()));
  auto input = many_groups(4, 1000);
  op.open(input[0].schema());
  trestle::Context ctx(nullptr);
  op.process(input[0], ctx);
  const std::string dir = op.spill_directory();
  ASSERT_FALSE(dir.empty());
  EXPECT_EQ(dir.rfind(parent.path() + "/trestle-aggregate-" + std::to_string(::getpid()) + "-", 0), 0u) << dir;
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(std::filesystem::status(dir).permissions() & std::filesystem::perms::all, std::filesystem::perms::owner_all);
  for (size_t i = 1; i < input.size(); ++i) op.process(input[i], ctx);
  EXPECT_FALSE(std::filesystem::is_empty(dir));
  int64_t rows = 0;
  while (auto b = op.finish(500, ctx)) rows += b->num_rows();
  EXPECT_EQ(rows, 4000);
  EXPECT_FALSE(std::filesystem::exists(dir));
  op.close(ctx);
  EXPECT_TRUE(parent.list().empty());
}

TEST(SpillDir, RemovedByCloseOfAFailedRunAndByTheDestructor) {
  TempDir parent;
  auto input = many_groups(2, 2000);
  trestle::Context ctx(nullptr);
  {
    GroupAggregate op(options({"k"}, kAggs, "64KiB", parent.path()));
    op.open(input[0].schema());
    op.process(input[0], ctx);
    ASSERT_FALSE(parent.list().empty());
    op.close(ctx);  // the run failed: finish() is never called
    EXPECT_TRUE(parent.list().empty());
  }
  {
    GroupAggregate op(options({"k"}, kAggs, "64KiB", parent.path()));
    op.open(input[0].schema());
    op.process(input[0], ctx);
    op.process(input[1], ctx);
    ASSERT_TRUE(op.finish(10, ctx).has_value());  // mid-merge
    ASSERT_FALSE(parent.list().empty());
  }
  EXPECT_TRUE(parent.list().empty());
}

TEST(SpillDir, DefaultsToTmpdir) {
  TempDir parent;
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", parent.path().c_str(), 1);
  GroupAggregate op(options({"k"}, kAggs, "64KiB"));
  if (old) ::setenv("TMPDIR", saved.c_str(), 1);
  else ::unsetenv("TMPDIR");
  auto input = many_groups(1, 2000);
  op.open(input[0].schema());
  trestle::Context ctx(nullptr);
  op.process(input[0], ctx);
  EXPECT_EQ(op.spill_directory().rfind(parent.path() + "/trestle-aggregate-", 0), 0u) << op.spill_directory();
  op.close(ctx);
}

TEST(SpillDir, NoSpaceLeftIsResourceExhaustedNamingTheFile) {
  TempDir parent;
  const std::string mnt = parent.path() + "/tiny";
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0)
    GTEST_SKIP() << "cannot mount a 1 MiB tmpfs (" << std::strerror(errno) << "; needs root and CAP_SYS_ADMIN)";
  std::string message;
  int32_t code = 0;
  {
    GroupAggregate op(options({"k"}, kAggs, "256KiB", mnt));
    auto input = many_groups(10, 5000);  // ~3 MiB of runs
    op.open(input[0].schema());
    trestle::Context ctx(nullptr);
    try {
      for (const auto& b : input) op.process(b, ctx);
      while (op.finish(1000, ctx)) {
      }
    } catch (const trestle::Error& e) {
      message = e.what();
      code = e.code();
    }
    op.close(ctx);
    EXPECT_TRUE(std::filesystem::is_empty(mnt));
  }
  ::umount(mnt.c_str());
  EXPECT_EQ(code, TRESTLE_RESOURCE_EXHAUSTED) << message;
  EXPECT_THAT(message, AllOf(HasSubstr("spill file \"" + mnt + "/trestle-aggregate-"), HasSubstr(".run\""),
                             HasSubstr(std::strerror(ENOSPC))));
}

TEST(SpillDir, AFileSizeLimitIsResourceExhaustedToo) {
  // In a child, whose RLIMIT_FSIZE makes write() fail with EFBIG: no root needed.
  TempDir parent;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim {100 << 10, 100 << 10};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    try {
      GroupAggregate op(options({"k"}, kAggs, "512KiB", parent.path()));
      auto input = many_groups(4, 5000);
      op.open(input[0].schema());
      trestle::Context ctx(nullptr);
      for (const auto& b : input) op.process(b, ctx);
      while (op.finish(1000, ctx)) {
      }
    } catch (const trestle::Error& e) {
      const bool named = std::string(e.what()).find("spill file \"" + parent.path()) != std::string::npos &&
                         std::string(e.what()).find(std::strerror(EFBIG)) != std::string::npos;
      ::_exit(e.code() == TRESTLE_RESOURCE_EXHAUSTED && named ? 7 : 8);
    }
    ::_exit(9);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7) << "8: another error or message, 9: no error";
  EXPECT_TRUE(parent.list().empty());  // the destructor removed the spill directory
}

}  // namespace
}  // namespace agt
