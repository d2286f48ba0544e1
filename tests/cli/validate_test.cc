// `trestle validate`: a valid file, every error of a broken file at once with its
// file:line:col, and schema errors found by opening the operators (exit 78).
#include <regex>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

class ValidateTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("data.csv", "id,name,score\n1,alice,10\n2,bob,25\n");
  }
};

// The lines of `err` that start with "p.yaml:<line>:<col>: ".
std::vector<std::string> LocatedLines(const std::string& err, const std::string& file) {
  std::vector<std::string> out;
  const std::regex located("^" + file + ":[0-9]+:[0-9]+: .*");
  for (const auto& line : SplitLines(err))
    if (std::regex_match(line, located)) out.push_back(line);
  return out;
}

// The directory lines of the "plugin directories searched" note in `err`.
std::vector<std::string> SearchedDirs(const std::string& err) {
  std::vector<std::string> out;
  bool in_note = false;
  for (const auto& line : SplitLines(err)) {
    if (line == "note: plugin directories searched, in order:") {
      in_note = true;
    } else if (in_note && line.rfind("  ", 0) == 0) {
      out.push_back(line);
    } else {
      in_note = false;
    }
  }
  return out;
}

TEST_F(ValidateTest, ValidPipelineExitsZero) {
  Write("p.yaml", R"(pipeline: small
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: keep
    type: filter
    inputs: [src]
    options: {column: score, op: ">=", value: "20"}
  - name: out
    type: csv_sink
    inputs: [keep]
    options: {path: out/kept.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out, "p.yaml: valid (pipeline \"small\", 3 nodes, 2 edges)\n");
  // Validation reads nothing and writes nothing.
  EXPECT_FALSE(Exists("out"));
  EXPECT_FALSE(Exists(".trestle"));
}

TEST_F(ValidateTest, JsonPipelineIsValidToo) {
  Write("p.json", R"({"pipeline": "small", "nodes": [
  {"name": "src", "type": "csv_source", "options": {"path": "data.csv"}},
  {"name": "out", "type": "csv_sink", "inputs": ["src"], "options": {"path": "o.csv"}}]})");
  ProcessResult r = Trestle({"validate", "p.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.out, "valid (pipeline \"small\", 2 nodes, 1 edges)")) << r.out;
}

TEST_F(ValidateTest, EveryErrorIsReportedWithItsLocation) {
  // Line numbers matter: each error below is asserted at its line.
  Write("p.yaml", R"(pipeline: broken
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: keep
    type: filtr
    inputs: [src]
    options: {column: score, op: ">=", value: "20"}
  - name: out
    type: csv_sink
    inputs: [keeep]
    options:
      path: out.csv
      delimter: ";"
  - name: lonely
    type: jsonl_sink
    options: {path: l.jsonl}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_EQ(r.out, "");
  const std::vector<std::string> located = LocatedLines(r.err, "p.yaml");
  auto find = [&](const std::string& line_prefix, const std::string& text) {
    for (const auto& l : located)
      if (l.rfind(line_prefix, 0) == 0 && Contains(l, text)) return true;
    return false;
  };
  // An unknown operator, with a suggestion, at the type's value (line 7, column 11).
  EXPECT_TRUE(
      find("p.yaml:7:11: ", "nodes[1] \"keep\" .type: unknown operator type \"filtr\" (did you mean \"filter\"?)"))
      << r.err;
  // An input naming no node, with a suggestion.
  EXPECT_TRUE(find("p.yaml:12:14: ", "nodes[2] \"out\" .inputs[0]: unknown input \"keeep\" (did you mean \"keep\"?)"))
      << r.err;
  // An unknown option key with a suggestion; located (by design) at its value.
  EXPECT_TRUE(find("p.yaml:15:17: ",
                   "nodes[2] \"out\" .options: unknown option \"delimter\" for operator \"csv_sink\" (did you mean "
                   "\"delimiter\"?)"))
      << r.err;
  // A sink without any input.
  EXPECT_TRUE(find("p.yaml:16:5: ",
                   "nodes[3] \"lonely\" .inputs: operator \"jsonl_sink\" is a sink and needs at least one input"))
      << r.err;
  EXPECT_EQ(located.size(), 4u) << r.err;
  EXPECT_TRUE(Contains(r.err, "4 errors in p.yaml")) << r.err;
  // Where "filtr" was looked for: the plugin path in order, with what each directory held.
  const std::vector<std::string> searched = SearchedDirs(r.err);
  ASSERT_GE(searched.size(), 2u) << r.err;
  EXPECT_EQ(searched[0].rfind("  " + PluginDir() + ": ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_match(searched[0], std::regex(".*: [0-9]+ libraries"))) << r.err;
  EXPECT_EQ(searched[1].rfind("  " + TestkitDir() + ": ", 0), 0u) << r.err;
  EXPECT_TRUE(std::regex_match(searched[1], std::regex(".*: [0-9]+ librar(y|ies)"))) << r.err;
  EXPECT_FALSE(Contains(r.err, "none of the searched directories")) << r.err;
}

TEST_F(ValidateTest, UnknownOperatorSaysWhenNoSearchedDirectoryHoldsPlugins) {
  Write("empty/readme.txt", "not a plugin");
  Write("p.yaml", R"(pipeline: nothing-loaded
nodes:
  - {name: src, type: csv_source, options: {path: data.csv}}
  - {name: out, type: csv_sink, inputs: [src], options: {path: o.csv}}
)");
  ProcessResult r = TrestleRaw({"validate", "p.yaml", "--plugin-path", Path("empty") + "/"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "unknown operator type \"csv_source\"")) << r.err;
  const std::vector<std::string> searched = SearchedDirs(r.err);
  ASSERT_FALSE(searched.empty()) << r.err;
  EXPECT_EQ(searched[0], "  " + Path("empty") + "/: no plugin libraries") << r.err;
  // After the --plugin-path directory come only the default locations (next to the
  // executable, the install location), which a build tree normally lacks.
  bool any_found = false;
  for (const auto& line : searched) any_found |= !Contains(line, ": no plugin libraries");
  EXPECT_EQ(Contains(r.err, "\nnote: none of the searched directories holds a plugin library (*.so)\n"), !any_found)
      << r.err;
}

TEST_F(ValidateTest, ErrorsComeInLineOrder) {
  Write("p.yaml", R"(pipeline: broken
nodes:
  - name: out
    type: csv_sink
    inputs: [nowhere]
    options: {path: o.csv}
  - name: src
    type: csv_sorce
    options: {path: data.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  const auto located = LocatedLines(r.err, "p.yaml");
  ASSERT_EQ(located.size(), 2u) << r.err;
  EXPECT_EQ(located[0].rfind("p.yaml:5:", 0), 0u) << r.err;
  EXPECT_EQ(located[1].rfind("p.yaml:8:", 0), 0u) << r.err;
  EXPECT_TRUE(Contains(located[1], "did you mean \"csv_source\"?")) << r.err;
}

TEST_F(ValidateTest, ModelFeatureMissingUpstreamNamesNodeInputAndColumn) {
  Write("model.json", R"({"type": "linear", "features": ["score", "tenure"], "coefficients": [0.5, 2.0],
"intercept": 1.0})");
  Write("p.yaml", R"(pipeline: scoring
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: predict
    type: linear
    inputs: [src]
    options: {model: model.json, output: prediction}
  - name: out
    type: csv_sink
    inputs: [predict]
    options: {path: o.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  const auto located = LocatedLines(r.err, "p.yaml");
  ASSERT_EQ(located.size(), 1u) << r.err;
  const std::string& line = located[0];
  EXPECT_EQ(line.rfind("p.yaml:6:", 0), 0u) << line;
  EXPECT_TRUE(Contains(line, "\"predict\"")) << line;
  EXPECT_TRUE(Contains(line, "input from \"src\"")) << line;
  EXPECT_TRUE(Contains(line, "\"tenure\"")) << line;
  EXPECT_TRUE(Contains(line, "id, name, score")) << "the columns the input has: " << line;
  EXPECT_TRUE(Contains(r.err, "1 error in p.yaml")) << r.err;
}

TEST_F(ValidateTest, FilterOnAMissingColumnNamesNodeInputAndColumn) {
  Write("p.yaml", R"(pipeline: filtering
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: rename
    type: select
    inputs: [src]
    options: {rename: {score: points}}
  - name: high
    type: filter
    inputs: [rename]
    options: {column: score, op: ">", value: "3"}
  - name: out
    type: csv_sink
    inputs: [high]
    options: {path: o.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  const auto located = LocatedLines(r.err, "p.yaml");
  ASSERT_EQ(located.size(), 1u) << r.err;
  EXPECT_EQ(located[0].rfind("p.yaml:10:", 0), 0u) << located[0];
  EXPECT_TRUE(Contains(located[0], "\"high\"")) << located[0];
  EXPECT_TRUE(Contains(located[0], "input from \"rename\"")) << located[0];
  EXPECT_TRUE(Contains(located[0], "column \"score\"")) << located[0];
  EXPECT_TRUE(Contains(located[0], "points")) << located[0];
}

TEST_F(ValidateTest, FanInOfDifferentColumnsNamesBothInputs) {
  Write("p.yaml", R"(pipeline: mismatch
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: narrow
    type: select
    inputs: [src]
    options: {keep: [id, score]}
  - name: out
    type: csv_sink
    inputs: [src, narrow]
    options: {path: o.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  const auto located = LocatedLines(r.err, "p.yaml");
  ASSERT_EQ(located.size(), 1u) << r.err;
  EXPECT_EQ(located[0].rfind("p.yaml:12:", 0), 0u) << located[0];
  EXPECT_TRUE(Contains(located[0], "\"out\" .inputs")) << located[0];
  EXPECT_TRUE(
      Contains(located[0], "inputs \"src\" (id:int64, name:utf8, score:int64) and \"narrow\" (id:int64, score:int64)"))
      << located[0];
}

TEST_F(ValidateTest, MistypedComparisonValueIsASchemaError) {
  Write("p.yaml", R"(pipeline: filtering
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv, schema: {score: int64}}
  - name: high
    type: filter
    inputs: [src]
    options: {column: score, op: ">", value: "lots"}
  - name: out
    type: csv_sink
    inputs: [high]
    options: {path: o.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "\"high\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "\"lots\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "not a whole number")) << r.err;
}

TEST_F(ValidateTest, MissingDataFileIsReportedAtTheSource) {
  Write("p.yaml", R"(pipeline: nodata
nodes:
  - name: src
    type: csv_source
    options: {path: does-not-exist.csv}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: o.csv}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "\"src\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "does-not-exist.csv")) << r.err;
}

TEST_F(ValidateTest, MissingPipelineFileIsInvalid) {
  ProcessResult r = Trestle({"validate", "nope.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "nope.yaml")) << r.err;
}

TEST_F(ValidateTest, RunRefusesAnInvalidPipelineBeforeReadingAnything) {
  Write("p.yaml", R"(pipeline: broken
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: o.csv, colour: blue}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "p.yaml:9:")) << r.err;
  EXPECT_FALSE(Exists("o.csv"));
  EXPECT_FALSE(Exists(".trestle")) << "no run directory for a run that never started";
}

}  // namespace
}  // namespace trestle::clitest
