// Defects 12 and 13 from the command line. A JSON pipeline file with a trailing comma
// is refused, naming line and column; a YAML file indented with a tab says "tab". One
// malformed value among the sampled rows of an undeclared column is one dead letter,
// not a refused pipeline.
#include "fault_fixture.h"

namespace trestle::clitest {
namespace {

class ConfigSyntaxTest : public FaultTest {};

TEST_F(ConfigSyntaxTest, ATrailingCommaInJsonIsASyntaxError) {
  Write("p.json", R"({"pipeline": "j", "nodes": [
  {"name": "seq", "type": "sequence", "options": {"rows": 3},},
  {"name": "out", "type": "csv_sink", "inputs": ["seq"], "options": {"path": "out.csv"}}
]}
)");
  ProcessResult r = Run({"validate", "p.json"});
  EXPECT_EQ(r.exit_code, 78) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "p.json:2:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "trailing comma")) << r.err;
}

TEST_F(ConfigSyntaxTest, ATabInYamlIndentationSaysTab) {
  Write("p.yaml", "pipeline: t\nnodes:\n  - name: seq\n\ttype: sequence\n");
  ProcessResult r = Run({"validate", "p.yaml"});
  EXPECT_EQ(r.exit_code, 78) << r.Describe();
  EXPECT_TRUE(Contains(r.err, "p.yaml:4:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "tab")) << r.err;
}

TEST_F(ConfigSyntaxTest, OneMalformedSampledValueIsOneDeadLetter) {
  // x is inferred (no schema); row 10 of the sample holds "oops"; scale needs numbers.
  std::string data = "id,x\n";
  for (int i = 0; i < 2000; ++i) data += std::to_string(i) + "," + (i == 9 ? std::string("oops") : std::to_string(i)) + "\n";
  Write("in.csv", data);
  Write("scale.json", R"({"x": {"mean": 0, "std": 1}})");
  Write("p.yaml", R"(pipeline: inferred
nodes:
  - name: src
    type: csv_source
    options: {path: in.csv}
  - name: scaled
    type: scale
    inputs: [src]
    options: {columns: [x], method: standard, params_file: scale.json}
  - name: out
    type: csv_sink
    inputs: [scaled]
    options: {path: out.csv}
)");
  ProcessResult r = Run({"run", "p.yaml", "--run-dir", "run"});
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Lines("out.csv").size(), 2000u);
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0]["location"], "in.csv:11");
  EXPECT_TRUE(Contains(dl[0]["reason"].get<std::string>(), "\"oops\"")) << dl[0].dump();
}

}  // namespace
}  // namespace trestle::clitest
