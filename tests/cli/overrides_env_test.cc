// `--set NODE.OPTION=VALUE` and `${VAR}` interpolation from the environment.
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

constexpr const char* kData = "id,score\n1,10\n2,25\n3,40\n4,31\n";

class OverridesTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("data.csv", kData);
  }
  void WritePipeline(const std::string& in_path, const std::string& out_path) {
    Write("p.yaml",
          "pipeline: overrides\nnodes:\n"
          "  - name: src\n    type: csv_source\n    options: {path: \"" +
              in_path +
              "\"}\n"
              "  - name: keep\n    type: filter\n    inputs: [src]\n"
              "    options: {column: score, op: \">=\", value: \"20\"}\n"
              "  - name: out\n    type: csv_sink\n    inputs: [keep]\n    options: {path: \"" +
              out_path + "\"}\n");
  }
};

TEST_F(OverridesTest, SetChangesAnOption) {
  WritePipeline("data.csv", "out.csv");
  ProcessResult base = Trestle({"run", "p.yaml", "-q"});
  ASSERT_EXIT_CODE(base, 0);
  EXPECT_EQ(Read("out.csv"), "id,score\n2,25\n3,40\n4,31\n");

  ProcessResult r = Trestle({"run", "p.yaml", "-q", "--set", "keep.value=31", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out.csv"), "id,score\n3,40\n4,31\n");
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["sources"]["src"]["paths"]["out"]["filtered"], 2);
}

TEST_F(OverridesTest, SeveralSetsApplyTogether) {
  WritePipeline("data.csv", "out.csv");
  ProcessResult r =
      Trestle({"run", "p.yaml", "-q", "--set", "keep.op=<", "--set", "keep.value=25", "--set", "out.path=low.csv"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("low.csv"), "id,score\n1,10\n");
  EXPECT_FALSE(Exists("out.csv"));
}

TEST_F(OverridesTest, SetIsValidatedLikeTheFile) {
  WritePipeline("data.csv", "out.csv");
  ProcessResult bad_value = Trestle({"validate", "p.yaml", "--set", "keep.op=about"});
  EXPECT_EXIT_CODE(bad_value, 78);
  EXPECT_TRUE(Contains(bad_value.err, "\"about\"")) << bad_value.err;

  ProcessResult no_node = Trestle({"validate", "p.yaml", "--set", "kep.value=3"});
  EXPECT_EXIT_CODE(no_node, 78);
  EXPECT_TRUE(Contains(no_node.err, "no node named \"kep\" (did you mean \"keep\"?)")) << no_node.err;

  ProcessResult no_option = Trestle({"validate", "p.yaml", "--set", "keep.valeu=3"});
  EXPECT_EXIT_CODE(no_option, 78);
  EXPECT_TRUE(Contains(no_option.err, "unknown option \"valeu\"")) << no_option.err;

  ProcessResult malformed = Trestle({"validate", "p.yaml", "--set", "keep.value"});
  EXPECT_EXIT_CODE(malformed, 78);
  EXPECT_TRUE(Contains(malformed.err, "NODE.OPTION=VALUE")) << malformed.err;
}

TEST_F(OverridesTest, SetValuesAreCheckedAgainstTheSchema) {
  WritePipeline("data.csv", "out.csv");
  // A value the filter cannot compare with an int64 column is refused when the
  // operators are opened, also when it comes from --set.
  ProcessResult v = Trestle({"validate", "p.yaml", "--set", "keep.value=lots"});
  EXPECT_EXIT_CODE(v, 78);
  EXPECT_TRUE(Contains(v.err, "\"lots\"")) << v.err;
  ProcessResult ok = Trestle({"validate", "p.yaml", "--set", "keep.value=7"});
  EXPECT_EXIT_CODE(ok, 0);
}

TEST_F(OverridesTest, VariablesComeFromTheEnvironment) {
  Write("in/other.csv", "id,score\n9,99\n8,1\n");
  WritePipeline("${IN_FILE}", "${OUT_DIR:-default_out}/scores.csv");
  ProcessOptions env;
  env.env["IN_FILE"] = "in/other.csv";
  env.env["OUT_DIR"] = "chosen";
  ProcessResult r = Trestle({"run", "p.yaml", "-q"}, env);
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("chosen/scores.csv"), "id,score\n9,99\n");
  EXPECT_FALSE(Exists("default_out"));

  // Without OUT_DIR the default applies.
  ProcessOptions only_in;
  only_in.env["IN_FILE"] = "data.csv";
  only_in.unset_env.push_back("OUT_DIR");
  ProcessResult d = Trestle({"run", "p.yaml", "-q"}, only_in);
  ASSERT_EXIT_CODE(d, 0);
  EXPECT_EQ(Read("default_out/scores.csv"), "id,score\n2,25\n3,40\n4,31\n");
}

TEST_F(OverridesTest, UnsetVariableWithoutDefaultIsInvalid) {
  WritePipeline("${TRESTLE_TEST_SURELY_UNSET_INPUT}", "out.csv");
  ProcessOptions env;
  env.unset_env.push_back("TRESTLE_TEST_SURELY_UNSET_INPUT");
  for (const char* cmd : {"validate", "run"}) {
    ProcessResult r = Trestle({cmd, "p.yaml"}, env);
    EXPECT_TRUE(!r.timed_out && r.exit_code == 78) << cmd << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.err, "environment variable \"TRESTLE_TEST_SURELY_UNSET_INPUT\" is not set")) << r.err;
    EXPECT_TRUE(Contains(r.err, "p.yaml:5:")) << "located at the option: " << r.err;
  }
  EXPECT_FALSE(Exists("out.csv"));
  EXPECT_FALSE(Exists(".trestle"));
}

}  // namespace
}  // namespace trestle::clitest
