// Syntax strictness of the pipeline-file readers: JSON is RFC 8259 (nothing YAML
// allows beyond it), a YAML tab in indentation is named as such at the tab, duplicate
// keys name both places, and the limits that keep reading bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/limits.h"
#include "config/loader.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The formatted diagnostics of loading `text`; empty when it loads.
std::vector<std::string> Load(const std::string& text, Format format, LoadOptions options = {}) {
  const char* name = format == Format::kJson   ? "t.json"
                     : format == Format::kYaml ? "t.yaml"
                                               : "t.pbtxt";
  if (!options.getenv) {
    options.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  }
  Diagnostics diags;
  auto loaded = LoadPipelineText(text, format, name, options, &diags);
  std::vector<std::string> lines;
  for (const auto& d : diags.list()) lines.push_back(FormatDiagnostic(d));
  if (!loaded.ok() && lines.empty()) lines.push_back("failed without a diagnostic");
  return lines;
}

std::vector<std::string> Json(const std::string& text) { return Load(text, Format::kJson); }
std::vector<std::string> Yaml(const std::string& text) { return Load(text, Format::kYaml); }

// --- JSON ------------------------------------------------------------------------------

TEST(StrictJsonTest, TrailingCommaInAnObject) {
  EXPECT_THAT(Json("{\"pipeline\": \"p\",}"),
              ElementsAre("t.json:1:17: JSON syntax error: trailing comma before '}'"));
  EXPECT_THAT(Json("{\n  \"pipeline\": \"p\",\n  \"nodes\": []  ,\n\n}\n"),
              ElementsAre("t.json:3:16: JSON syntax error: trailing comma before '}'"));
}

TEST(StrictJsonTest, TrailingCommaInAnArray) {
  EXPECT_THAT(
      Json("{\"pipeline\": \"p\", \"nodes\": [{\"name\": \"a\", \"inputs\": [\"x\", \"y\",]}]}"),
      ElementsAre("t.json:1:62: JSON syntax error: trailing comma before ']'"));
}

TEST(StrictJsonTest, Comments) {
  EXPECT_THAT(Json("// a pipeline\n{\"pipeline\": \"p\"}"),
              ElementsAre("t.json:1:1: JSON syntax error: comments are not allowed in JSON"));
  EXPECT_THAT(Json("{\"pipeline\": \"p\" /* name */}"),
              ElementsAre("t.json:1:18: JSON syntax error: comments are not allowed in JSON"));
  EXPECT_THAT(
      Json("{\"pipeline\": \"p\"}\n# done\n"),
      ElementsAre(
          "t.json:2:1: JSON syntax error: unexpected '#' after the end of the top-level value"));
}

TEST(StrictJsonTest, SingleQuotedStrings) {
  EXPECT_THAT(
      Json("{\"pipeline\": 'p'}"),
      ElementsAre(
          "t.json:1:14: JSON syntax error: strings must be in double quotes, not single quotes"));
  EXPECT_THAT(
      Json("{'pipeline': \"p\"}"),
      ElementsAre(
          "t.json:1:2: JSON syntax error: strings must be in double quotes, not single quotes"));
}

TEST(StrictJsonTest, UnquotedKeysAndValues) {
  EXPECT_THAT(
      Json("{pipeline: \"p\"}"),
      ElementsAre(
          R"(t.json:1:2: JSON syntax error: keys must be in double quotes, found "pipeline")"));
  EXPECT_THAT(
      Json("{\"pipeline\": p}"),
      ElementsAre(
          R"(t.json:1:14: JSON syntax error: invalid value "p" (expected a string in double quotes, a number, true, false, null, an object or an array))"));
  EXPECT_THAT(
      Json("{\"execution\": {\"threads\": NaN}}"),
      ElementsAre(
          R"(t.json:1:27: JSON syntax error: invalid value "NaN" (expected a string in double quotes, a number, true, false, null, an object or an array))"));
  EXPECT_THAT(
      Json("{\"execution\": {\"threads\": True}}"),
      ElementsAre(
          R"(t.json:1:27: JSON syntax error: invalid value "True" (expected a string in double quotes, a number, true, false, null, an object or an array))"));
}

TEST(StrictJsonTest, OtherSyntaxErrorsAreLocatedAtTheirToken) {
  EXPECT_THAT(
      Json("{\"pipeline\": \"p\"\n \"nodes\": []}"),
      ElementsAre(
          "t.json:2:2: JSON syntax error: expected ',' or '}' after a value, found a string"));
  EXPECT_THAT(
      Json("{\"nodes\": [{}\n  {}]}"),
      ElementsAre("t.json:2:3: JSON syntax error: expected ',' or ']' after a value, found '{'"));
  EXPECT_THAT(
      Json("{\"pipeline\" \"p\"}"),
      ElementsAre("t.json:1:13: JSON syntax error: expected ':' after the key, found a string"));
  EXPECT_THAT(Json("{\"pipeline\": \"p\""),
              ElementsAre("t.json:1:17: JSON syntax error: unexpected end of file; expected '}'"));
  EXPECT_THAT(
      Json("{\"pipeline\": \"p\"}}"),
      ElementsAre(
          "t.json:1:18: JSON syntax error: unexpected '}' after the end of the top-level value"));
  EXPECT_THAT(
      Json("{\"execution\": {\"threads\": 01}}"),
      ElementsAre(
          R"(t.json:1:27: JSON syntax error: invalid number "01": a number cannot start with 0 unless it is 0)"));
  EXPECT_THAT(Json("{\"execution\": {\"threads\": 1e999}}"),
              ElementsAre("t.json:1:27: JSON syntax error: number 1e999 is out of range"));
  EXPECT_THAT(Json("{\"pipeline\": \"a\nb\"}"),
              ElementsAre("t.json:1:16: JSON syntax error: string not closed at the end of the "
                          "line (a JSON string cannot span lines)"));
  EXPECT_THAT(
      Json("{\"pipeline\": \"\\x41\"}"),
      ElementsAre(
          "t.json:1:16: JSON syntax error: invalid string: forbidden character after backslash"));
  EXPECT_THAT(Json("{\"pipeline\": \"\xff\"}"),
              ElementsAre("t.json:1:15: JSON syntax error: invalid string: ill-formed UTF-8 byte"));
}

TEST(StrictJsonTest, DuplicateKeysNameBothPlaces) {
  EXPECT_THAT(Json("{\"pipeline\": \"p\", \"pipeline\": \"q\"}"),
              ElementsAre(R"(t.json:1:19: duplicate key "pipeline" (first at line 1, column 2))"));
  EXPECT_THAT(
      Json("{\"pipeline\": \"p\",\n \"nodes\": [{\"name\": \"a\",\n  \"options\": {\"x\": 1,\n   "
           "\"x\": 2}}]}"),
      ElementsAre(R"(t.json:4:4: nodes[0] "a" .options: duplicate key "x" (first at line 3))"));
}

// Valid JSON that yaml-cpp, which read JSON files before, refused or misread.
TEST(StrictJsonTest, ReadsAllOfJson) {
  const std::string text =
      "{\n\t\"pipeline\"\n\t:\n\t\"p\\ud83d\\ude00\\/\",\n\t\"nodes\": [{\"name\": \"a\", "
      "\"options\":"
      " {\"n\": -0.5e+2, \"s\": \"1.10\", \"t\": true, \"z\": null, \"#\": \"&*!|>\"}}]\n}\n";
  Diagnostics diags;
  auto lp = LoadPipelineText(text, Format::kJson, "t.json", {}, &diags);
  ASSERT_TRUE(lp.ok()) << diags.ToString();
  EXPECT_EQ(lp->pipeline.pipeline(), "p\xF0\x9F\x98\x80/");
  const auto& options = lp->pipeline.nodes(0).options().fields();
  EXPECT_EQ(options.at("n").number_value(), -50);
  EXPECT_EQ(*lp->ScalarText("nodes[0].options.n", options.at("n")), "-0.5e+2");
  EXPECT_EQ(options.at("s").string_value(), "1.10");
  EXPECT_TRUE(options.at("t").bool_value());
  EXPECT_EQ(options.at("z").kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(options.at("#").string_value(), "&*!|>");
  EXPECT_EQ(lp->locations.Lookup("pipeline").line, 4);
  EXPECT_EQ(lp->locations.Lookup("pipeline").column, 2);
  EXPECT_EQ(lp->locations.Lookup("nodes[0].options.t").line, 5);
  EXPECT_EQ(lp->locations.Lookup("nodes[0].options.t").column, 70);
}

TEST(StrictJsonTest, ByteOrderMarkIsSkipped) {
  Diagnostics diags;
  auto lp =
      LoadPipelineText("\xEF\xBB\xBF{\"pipeline\": \"p\"}", Format::kJson, "t.json", {}, &diags);
  ASSERT_TRUE(lp.ok()) << diags.ToString();
  EXPECT_EQ(lp->locations.Lookup("pipeline").column, 14);
}

// --- YAML tabs -------------------------------------------------------------------------

constexpr const char* kTab =
    "YAML syntax error: tab character in indentation (YAML indents with spaces only)";

TEST(YamlTabTest, TabIndentingAMappingKey) {
  EXPECT_THAT(Yaml("pipeline: p\nexecution:\n\tthreads: 2\n"),
              ElementsAre(std::string("t.yaml:3:1: ") + kTab));
  EXPECT_THAT(Yaml("\tpipeline: p\n"), ElementsAre(std::string("t.yaml:1:1: ") + kTab));
}

TEST(YamlTabTest, TabAfterSpacesInIndentation) {
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  - name: a\n  \ttype: b\n"),
              ElementsAre(std::string("t.yaml:4:3: ") + kTab));
  EXPECT_THAT(Yaml("pipeline: p\nexecution:\n  threads: 2\n\t  batch_rows: 3\n"),
              ElementsAre(std::string("t.yaml:4:1: ") + kTab));
}

TEST(YamlTabTest, TabIndentingABlockSequence) {
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n\t- name: a\n"),
              ElementsAre(std::string("t.yaml:3:1: ") + kTab));
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  - name: a\n    inputs:\n    - x\n\t  - y\n"),
              ElementsAre(std::string("t.yaml:6:1: ") + kTab));
}

TEST(YamlTabTest, TabAfterADashBeforeANestedBlock) {
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  -\tname: a\n    type: b\n"),
              ElementsAre(std::string("t.yaml:3:4: ") + kTab));
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  -\t- a\n"),
              ElementsAre(std::string("t.yaml:3:4: ") + kTab));
}

TEST(YamlTabTest, TabBeforeABlockSequenceValue) {
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\t- a\n"), ElementsAre(std::string("t.yaml:2:7: ") + kTab));
}

TEST(YamlTabTest, TabOnAnEmptyLineAndInABlockScalar) {
  EXPECT_THAT(Yaml("pipeline: p\n\t\nnodes: []\n"),
              ElementsAre(std::string("t.yaml:2:1: ") + kTab));
  EXPECT_THAT(Yaml("pipeline: |\n\tp\nnodes: []\n"),
              ElementsAre(std::string("t.yaml:2:1: ") + kTab));
}

// YAML allows tabs as separation inside a line and in flow collections.
TEST(YamlTabTest, TabsThatAreNotIndentationAreFine) {
  EXPECT_THAT(Yaml("pipeline:\tp\nnodes:\n  - name:\ta\n    type: b\t# note\n"
                   "    options: {x:\t[1,\n\t2]}\n"),
              ElementsAre());
}

// --- YAML duplicates and other syntax --------------------------------------------------

TEST(YamlSyntaxTest, DuplicateKeysNameBothPlaces) {
  EXPECT_THAT(
      Yaml("pipeline: p\nnodes:\n  - {name: a, type: b, name: c}\n"),
      ElementsAre(
          R"(t.yaml:3:24: nodes[0] "a": duplicate key "name" (first at line 3, column 6))"));
  EXPECT_THAT(Yaml("pipeline: p\nnodes: []\npipeline: q\n"),
              ElementsAre(R"(t.yaml:3:1: duplicate key "pipeline" (first at line 1))"));
}

// yaml-cpp 0.7 returns empty documents forever at a ',' outside a flow collection.
TEST(YamlSyntaxTest, StrayCommaIsAnErrorNotAHang) {
  EXPECT_THAT(Yaml(","), ElementsAre("t.yaml:1:1: YAML syntax error: unexpected ','"));
  EXPECT_THAT(Yaml("- a\n,\n"), ElementsAre("t.yaml:2:1: YAML syntax error: unexpected ','"));
}

TEST(YamlSyntaxTest, TextMustBeUtf8) {
  EXPECT_THAT(Yaml("pipeline: caf\xE9\nnodes: []\n"),
              ElementsAre("t.yaml:1:14: YAML syntax error: invalid UTF-8 (byte 0xE9); a pipeline "
                          "file is UTF-8 text"));
  // yaml-cpp decodes \N and \_ to bare bytes; they are read as U+0085 and U+00A0.
  Diagnostics diags;
  auto lp = LoadPipelineText("pipeline: \"a\\Nb\\_\"\n", Format::kYaml, "t.yaml", {}, &diags);
  ASSERT_TRUE(lp.ok()) << diags.ToString();
  EXPECT_EQ(lp->pipeline.pipeline(),
            "a\xC2\x85"
            "b\xC2\xA0");
}

TEST(TextprotoSyntaxTest, StringsMustBeUtf8) {
  EXPECT_THAT(Load("pipeline: \"\\377\"\n", Format::kTextproto),
              ElementsAre("t.pbtxt:1:1: pipeline: text is not valid UTF-8"));
}

// --- Limits ----------------------------------------------------------------------------

TEST(LimitsTest, NestingIsBoundedInEveryFormat) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  const std::string message = "lists and mappings nested more than 32 deep";
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  - name: a\n    options:\n      x: " + deep + "\n"),
              ElementsAre("t.yaml:5:38: " + message));
  EXPECT_THAT(Json("{\"nodes\": [{\"options\": {\"x\": " + deep + "}}]}"),
              ElementsAre("t.json:1:58: " + message));
  std::string block = "pipeline: p\nnodes:\n  - name: a\n    options:\n      x:\n        ";
  for (int i = 0; i < 40; ++i) block += "- ";
  EXPECT_THAT(Yaml(block + "x\n"), ElementsAre("t.yaml:6:65: " + message));
  // Far deeper than yaml-cpp's own guard, and than the stack would take unguarded.
  EXPECT_THAT(Yaml("x: " + std::string(100000, '[') + std::string(100000, ']')),
              ElementsAre("t.yaml:1:35: " + message));
  EXPECT_THAT(Json(std::string(100000, '[')), ElementsAre("t.json:1:33: " + message));

  std::string pbtxt = "nodes { name: \"a\" options { fields { key: \"x\" value { ";
  for (int i = 0; i < 30; ++i) pbtxt += "list_value { values { ";
  pbtxt += "number_value: 1" + std::string(30 * 2, '}') + " } } } }";
  std::vector<std::string> lines = Load(pbtxt, Format::kTextproto);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr(message));

  // 32 levels are fine.
  const std::string ok = std::string(28, '[') + std::string(28, ']');
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  - name: a\n    options:\n      x: " + ok + "\n"),
              ElementsAre());
}

TEST(LimitsTest, AliasesCannotLoopOrExplode) {
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  - name: a\n    options:\n      x: &a [1, *a]\n"),
              ElementsAre("t.yaml:5:17: alias inside the node it refers to (a cycle)"));
  std::string laughs =
      "pipeline: p\nnodes:\n  - name: a\n    options:\n      a: &a [x, x, x, x, x, x, x, x, x, "
      "x]\n";
  for (char c = 'b'; c <= 'f'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    laughs += "      " + std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 10; ++i) laughs += (i ? ", *" : "*") + prev;
    laughs += "]\n";
  }
  std::vector<std::string> lines = Yaml(laughs);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("more than 100000 values in one file"));
  // Moderate reuse is what anchors are for.
  EXPECT_THAT(Yaml("pipeline: p\nnodes:\n  - {name: a, options: &o {path: x, n: [1, 2]}}\n"
                   "  - {name: b, options: *o}\n  - {name: c, options: *o}\n"),
              ElementsAre());
}

TEST(LimitsTest, HugeKeysCannotBlowUpTheSourceMap) {
  // 70000 list elements under a 1000-byte key: 70 MB of field paths.
  std::string text =
      "pipeline: p\nnodes:\n  - name: a\n    options:\n      " + std::string(1000, 'k') + ": [";
  for (int i = 0; i < 70000; ++i) text += "1,";
  text += "1]\n";
  std::vector<std::string> lines = Yaml(text);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("the field paths of this file exceed 64 MiB"));
}

TEST(LimitsTest, TextSizeIsBounded) {
  std::string text = "pipeline: p\n";
  text.resize(kMaxFileBytes + 1, ' ');
  EXPECT_THAT(Yaml(text), ElementsAre("t.yaml: pipeline file is larger than 16 MiB"));
}

TEST(LimitsTest, OverridesAreBoundedToo) {
  std::string keys = "k";
  for (int i = 0; i < 34; ++i) keys += ".k";
  LoadOptions options;
  options.overrides = {"a.x=" + std::string(40, '[') + std::string(40, ']'), "a." + keys + "=1",
                       "a.y=&a [*a]", "a.z=,", "a.k\xff=1"};
  std::vector<std::string> lines =
      Load("pipeline: p\nnodes: [{name: a, options: {}}]\n", Format::kYaml, options);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_THAT(lines[0], HasSubstr("--set a.x: lists and mappings nested more than 32 deep"));
  EXPECT_THAT(lines[1], HasSubstr("is nested more than 32 deep"));
  EXPECT_EQ(lines[2], "--set a.y: alias inside the node it refers to (a cycle)");
  EXPECT_EQ(lines[3], "--set a.z: value is not valid YAML: unexpected ','");
  EXPECT_THAT(lines[4], HasSubstr(": option name is not valid UTF-8"));
}

}  // namespace
}  // namespace trestle::core
