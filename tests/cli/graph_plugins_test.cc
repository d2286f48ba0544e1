// `trestle graph` in its three formats, `trestle plugins list` and `plugins inspect`.
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

constexpr const char* kPipeline = R"(pipeline: draw-me
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: keep
    type: filter
    inputs: [src]
    options: {column: score, op: ">=", value: "20"}
  - name: all-rows
    type: csv_sink
    inputs: [src]
    options: {path: a.csv}
  - name: kept.rows
    type: jsonl_sink
    inputs: [keep]
    options: {path: k.jsonl}
)";

class GraphTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("data.csv", "id,score\n1,10\n");
    Write("p.yaml", kPipeline);
  }
};

TEST_F(GraphTest, TextIsTheDefault) {
  ProcessResult r = Trestle({"graph", "p.yaml"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out,
            "pipeline draw-me\n"
            "  src [csv_source, source]\n"
            "  keep [filter, transform] <- src\n"
            "  all-rows [csv_sink, sink] <- src\n"
            "  kept.rows [jsonl_sink, sink] <- keep\n");
  ProcessResult explicit_text = Trestle({"graph", "p.yaml", "--format", "text"});
  ASSERT_EXIT_CODE(explicit_text, 0);
  EXPECT_EQ(explicit_text.out, r.out);
}

TEST_F(GraphTest, DotHasEveryNodeAndEdge) {
  ProcessResult r = Trestle({"graph", "p.yaml", "--format", "dot"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out.rfind("digraph \"draw-me\" {\n", 0), 0u) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n") << r.out;
  for (const char* node :
       {"\"src\" [shape=invhouse, label=\"src\\ncsv_source\"];", "\"keep\" [shape=box, label=\"keep\\nfilter\"];",
        "\"all-rows\" [shape=house, label=\"all-rows\\ncsv_sink\"];",
        "\"kept.rows\" [shape=house, label=\"kept.rows\\njsonl_sink\"];"})
    EXPECT_TRUE(Contains(r.out, node)) << node << "\n" << r.out;
  std::set<std::string> edges;
  const std::regex edge("  \"([^\"]+)\" -> \"([^\"]+)\";");
  for (const auto& line : SplitLines(r.out)) {
    std::smatch m;
    if (std::regex_match(line, m, edge)) edges.insert(m[1].str() + ">" + m[2].str());
  }
  EXPECT_EQ(edges, (std::set<std::string>{"src>keep", "src>all-rows", "keep>kept.rows"})) << r.out;
}

TEST_F(GraphTest, MermaidHasEveryNodeAndEdge) {
  ProcessResult r = Trestle({"graph", "p.yaml", "--format", "mermaid"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out.rfind("flowchart LR\n", 0), 0u) << r.out;
  // Each node with its shape and label (ids are the renderer's choice).
  for (const char* node : {"[/\"src<br/>csv_source\"/]\n", "[\"keep<br/>filter\"]\n", "[(\"all-rows<br/>csv_sink\")]\n",
                           "[(\"kept.rows<br/>jsonl_sink\")]\n"})
    EXPECT_TRUE(Contains(r.out, node)) << node << "\n" << r.out;
  // Edges go between the ids the nodes were declared with.
  std::map<std::string, std::string> id_of;  // node name -> mermaid id
  const std::regex decl("  ([A-Za-z0-9_]+)[\\[\\(/{]+\"([^<]+)<br/>.*");
  for (const auto& line : SplitLines(r.out)) {
    std::smatch m;
    if (std::regex_match(line, m, decl)) id_of[m[2].str()] = m[1].str();
  }
  ASSERT_EQ(id_of.size(), 4u) << r.out;
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"src", "keep"}, {"src", "all-rows"}, {"keep", "kept.rows"}})
    EXPECT_TRUE(Contains(r.out, "  " + id_of[from] + " --> " + id_of[to] + "\n")) << from << " -> " << to << "\n"
                                                                                  << r.out;
  size_t edges = 0;
  for (const auto& line : SplitLines(r.out)) edges += Contains(line, " --> ") ? 1 : 0;
  EXPECT_EQ(edges, 3u) << r.out;
}

// Regression: Mermaid ids were the names with punctuation replaced by '_', so "out-a"
// and "out_a" became one node.
TEST_F(GraphTest, MermaidKeepsNodesApartWhoseNamesDifferOnlyInPunctuation) {
  // "out-a" and "out_a" are two valid, different node names; the diagram must show
  // two nodes, not one.
  Write("p.yaml", R"(pipeline: similar-names
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv}
  - name: out-a
    type: csv_sink
    inputs: [src]
    options: {path: a.csv}
  - name: out_a
    type: jsonl_sink
    inputs: [src]
    options: {path: b.jsonl}
)");
  ASSERT_EXIT_CODE(Trestle({"validate", "p.yaml"}), 0);
  ProcessResult r = Trestle({"graph", "p.yaml", "--format", "mermaid"});
  ASSERT_EXIT_CODE(r, 0);
  std::set<std::string> ids;
  const std::regex decl("  ([A-Za-z0-9_]+)[\\[\\(/{]+\".*");
  for (const auto& line : SplitLines(r.out)) {
    std::smatch m;
    if (std::regex_match(line, m, decl)) ids.insert(m[1].str());
  }
  EXPECT_EQ(ids.size(), 3u) << "three nodes need three distinct Mermaid ids:\n" << r.out;
}

TEST_F(GraphTest, InvalidPipelineIsNotDrawn) {
  Write("p.yaml", "pipeline: bad\nnodes:\n  - name: src\n    type: csv_sauce\n");
  ProcessResult r = Trestle({"graph", "p.yaml", "--format", "dot"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "p.yaml:4:11: ")) << r.err;
}

// Parsed `plugins list` output: library name -> its block of lines.
std::map<std::string, std::vector<std::string>> LibraryBlocks(const std::string& out) {
  std::map<std::string, std::vector<std::string>> blocks;
  std::string current;
  for (const auto& line : SplitLines(out)) {
    if (!line.empty() && line[0] != ' ') {
      current = line.substr(0, line.find(' '));
      blocks[current].push_back(line);
    } else if (!current.empty()) {
      blocks[current].push_back(line);
    }
  }
  return blocks;
}

std::string Sha256Of(const std::string& path) {
  ProcessResult r = RunProcess({"/usr/bin/sha256sum", path}, {});
  if (r.exit_code != 0) return "sha256sum failed: " + r.Describe();
  return r.out.substr(0, r.out.find(' '));
}

using PluginsTest = CliTest;

TEST_F(PluginsTest, AListWithARefusedLibraryExitsNonZeroNamingItAndWhy) {
  std::filesystem::create_directories(Path("pl"));
  chmod(Path("pl").c_str(), 0700);
  Write("pl/libbroken.so", "not a shared library\n");
  chmod(Path("pl/libbroken.so").c_str(), 0600);
  ProcessResult r = TrestleRaw({"plugins", "list", "--plugin-path", Path("pl")});
  EXPECT_EQ(r.exit_code, 78) << r.Describe();
  EXPECT_TRUE(Contains(r.out, "refused: " + Path("pl/libbroken.so") + ": cannot be loaded as a shared library")) << r.out;
  EXPECT_TRUE(Contains(r.err, "1 plugin library on the plugin path refused")) << r.err;
}

TEST_F(PluginsTest, AListOfNothingSaysWhereItLooked) {
  ProcessResult r = TrestleRaw({"plugins", "list", "--plugin-path", Path("nowhere")});
  EXPECT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.out, "no plugin libraries found")) << r.out;
  // Nothing scanned, or the install directory of this machine scanned: either way, said.
  EXPECT_TRUE(Contains(r.err, "note: no plugin directory was searched") ||
              Contains(r.err, "note: plugin directories searched, in order:"))
      << r.err;
}

TEST_F(PluginsTest, ListShowsEveryLibraryWithHashAndOperators) {
  ProcessResult r = Trestle({"plugins", "list"});
  ASSERT_EXIT_CODE(r, 0);
  auto blocks = LibraryBlocks(r.out);
  const std::map<std::string, std::vector<std::string>> expected = {
      {"io",
       {"csv_source (source)", "jsonl_source (source)", "csv_sink (sink)", "jsonl_sink (sink)", "stdout_sink (sink)"}},
      {"features",
       {"select (transform)", "cast (transform)", "impute (transform)", "scale (transform)", "one_hot (transform)",
        "filter (transform)", "add_columns (transform)"}},
      {"linear", {"linear (model)"}},
      {"testkit", {"sequence (source)", "scripted (transform)", "modulo_count (transform)", "fixed_monitor (monitor)"}},
      {"sqlite", {"sqlite_source (source)", "sqlite_sink (sink)"}},
      {"postgres", {"postgres_source (source)", "postgres_sink (sink)"}},
      {"aggregate", {"group_aggregate (transform)"}},
  };
  for (const auto& [lib, ops] : expected) {
    ASSERT_TRUE(blocks.count(lib)) << lib << " is not listed:\n" << r.out;
    const auto& b = blocks[lib];
    const std::string version = lib == "testkit" ? "0.1.0" : "1.0.0";
    EXPECT_TRUE(std::regex_match(b[0], std::regex(lib + " " + version + "  ABI 1\\.[0-9]+"))) << b[0];
    std::string path, sha;
    std::set<std::string> listed;
    for (const auto& line : b) {
      if (line.rfind("  path:   ", 0) == 0) path = line.substr(10);
      if (line.rfind("  sha256: ", 0) == 0) sha = line.substr(10);
      if (line.rfind("    ", 0) == 0) listed.insert(line.substr(4));
    }
    EXPECT_TRUE(IsSha256(sha)) << lib << ": " << sha;
    EXPECT_EQ(listed, std::set<std::string>(ops.begin(), ops.end())) << lib;
    const std::string dir = lib == "testkit" ? TestkitDir() : PluginDir();
    EXPECT_EQ(path.rfind(dir + "/", 0), 0u) << lib << " loaded from " << path;
    // The hash is the library file's.
    EXPECT_EQ(sha, Sha256Of(path)) << lib;
  }
  EXPECT_FALSE(Contains(r.out, "refused:")) << r.out;
}

TEST_F(PluginsTest, InspectShowsParametersWithTypesAndDefaults) {
  ProcessResult r = Trestle({"plugins", "inspect", "csv_source"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out.rfind("csv_source (source, serial)  from plugin io 1.0.0\n", 0), 0u) << r.out;
  for (const char* param :
       {"    path: string, required\n", "    delimiter: string, \",\"\n", "    header: bool, true\n",
        "    infer_rows: int, 1000, >= 1\n", "    null_values: list<string>, [\"\",\"NA\",\"null\"]\n",
        "    schema: map<string, list<string>>, none\n"})
    EXPECT_TRUE(Contains(r.out, param)) << param << "\n" << r.out;
  EXPECT_TRUE(Contains(r.out, "        CSV file to read\n")) << r.out;
}

TEST_F(PluginsTest, InspectSeveralOperatorsAndTheirRanges) {
  ProcessResult r = Trestle({"plugins", "inspect", "filter", "linear", "scripted"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.out, "filter (transform, reentrant)  from plugin features 1.0.0\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    op: string, required, one of ==, !=, <, <=, >, >=")) << r.out;
  EXPECT_TRUE(Contains(r.out, "linear (model, reentrant)  from plugin linear 1.0.0\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    threshold: double, 0.5, [0, 1]\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "scripted (transform, serial)  from plugin testkit 0.1.0\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    unavailable_calls: int, 0, >= 0\n")) << r.out;
}

TEST_F(PluginsTest, InspectMarkdown) {
  ProcessResult r = Trestle({"plugins", "inspect", "csv_sink", "--format", "markdown"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out.rfind("### `csv_sink`\n", 0), 0u) << r.out;
  EXPECT_TRUE(Contains(r.out, "| `path` | `string` | `required` |")) << r.out;
  EXPECT_TRUE(Contains(r.out, "| `float_precision` | `int` | `none` | [1, 17] |")) << r.out;
}

TEST_F(PluginsTest, InspectWithoutNamesShowsEveryOperator) {
  ProcessResult r = Trestle({"plugins", "inspect"});
  ASSERT_EXIT_CODE(r, 0);
  for (const char* op :
       {"csv_source (", "jsonl_source (", "csv_sink (", "jsonl_sink (", "stdout_sink (", "select (", "cast (",
        "impute (", "scale (", "one_hot (", "filter (", "linear (", "sequence (", "scripted ("})
    EXPECT_TRUE(Contains(r.out, std::string("\n") + op) || r.out.rfind(op, 0) == 0) << op;
}

TEST_F(PluginsTest, InspectUnknownOperatorIsAUsageError) {
  ProcessResult r = Trestle({"plugins", "inspect", "nope"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "no plugin on the plugin path has an operator \"nope\"")) << r.err;
  EXPECT_EQ(r.out, "");
  // A known one beside it is still shown, and the exit code still says something was wrong.
  ProcessResult mixed = Trestle({"plugins", "inspect", "csv_sink", "nope"});
  EXPECT_EXIT_CODE(mixed, 2);
  EXPECT_TRUE(Contains(mixed.out, "csv_sink (sink, serial)")) << mixed.out;
}

}  // namespace
}  // namespace trestle::clitest
