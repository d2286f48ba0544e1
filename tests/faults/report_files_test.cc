// The files trestle itself writes — `run --report`, RUN_DIR/report.json, `report -o`,
// `profile --schema-out` — follow the sinks' rules: "<path>.tmp-<pid>" created with
// O_EXCL | O_NOFOLLOW, fsynced, renamed; a device, FIFO, symbolic link, directory or the
// run store is refused before anything runs (exit 2) and left as it was. A report that
// cannot be written after the outputs were published fails the run, and the summary,
// the run store and the exit code agree; no temporary file is left.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class ReportFilesTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    Write("in.csv", "id\n1\n2\n");
    Write("p.yaml", R"(pipeline: simple
nodes:
  - {name: src, type: csv_source, options: {path: in.csv, schema: {id: int64}}}
  - {name: out, type: csv_sink, inputs: [src], options: {path: out.csv}}
)");
  }
  /// What is at `relative`, without following a link: 'c', 'p' (FIFO), 'l', 'd', 'f'.
  char Kind(const std::string& relative) const {
    struct stat st{};
    if (::lstat(Path(relative).c_str(), &st) != 0) return '-';
    return S_ISCHR(st.st_mode) ? 'c' : S_ISFIFO(st.st_mode) ? 'p' : S_ISLNK(st.st_mode) ? 'l' : S_ISDIR(st.st_mode) ? 'd' : 'f';
  }
  /// Non-regular targets: a FIFO, a link, a directory and — where the test may make one
  /// (root) — a character device like /dev/null.
  std::vector<std::pair<std::string, std::string>> Targets() const {
    std::vector<std::pair<std::string, std::string>> t = {
        {"fifo", "is a FIFO"}, {"link.json", "is a symbolic link"}, {"dir", "is a directory"}};
    EXPECT_EQ(::mkfifo(Path("fifo").c_str(), 0600), 0);
    Write("victim.txt", "precious\n");
    std::filesystem::create_symlink(Path("victim.txt"), Path("link.json"));
    std::filesystem::create_directory(Path("dir"));
    if (::mknod(Path("null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) t.push_back({"null", "is a character device"});
    return t;
  }
  void ExpectUntouched() const {
    EXPECT_EQ(Kind("fifo"), 'p');
    EXPECT_EQ(Kind("link.json"), 'l');
    EXPECT_EQ(Kind("dir"), 'd');
    EXPECT_TRUE(List("dir").empty());
    EXPECT_EQ(Read("victim.txt"), "precious\n");
    if (Exists("null")) {
      EXPECT_EQ(Kind("null"), 'c');
    }
    EXPECT_TRUE(TempFiles(".").empty());
  }
};

TEST_F(ReportFilesTest, RunReportOntoANonRegularFileIsAUsageErrorBeforeTheRun) {
  for (const auto& [target, what] : Targets()) {
    ProcessResult r = Run({"run", "p.yaml", "--state-dir", "st", "--report", target});
    EXPECT_EQ(r.exit_code, 2) << target << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "--report: \"" + target + "\" " + what)) << r.err;
    EXPECT_FALSE(Exists("out.csv")) << target << ": the run must not start";
  }
  ExpectUntouched();
}

TEST_F(ReportFilesTest, RunReportOntoTheRunStoreIsRefused) {
  ASSERT_EQ(Run({"run", "p.yaml", "--state-dir", "st", "-q"}).exit_code, 0);
  ProcessResult r = Run({"run", "p.yaml", "--state-dir", "st", "--report", "st/runs.db"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "\"st/runs.db\" is the run store")) << r.err;
  EXPECT_EQ(Runs(Path("st")).size(), 1u);
}

TEST_F(ReportFilesTest, ReportsTemporaryFileIsNotFollowedThroughALink) {
  // The old fixed FILE.tmp, opened with O_TRUNC, wrote through a link planted there.
  Write("victim.txt", "precious\n");
  std::filesystem::create_symlink(Path("victim.txt"), Path("r.json.tmp"));
  ProcessResult r = Run({"run", "p.yaml", "--state-dir", "st", "--report", "r.json", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Read("victim.txt"), "precious\n");
  EXPECT_EQ(ReadJson("r.json")["status"], "succeeded");
  EXPECT_TRUE(TempFiles(".").empty());
}

TEST_F(ReportFilesTest, HtmlReportOntoANonRegularFileOrTheRunStoreIsRefused) {
  ASSERT_EQ(Run({"run", "p.yaml", "--state-dir", "st", "-q"}).exit_code, 0);
  for (const auto& [target, what] : Targets()) {
    ProcessResult r = TrestleRaw({"report", "latest", "--state-dir", "st", "-o", target});
    EXPECT_EQ(r.exit_code, 2) << target << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "-o: \"" + target + "\" " + what)) << r.err;
  }
  ExpectUntouched();
  ProcessResult r = TrestleRaw({"report", "latest", "--state-dir", "st", "-o", "st/runs.db"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "is the run store")) << r.err;
  EXPECT_EQ(Runs(Path("st")).size(), 1u);
}

TEST_F(ReportFilesTest, ProfileSchemaOutOntoANonRegularFileIsRefused) {
  for (const auto& [target, what] : Targets()) {
    ProcessResult r = Run({"profile", "in.csv", "-o", "p.profile", "--schema-out", target});
    EXPECT_EQ(r.exit_code, 2) << target << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "--schema-out: \"" + target + "\" " + what)) << r.err;
  }
  ExpectUntouched();
}

TEST_F(ReportFilesTest, AReportThatCannotBeWrittenFailsTheRunAndTheStoreSaysSo) {
  // The run directory's filesystem is full: the outputs are published (out.csv is on
  // another one), then report.json cannot be written.
  SmallDisk disk(Path("rd"), 64);
  if (!disk.mounted()) GTEST_SKIP() << "needs a small tmpfs (root)";
  Write("rd/fill", std::string(64 * 1024, 'x'));  // may be cut short: the disk is full
  ProcessResult r = Run({"run", "p.yaml", "--state-dir", "st", "--run-dir", "rd/run"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "failed in")) << r.out;
  EXPECT_TRUE(Contains(r.out, "the outputs were published, but the report was not")) << r.out;
  nlohmann::json runs = Runs(Path("st"));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "failed") << runs.dump(2);
  EXPECT_TRUE(Contains(runs[0]["error"].dump(), "RESOURCE_EXHAUSTED")) << runs.dump(2);
  EXPECT_EQ(Read("out.csv"), "id\n1\n2\n");
  EXPECT_TRUE(TempFiles("rd/run").empty());
}

}  // namespace
}  // namespace trestle::clitest
