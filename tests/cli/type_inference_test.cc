// Inferred column types end to end (issue 10, defect 13): one malformed value among the
// sampled rows of a numeric column is a row-level dead letter, not a utf8 column that a
// numeric operator then refuses at validate (exit 78).
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

constexpr const char* kPipeline = R"(pipeline: scaled
nodes:
  - name: src
    type: csv_source
    options: {path: in.csv}
  - name: scaled
    type: scale
    inputs: [src]
    options: {columns: [x], params_file: scale.json}
  - name: out
    type: csv_sink
    inputs: [scaled]
    options: {path: out.csv}
)";

class TypeInferenceTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("scale.json", R"({"x": {"mean": 0, "std": 2}})");
    Write("p.yaml", kPipeline);
  }
  // "id,x" and `rows` rows with x = id + 0.5, but "oops" in data row `bad_row` (line bad_row + 1).
  void WriteData(int rows, int bad_row) {
    std::string s = "id,x\n";
    for (int i = 1; i <= rows; ++i)
      s += std::to_string(i) + "," + (i == bad_row ? std::string("oops") : std::to_string(i) + ".5") + "\n";
    Write("in.csv", s);
  }
};

TEST_F(TypeInferenceTest, OneBadValueInTheSampleIsOneDeadLetter) {
  WriteData(1200, 300);
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Lines("out.csv").size(), 1u + 1199u);
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0]["node"], "src");
  EXPECT_EQ(dl[0]["location"], "in.csv:301");
  EXPECT_EQ(dl[0]["record"], "300,oops");
  const std::string reason = dl[0]["reason"].get<std::string>();
  EXPECT_TRUE(Contains(reason, "column \"x\": \"oops\" is not a float64, the type inferred")) << reason;
  EXPECT_TRUE(Contains(reason, "\"schema\" option")) << reason;
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(report["accounting"]["sources"]["src"]["read"], 1200);
  EXPECT_EQ(report["accounting"]["sources"]["src"]["paths"]["out"]["reached"], 1199);
  EXPECT_EQ(report["accounting"]["sources"]["src"]["paths"]["out"]["dead_lettered"], 1);
  EXPECT_EQ(report["dead_letters"]["rows"], 1);
  // The source says once which column it inferred despite the value, and where that is.
  EXPECT_TRUE(Contains(r.err, "column \"x\" is inferred as float64 although 1 of its 1000 sampled values are not "
                              "(the first: \"oops\" at in.csv:301)"))
      << r.err;
}

TEST_F(TypeInferenceTest, ASmallFileWithABadValueStaysTextAndIsRefused) {
  // Ten rows are too few to outvote one bad value: x is utf8, which scale refuses.
  WriteData(10, 4);
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.out + r.err, "requires column \"x\" to be a number")) << r.out << r.err;
  EXPECT_FALSE(Exists("out.csv"));
}

}  // namespace
}  // namespace trestle::clitest
