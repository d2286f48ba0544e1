#include "config/loader.h"

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "config/settings.h"
#include "config/validate.h"
#include "fake_catalog.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kData = TRESTLE_TEST_DATA_DIR;

Getenv Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

LoadOptions WithEnv(std::map<std::string, std::string> vars) {
  LoadOptions options;
  options.getenv = Env(std::move(vars));
  return options;
}

std::vector<std::string> Lines(const Diagnostics& diags) {
  std::vector<std::string> lines;
  for (const auto& d : diags.list()) lines.push_back(FormatDiagnostic(d));
  return lines;
}

const google::protobuf::Value& Option(const LoadedPipeline& lp, int node, const std::string& key) {
  return lp.pipeline.nodes(node).options().fields().at(key);
}

TEST(LoaderTest, FormatFromPath) {
  EXPECT_EQ(*FormatFromPath("a/b.yaml"), Format::kYaml);
  EXPECT_EQ(*FormatFromPath("b.YML"), Format::kYaml);
  EXPECT_EQ(*FormatFromPath("b.json"), Format::kJson);
  EXPECT_EQ(*FormatFromPath("b.pbtxt"), Format::kTextproto);
  EXPECT_EQ(*FormatFromPath("b.textproto"), Format::kTextproto);
  EXPECT_EQ(*FormatFromPath("b.txtpb"), Format::kTextproto);
  EXPECT_FALSE(FormatFromPath("b.toml").ok());
}

TEST(LoaderTest, YamlJsonAndTextprotoLoadToTheSameProto) {
  Diagnostics diags;
  auto yaml = LoadPipelineFile(kData + "/good.yaml", {}, &diags);
  auto json = LoadPipelineFile(kData + "/good.json", {}, &diags);
  auto pbtxt = LoadPipelineFile(kData + "/good.pbtxt", {}, &diags);
  ASSERT_TRUE(yaml.ok()) << diags.ToString();
  ASSERT_TRUE(json.ok()) << diags.ToString();
  ASSERT_TRUE(pbtxt.ok()) << diags.ToString();
  EXPECT_TRUE(diags.empty());

  using google::protobuf::util::MessageDifferencer;
  std::string difference;
  MessageDifferencer differ;
  differ.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differ.Compare(yaml->pipeline, json->pipeline)) << difference;
  EXPECT_TRUE(differ.Compare(yaml->pipeline, pbtxt->pipeline)) << difference;

  EXPECT_EQ(yaml->text_hash.size(), 64u);
  EXPECT_EQ(yaml->text_hash, json->text_hash);
  EXPECT_EQ(yaml->text_hash, pbtxt->text_hash);

  const config::Pipeline& p = yaml->pipeline;
  EXPECT_EQ(p.pipeline(), "fraud-scoring");
  ASSERT_EQ(p.nodes_size(), 4);
  EXPECT_THAT(p.nodes(2).inputs(), ElementsAre("features"));  // a single string is a list
  EXPECT_EQ(p.nodes(2).retry().max_attempts(), 3);
  EXPECT_TRUE(p.nodes(3).has_ordered());
  EXPECT_FALSE(p.nodes(2).has_ordered());
  EXPECT_EQ(p.execution().batch_rows(), 512);
  EXPECT_EQ(p.execution().drain_timeout_s(), 10.5);
  EXPECT_EQ(p.dead_letter().path(), "out/dead.jsonl");
}

TEST(LoaderTest, RecordsLocationsInEveryFormat) {
  auto yaml = LoadPipelineFile(kData + "/good.yaml", {}, nullptr);
  auto json = LoadPipelineFile(kData + "/good.json", {}, nullptr);
  auto pbtxt = LoadPipelineFile(kData + "/good.pbtxt", {}, nullptr);
  ASSERT_TRUE(yaml.ok() && json.ok() && pbtxt.ok());

  auto at = [](const LoadedPipeline& lp, const std::string& path) {
    SourceLocation loc = lp.locations.Lookup(path);
    return std::to_string(loc.line) + ":" + std::to_string(loc.column);
  };
  EXPECT_EQ(at(*yaml, "pipeline"), "3:11");
  EXPECT_EQ(at(*yaml, "nodes[1]"), "8:5");
  EXPECT_EQ(at(*yaml, "nodes[1].inputs[0]"), "10:14");
  EXPECT_EQ(at(*yaml, "nodes[1].options.columns[1]"), "12:25");
  EXPECT_EQ(at(*yaml, "nodes[2].options.threshold"), "20:53");
  EXPECT_EQ(at(*yaml, "nodes[2].options.missing"), "20:14");  // falls back to options
  EXPECT_EQ(at(*yaml, "execution.batch_rows"), "27:15");

  EXPECT_EQ(at(*json, "nodes[2].options.threshold"), "10:62");
  EXPECT_EQ(at(*json, "execution.batch_rows"), "14:31");

  EXPECT_EQ(at(*pbtxt, "nodes[2].options.threshold"), "32:31");
  EXPECT_EQ(at(*pbtxt, "nodes[1].options.columns[1]"), "18:62");
  EXPECT_EQ(at(*pbtxt, "execution.batch_rows"), "42:13");
}

TEST(LoaderTest, GoodPipelineValidates) {
  testing::FakeCatalog catalog;
  Diagnostics diags;
  auto validated = ValidatePipelineFile(kData + "/good.yaml", {}, catalog, &diags);
  ASSERT_TRUE(validated.ok()) << diags.ToString();
  ASSERT_EQ(validated->options.size(), 4u);
  const OptionValues& source = validated->options[0];
  ASSERT_EQ(source.size(), 2u);
  EXPECT_EQ(source[1].first, "delimiter");
  EXPECT_EQ(source[1].second.string, ";");
  const OptionValues& model = validated->options[2];
  ASSERT_EQ(model.size(), 2u);
  EXPECT_EQ(model[1].second.number, 0.75);
}

TEST(LoaderTest, ScalarsKeepTheirKindAndText) {
  const char* text = R"(pipeline: p
nodes:
  - name: n
    type: t
    options:
      quoted: "2"
      number: 2
      decimal: 1.10
      flag: True
      word: yes
      nothing: ~
      empty:
      hex: 0x1f
      list: [1, "1", x]
)";
  auto lp = LoadPipelineText(text, Format::kYaml, "s.yaml", {}, nullptr);
  ASSERT_TRUE(lp.ok()) << lp.status().ToString();
  using google::protobuf::Value;
  EXPECT_EQ(Option(*lp, 0, "quoted").string_value(), "2");
  EXPECT_EQ(Option(*lp, 0, "number").number_value(), 2);
  EXPECT_EQ(Option(*lp, 0, "decimal").number_value(), 1.1);
  EXPECT_EQ(*lp->ScalarText("nodes[0].options.decimal", Option(*lp, 0, "decimal")), "1.10");
  EXPECT_EQ(*lp->ScalarText("nodes[0].options.number", Option(*lp, 0, "number")), "2");
  EXPECT_EQ(Option(*lp, 0, "flag").bool_value(), true);
  EXPECT_EQ(*lp->ScalarText("nodes[0].options.flag", Option(*lp, 0, "flag")), "True");
  EXPECT_EQ(Option(*lp, 0, "word").string_value(), "yes");
  EXPECT_EQ(Option(*lp, 0, "nothing").kind_case(), Value::kNullValue);
  EXPECT_EQ(Option(*lp, 0, "empty").kind_case(), Value::kNullValue);
  EXPECT_EQ(Option(*lp, 0, "hex").string_value(), "0x1f");
  const auto& list = Option(*lp, 0, "list").list_value();
  ASSERT_EQ(list.values_size(), 3);
  EXPECT_EQ(list.values(0).kind_case(), Value::kNumberValue);
  EXPECT_EQ(list.values(1).kind_case(), Value::kStringValue);
  // Spellings are part of the hash: `1.10` and `1.1` are different configs.
  auto other = LoadPipelineText(std::string(text).replace(std::string(text).find("1.10"), 4, "1.1"),
                                Format::kYaml, "s.yaml", {}, nullptr);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(lp->text_hash, other->text_hash);
}

TEST(LoaderTest, InterpolatesEveryStringBeforeConversion) {
  const char* text = R"(pipeline: ${NAME:-default-name}
nodes:
  - name: src
    type: csv_source
    options:
      path: ${DATA}/in.csv
      delimiter: "$$"
      limit: ${LIMIT:-10}
      label: "${LIMIT:-10}"
execution:
  batch_rows: ${ROWS:-512}
  threads: ${THREADS}
)";
  auto lp = LoadPipelineText(text, Format::kYaml, "i.yaml",
                             WithEnv({{"DATA", "/srv/data"}, {"THREADS", "3"}}), nullptr);
  ASSERT_TRUE(lp.ok()) << lp.status().ToString();
  EXPECT_EQ(lp->pipeline.pipeline(), "default-name");
  EXPECT_EQ(Option(*lp, 0, "path").string_value(), "/srv/data/in.csv");
  EXPECT_EQ(Option(*lp, 0, "delimiter").string_value(), "$");
  EXPECT_EQ(Option(*lp, 0, "limit").number_value(), 10);    // plain: typed after interpolation
  EXPECT_EQ(Option(*lp, 0, "label").string_value(), "10");  // quoted: stays a string
  EXPECT_EQ(lp->pipeline.execution().batch_rows(), 512);
  EXPECT_EQ(lp->pipeline.execution().threads(), 3);

  auto rows = LoadPipelineText(text, Format::kYaml, "i.yaml",
                               WithEnv({{"DATA", "d"}, {"THREADS", "1"}, {"ROWS", "64"}}), nullptr);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->pipeline.execution().batch_rows(), 64);
  EXPECT_NE(rows->text_hash, lp->text_hash);
}

TEST(LoaderTest, UnsetVariableIsAnErrorAtItsScalar) {
  const char* text = R"(pipeline: p
nodes:
  - name: src
    type: csv_source
    options:
      path: ${DATA_DIR}/in.csv
execution:
  threads: ${THREADS}
)";
  Diagnostics diags;
  auto lp = LoadPipelineText(text, Format::kYaml, "u.yaml", WithEnv({}), &diags);
  EXPECT_FALSE(lp.ok());
  EXPECT_EQ(lp.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(
      Lines(diags),
      ElementsAre(
          R"(u.yaml:6:13: nodes[0] "src" .options.path: environment variable "DATA_DIR" is not set (write ${DATA_DIR:-default} to give a default))",
          R"(u.yaml:8:12: execution.threads: environment variable "THREADS" is not set (write ${THREADS:-default} to give a default))"));
  EXPECT_THAT(lp.status().message(), HasSubstr("(and 1 more)"));
}

TEST(LoaderTest, InterpolatesTextprotoAndJsonStrings) {
  const char* pbtxt = R"(pipeline: "${NAME}"
nodes { name: "src" type: "csv_source"
  options { fields { key: "path" value { string_value: "${DIR:-/tmp}/x.csv" } } } }
nodes { name: "${MISSING}" }
)";
  Diagnostics diags;
  auto lp =
      LoadPipelineText(pbtxt, Format::kTextproto, "i.pbtxt", WithEnv({{"NAME", "n"}}), &diags);
  EXPECT_FALSE(lp.ok());
  EXPECT_THAT(
      Lines(diags),
      ElementsAre(
          R"(i.pbtxt:4:9: nodes[1].name: environment variable "MISSING" is not set (write ${MISSING:-default} to give a default))"));

  LoadOptions keep_going = WithEnv({{"NAME", "n"}});
  keep_going.continue_on_error = true;
  lp = LoadPipelineText(pbtxt, Format::kTextproto, "i.pbtxt", keep_going, nullptr);
  ASSERT_TRUE(lp.ok());
  EXPECT_EQ(lp->pipeline.pipeline(), "n");
  EXPECT_EQ(Option(*lp, 0, "path").string_value(), "/tmp/x.csv");
  EXPECT_EQ(lp->pipeline.nodes(1).name(), "");

  auto json = LoadPipelineText(R"({"pipeline": "${NAME}", "execution": {"batch_rows": "${R:-7}"}})",
                               Format::kJson, "i.json", WithEnv({{"NAME", "j"}}), nullptr);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->pipeline.pipeline(), "j");
  EXPECT_EQ(json->pipeline.execution().batch_rows(), 7);
}

TEST(LoaderTest, TextprotoOptionsAreAStruct) {
  Diagnostics diags;
  auto lp = LoadPipelineText("nodes { name: \"a\" options { path: \"x\" } }", Format::kTextproto,
                             "o.pbtxt", {}, &diags);
  EXPECT_FALSE(lp.ok());
  EXPECT_THAT(
      Lines(diags),
      ElementsAre(
          R"(o.pbtxt:1:29: unknown field "path" in Struct (write options as fields { key: "name" value { string_value: "..." } }))"));

  const char* duplicate = R"(nodes { name: "a" options {
  fields { key: "k" value { number_value: 1 } }
  fields { key: "k" value { number_value: 2 } } } }
)";
  diags = {};
  lp = LoadPipelineText(duplicate, Format::kTextproto, "d.pbtxt", {}, &diags);
  EXPECT_FALSE(lp.ok());
  EXPECT_THAT(
      Lines(diags),
      ElementsAre(R"(d.pbtxt:3:21: nodes[0] "a" .options: duplicate key "k" (first at line 2))"));
}

TEST(LoaderTest, OverridesReplaceAndAddOptions) {
  LoadOptions options;
  options.overrides = {
      "score.threshold=0.9",           "features.columns=[a, b, c]",   "score.model=2",
      "transactions.extra.sub={k: v}", "transactions.extra.more=1.50", "scores.path="};
  Diagnostics diags;
  auto lp = LoadPipelineFile(kData + "/good.yaml", options, &diags);
  ASSERT_TRUE(lp.ok()) << diags.ToString();
  EXPECT_EQ(Option(*lp, 2, "threshold").number_value(), 0.9);
  EXPECT_EQ(Option(*lp, 1, "columns").list_value().values_size(), 3);
  EXPECT_EQ(Option(*lp, 2, "model").number_value(), 2);
  const auto& extra = Option(*lp, 0, "extra").struct_value().fields();
  EXPECT_EQ(extra.at("sub").struct_value().fields().at("k").string_value(), "v");
  EXPECT_EQ(*lp->ScalarText("nodes[0].options.extra.more", extra.at("more")), "1.50");
  EXPECT_EQ(Option(*lp, 3, "path").string_value(), "");

  SourceLocation at = lp->locations.Lookup("nodes[1].options.columns[2]");
  EXPECT_EQ(at.origin, "--set features.columns");
  EXPECT_EQ(at.line, 0);
  // Untouched options keep their file location.
  EXPECT_EQ(lp->locations.Lookup("nodes[1].options.method").line, 13);

  auto plain = LoadPipelineFile(kData + "/good.yaml", {}, nullptr);
  ASSERT_TRUE(plain.ok());
  EXPECT_NE(plain->text_hash, lp->text_hash);
}

TEST(LoaderTest, OverrideErrorsAreLocatedAtTheOverride) {
  testing::FakeCatalog catalog;
  LoadOptions options;
  options.overrides = {"scor.threshold=0.9", "nonsense", "score.threshold=2", "score.model.sub=x",
                       "features.columns=[a, b"};
  Diagnostics diags;
  auto validated = ValidatePipelineFile(kData + "/good.yaml", options, catalog, &diags);
  EXPECT_FALSE(validated.ok());
  EXPECT_THAT(
      Lines(diags),
      ElementsAre(
          R"(--set scor.threshold: no node named "scor" (did you mean "score"?))",
          R"(--set nonsense: expected NODE.OPTION=VALUE)",
          R"(--set score.model.sub: nodes[2] "score" .options.model: option "model" is not a mapping)",
          R"(--set features.columns: value is not valid YAML: end of sequence flow not found)",
          R"(--set score.threshold: nodes[2] "score" .options.threshold: option "threshold" = 2 is out of range [0, 1])"));
}

TEST(LoaderTest, OverrideNodeNamesMayContainDots) {
  const char* text = R"(pipeline: p
nodes:
  - {name: model, type: linear, options: {model: a}}
  - {name: model.v2, type: linear, options: {model: b}}
)";
  LoadOptions options;
  options.overrides = {"model.v2.model=c", "model.model=d"};
  auto lp = LoadPipelineText(text, Format::kYaml, "d.yaml", options, nullptr);
  ASSERT_TRUE(lp.ok()) << lp.status().ToString();
  EXPECT_EQ(Option(*lp, 0, "model").string_value(), "d");
  EXPECT_EQ(Option(*lp, 1, "model").string_value(), "c");
}

TEST(LoaderTest, UnreadableFilesNameTheFile) {
  Diagnostics diags;
  EXPECT_FALSE(LoadPipelineFile(kData + "/does_not_exist.yaml", {}, &diags).ok());
  EXPECT_FALSE(LoadPipelineFile(kData + "/empty.yaml", {}, &diags).ok());
  EXPECT_FALSE(LoadPipelineFile(kData + "/comments_only.yaml", {}, &diags).ok());
  EXPECT_FALSE(LoadPipelineFile(kData + "/empty.pbtxt", {}, &diags).ok());
  EXPECT_FALSE(LoadPipelineFile(kData + "/broken", {}, &diags).ok());
  EXPECT_FALSE(LoadPipelineFile(kData + "/good.toml", {}, &diags).ok());
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "trestle_config_test_dir.yaml";
  std::filesystem::create_directories(dir);
  EXPECT_FALSE(LoadPipelineFile(dir.string(), {}, &diags).ok());
  std::filesystem::remove(dir);
  std::vector<std::string> lines = Lines(diags);
  for (auto& line : lines) {
    for (const std::string& prefix : {kData + "/", dir.parent_path().string() + "/"}) {
      if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
    }
  }
  EXPECT_THAT(
      lines,
      ElementsAre(
          "does_not_exist.yaml: cannot open pipeline file: No such file or directory",
          "empty.yaml: pipeline file is empty", "comments_only.yaml: pipeline file is empty",
          "empty.pbtxt: pipeline file is empty",
          R"(broken: unknown pipeline file extension "" (expected .yaml, .yml, .json, .pbtxt, .textproto or .txtpb))",
          R"(good.toml: unknown pipeline file extension ".toml" (expected .yaml, .yml, .json, .pbtxt, .textproto or .txtpb))",
          "trestle_config_test_dir.yaml: cannot read pipeline file: it is a directory"));
}

TEST(LoaderTest, FieldErrorsCanBeCollectedWithoutFailing) {
  const char* text = R"(pipeline: p
nodes:
  - name: a
    type: csv_source
    concurrency: lots
    inputs: [x, [y], z]
)";
  LoadOptions options;
  options.continue_on_error = true;
  Diagnostics diags;
  auto lp = LoadPipelineText(text, Format::kYaml, "c.yaml", options, &diags);
  ASSERT_TRUE(lp.ok());
  EXPECT_THAT(
      Lines(diags),
      ElementsAre(R"(c.yaml:5:18: nodes[0] "a" .concurrency: must be an integer, got "lots")",
                  R"(c.yaml:6:17: nodes[0] "a" .inputs[1]: must be a string, got a list)"));
  EXPECT_THAT(lp->pipeline.nodes(0).inputs(), ElementsAre("x", "", "z"));  // indexes kept
  EXPECT_EQ(lp->pipeline.nodes(0).concurrency(), 0);
}

TEST(SettingsTest, EffectiveFillsDefaults) {
  config::Execution e;
  ExecutionSettings s = Effective(e);
  EXPECT_EQ(s.batch_rows, 1024);
  EXPECT_EQ(s.max_inflight_batches, 8);
  EXPECT_EQ(s.commit_every_batches, 0);
  EXPECT_EQ(s.drain_timeout_s, 30);
  EXPECT_EQ(s.threads, 0);
  e.set_batch_rows(10);
  e.set_threads(2);
  EXPECT_EQ(Effective(e).batch_rows, 10);
  EXPECT_EQ(Effective(e).threads, 2);

  config::Retry r;
  RetrySettings rs = Effective(r);
  EXPECT_EQ(rs.max_attempts, 5);
  EXPECT_EQ(rs.initial_backoff_ms, 100);
  EXPECT_EQ(rs.max_backoff_ms, 10000);
  EXPECT_EQ(rs.multiplier, 2);
  EXPECT_EQ(rs.jitter, 0.2);
  EXPECT_EQ(rs.deadline_s, 60);
  r.set_max_attempts(1);
  r.set_jitter(0.5);
  EXPECT_EQ(Effective(r).max_attempts, 1);
  EXPECT_EQ(Effective(r).jitter, 0.5);
}

}  // namespace
}  // namespace trestle::core
