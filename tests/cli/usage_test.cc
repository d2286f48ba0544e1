// `trestle version`, the --help of every command, and usage errors (exit 2).
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using UsageTest = CliTest;

TEST_F(UsageTest, VersionPrintsTheRuntimeAndAbiVersions) {
  ProcessResult r = TrestleRaw({"version"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.out, "trestle 0.1.0\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "plugin ABI 1.")) << r.out;
  EXPECT_TRUE(Contains(r.out, "loads plugins built for ABI 1.0 to 1.")) << r.out;
  EXPECT_EQ(r.err, "");

  ProcessResult dashed = TrestleRaw({"--version"});
  ASSERT_EXIT_CODE(dashed, 0);
  EXPECT_EQ(dashed.out, r.out);
}

TEST_F(UsageTest, VersionRefusesArguments) {
  ProcessResult r = TrestleRaw({"version", "extra"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "usage: trestle version")) << r.err;
}

TEST_F(UsageTest, TopLevelHelpListsEveryCommand) {
  for (const char* flag : {"--help", "-h", "help"}) {
    ProcessResult r = TrestleRaw({flag});
    ASSERT_EXIT_CODE(r, 0);
    for (const char* cmd : {"run FILE", "validate FILE", "graph FILE", "plugins list", "plugins inspect", "version"})
      EXPECT_TRUE(Contains(r.out, cmd)) << flag << " does not mention " << cmd << ":\n" << r.out;
  }
}

TEST_F(UsageTest, NoCommandIsAUsageError) {
  ProcessResult r = TrestleRaw({});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "usage: trestle <command>")) << r.err;
  EXPECT_EQ(r.out, "");
}

struct HelpCase {
  std::vector<std::string> args;
  std::vector<std::string> mentions;
};

TEST_F(UsageTest, EverySubcommandHasHelpNamingItsOptions) {
  const std::vector<HelpCase> cases = {
      {{"run", "--help"},
       {"usage: trestle run FILE", "--report", "--state-dir", "--run-dir", "--quiet", "--set", "--plugin-path",
        "--allow-insecure-plugins"}},
      {{"run", "-h"}, {"usage: trestle run FILE", "--report"}},
      {{"validate", "--help"}, {"usage: trestle validate FILE", "--set", "--plugin-path", "--allow-insecure-plugins"}},
      {{"graph", "--help"},
       {"usage: trestle graph FILE", "--format", "text | dot | mermaid", "--set", "--plugin-path"}},
      {{"plugins", "--help"}, {"trestle plugins list", "trestle plugins inspect"}},
      {{"plugins", "list", "--help"}, {"usage: trestle plugins list", "--plugin-path", "--allow-insecure-plugins"}},
      {{"plugins", "inspect", "--help"},
       {"usage: trestle plugins inspect", "--format", "text | markdown", "--plugin-path"}},
      {{"version", "--help"}, {"trestle 0.1.0"}},
  };
  for (const auto& c : cases) {
    std::string cmd;
    for (const auto& a : c.args) cmd += a + " ";
    ProcessResult r = TrestleRaw(c.args);
    EXPECT_TRUE(!r.timed_out && r.exit_code == 0) << cmd << ": " << r.Describe();
    for (const auto& m : c.mentions)
      EXPECT_TRUE(Contains(r.out, m)) << cmd << "does not mention " << m << ":\n" << r.out;
  }
}

TEST_F(UsageTest, HelpDoesNotNeedTheFileOrRunAnything) {
  // --help wins over the missing required FILE, and nothing is created.
  ProcessResult r = TrestleRaw({"run", "--help"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(Exists(".trestle"));
}

TEST_F(UsageTest, UnknownCommandIsAUsageError) {
  ProcessResult r = TrestleRaw({"frobnicate"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "unknown command \"frobnicate\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "usage: trestle <command>")) << r.err;
}

// Regression: an unknown subcommand printed the usage to stdout.
TEST_F(UsageTest, UnknownPluginsSubcommandIsAUsageError) {
  // Like an unknown command: exit 2, the usage on stderr, nothing on stdout.
  ProcessResult r = TrestleRaw({"plugins", "frobnicate"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "usage: trestle plugins list")) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "frobnicate")) << "names what it did not understand: " << r.err;
  EXPECT_EQ(r.out, "") << "a usage error must not go to stdout";
  ProcessResult bare = TrestleRaw({"plugins"});
  EXPECT_EXIT_CODE(bare, 2);
  EXPECT_TRUE(Contains(bare.err, "usage: trestle plugins list")) << bare.Describe();
  EXPECT_EQ(bare.out, "");
}

TEST_F(UsageTest, UnknownOptionIsAUsageErrorForEveryCommand) {
  Write("p.yaml", "pipeline: p\nnodes: []\n");
  const std::vector<std::vector<std::string>> cases = {
      {"run", "p.yaml", "--no-such-option"},
      {"validate", "p.yaml", "--no-such-option"},
      {"graph", "p.yaml", "--no-such-option=1"},
      {"plugins", "list", "--no-such-option"},
      {"plugins", "inspect", "csv_source", "--no-such-option"},
      {"run", "p.yaml", "-Z"},
  };
  for (const auto& args : cases) {
    ProcessResult r = TrestleRaw(args);
    EXPECT_TRUE(!r.timed_out && r.exit_code == 2) << args[0] << " " << args.back() << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "unrecognised option") || Contains(r.err, "unrecognized option"))
        << args[0] << ": " << r.err;
    EXPECT_TRUE(Contains(r.err, args.back().substr(0, args.back().find('=')))) << r.err;
  }
  // Nothing ran: no run directory was made.
  EXPECT_FALSE(Exists(".trestle"));
}

TEST_F(UsageTest, MissingFileArgumentIsAUsageError) {
  for (const char* cmd : {"run", "validate", "graph"}) {
    ProcessResult r = TrestleRaw({cmd});
    EXPECT_TRUE(!r.timed_out && r.exit_code == 2) << cmd << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "usage: trestle " + std::string(cmd))) << r.err;
  }
}

TEST_F(UsageTest, GlogFlagsAreAcceptedAsOptions) {
  // Options a command does not know go to glog; a real glog flag is not a usage error.
  ProcessResult r = Trestle({"plugins", "list", "--v=0"});
  EXPECT_EXIT_CODE(r, 0);
}

TEST_F(UsageTest, BadFormatIsAUsageError) {
  Write("p.yaml", "pipeline: p\nnodes: []\n");
  ProcessResult g = Trestle({"graph", "p.yaml", "--format", "png"});
  EXPECT_EXIT_CODE(g, 2);
  EXPECT_TRUE(Contains(g.err, "--format must be text, dot or mermaid")) << g.err;
  ProcessResult i = Trestle({"plugins", "inspect", "csv_source", "--format", "html"});
  EXPECT_EXIT_CODE(i, 2);
  EXPECT_TRUE(Contains(i.err, "--format must be text or markdown")) << i.err;
}

}  // namespace
}  // namespace trestle::clitest
