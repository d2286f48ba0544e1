// Every file a run touches by name is claimed once, at validate time (the planner's
// one path check): a sink onto a source's input, dead_letter.path onto a sink or a
// source, a sink onto the run directory's report or dead letters, --report onto a
// sink, `trestle profile X -o X`. Each is refused (exit 78, or 2 for the command's own
// options) naming both claims, and nothing is touched. dead_letter.path must also be a
// regular file (or new) in a writable directory, and a path option cannot end with "/"
// or hold a NUL byte.
#include <sys/stat.h>

#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class PathCollisionTest : public FaultTest {
 protected:
  /// A csv_source reading `in` into a csv_sink writing `out` (with `sink_options`), and
  /// `extra` appended.
  void WritePipeline(const std::string& in, const std::string& out, const std::string& extra = "",
                     const std::string& sink_options = "") const {
    Write("p.yaml", "pipeline: paths\nnodes:\n"
                    "  - {name: src, type: csv_source, options: {path: \"" + in + "\", schema: {id: int64}}}\n"
                    "  - {name: out, type: csv_sink, inputs: [src], options: {path: \"" + out + "\"" + sink_options +
                        "}}\n" + extra);
  }
  /// Runs validate and run; both must refuse with exit 78 and every one of `needles`.
  void ExpectRefused(const std::vector<std::string>& needles, const std::vector<std::string>& run_args = {}) const {
    for (const char* cmd : {"validate", "run"}) {
      std::vector<std::string> args = {cmd, "p.yaml"};
      if (std::string(cmd) == "run") args.insert(args.end(), run_args.begin(), run_args.end());
      else if (!run_args.empty()) continue;  // only `run` knows its run directory and report
      ProcessResult r = Run(args);
      EXPECT_EQ(r.exit_code, 78) << cmd << ": " << r.Describe();
      for (const std::string& n : needles) EXPECT_TRUE(Contains(r.err, n)) << cmd << ": " << n << "\n" << r.err;
    }
  }
};

TEST_F(PathCollisionTest, ASinkOntoItsSourcesInputIsRefused) {
  Write("big.csv", "id\n1\n2\n3\n");
  for (const char* mode : {"atomic", "stream"}) {
    WritePipeline("big.csv", "big.csv", "", std::string(", mode: ") + mode);
    ExpectRefused({"nodes[1] \"out\" .options.path", "\"big.csv\" is read by node \"src\" (option \"path\")"});
  }
  EXPECT_EQ(Read("big.csv"), "id\n1\n2\n3\n");
}

TEST_F(PathCollisionTest, DeadLettersOntoASinkOrASourceAreRefused) {
  Write("in.csv", "id\n1\nx\n");
  WritePipeline("in.csv", "out.csv", "dead_letter: {path: out.csv}\n");
  ExpectRefused({"nodes[1] \"out\" .options.path", "is also written by the dead letters (dead_letter.path)"});
  WritePipeline("./in.csv", "out.csv", "dead_letter: {path: in.csv}\n");
  ExpectRefused({"nodes[0] \"src\" .options.path", "\"./in.csv\" is written by the dead letters (dead_letter.path)"});
  EXPECT_EQ(Read("in.csv"), "id\n1\nx\n");
  EXPECT_FALSE(Exists("out.csv"));
}

TEST_F(PathCollisionTest, ASinkOntoTheRunDirectorysFilesIsRefused) {
  Write("in.csv", "id\n1\n");
  WritePipeline("in.csv", "d1/report.json");
  ExpectRefused({"nodes[1] \"out\" .options.path", "also written by the run's report (RUN_DIR/report.json)"},
                {"--run-dir", "d1"});
  WritePipeline("in.csv", "d2/dead_letter.jsonl");
  ExpectRefused({"also written by the run's dead letters (RUN_DIR/dead_letter.jsonl)"}, {"--run-dir", "d2"});
}

TEST_F(PathCollisionTest, TheReportOntoASinkIsRefused) {
  Write("in.csv", "id\n1\n");
  WritePipeline("in.csv", "out.csv");
  ExpectRefused({"nodes[1] \"out\" .options.path", "also written by the run report (--report)"},
                {"--report", "out.csv"});
  EXPECT_FALSE(Exists("out.csv"));
}

TEST_F(PathCollisionTest, ProfileOntoItsOwnInputIsRefusedInTheUsersTerms) {
  Write("train.csv", "a,b\n1,x\n2,y\n");
  ProcessResult r = Run({"profile", "train.csv", "-o", "train.csv"});
  EXPECT_EQ(r.exit_code, 78) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "trestle profile: -o: \"train.csv\" is read by DATA")) << r.err;
  EXPECT_FALSE(Contains(r.err, "nodes[")) << r.err;
  EXPECT_EQ(Read("train.csv"), "a,b\n1,x\n2,y\n");
  r = Run({"profile", "train.csv", "-o", "p.profile", "--schema-out", "train.csv"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "--schema-out: \"train.csv\" is also DATA")) << r.err;
  EXPECT_EQ(Read("train.csv"), "a,b\n1,x\n2,y\n");
}

TEST_F(PathCollisionTest, ADeadLetterPathThatIsNoRegularFileIsRefusedAtValidateTime) {
  Write("in.csv", "id\n1\nx\n");
  ASSERT_EQ(::mkfifo(Path("dl.fifo").c_str(), 0600), 0);
  std::filesystem::create_directory(Path("dldir"));
  Write("real.jsonl", "");
  std::filesystem::create_symlink(Path("real.jsonl"), Path("dl.link"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"dl.fifo", "\"dl.fifo\" is a FIFO"},
      {"/dev/null", "\"/dev/null\" is a character device"},
      {"dl.link", "\"dl.link\" is a symbolic link"},
      {"dldir", "\"dldir\" is a directory"},
      {"dldir/", "ends with \"/\""}};
  for (const auto& [path, what] : cases) {
    WritePipeline("in.csv", "out.csv", "dead_letter: {path: \"" + path + "\"}\n");
    ExpectRefused({"dead_letter.path", what});
  }
  if (::geteuid() != 0) {  // root may write anywhere
    std::filesystem::create_directory(Path("ro"));
    std::filesystem::permissions(Path("ro"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    WritePipeline("in.csv", "out.csv", "dead_letter: {path: ro/dl.jsonl}\n");
    ExpectRefused({"dead_letter.path", "cannot write \"ro/dl.jsonl\""});
  }
}

TEST_F(PathCollisionTest, ASinkPathEndingInASlashOrHoldingANulIsRefusedAtValidateTime) {
  Write("in.csv", "id\n1\n");
  WritePipeline("in.csv", "x.csv/");
  ExpectRefused({"nodes[1] \"out\" .options.path", "\"x.csv/\" ends with \"/\", which names a directory"});
  EXPECT_FALSE(Exists("x.csv"));
  Write("p.yaml", R"(pipeline: nul
nodes:
  - {name: s, type: csv_source, options: {path: in.csv}}
  - {name: o1, type: csv_sink, inputs: [s], options: {path: "a.csv"}}
  - {name: o2, type: jsonl_sink, inputs: [s], options: {path: "a.csv\0x"}}
)");
  ExpectRefused({"nodes[2] \"o2\" .options.path", "holds a NUL byte (after \"a.csv\")"});
  EXPECT_FALSE(Exists("a.csv"));
}

}  // namespace
}  // namespace trestle::clitest
