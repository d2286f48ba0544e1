#include "config/option_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_catalog.h"

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

struct Checked {
  Result<OptionValues> values = InvalidArgument("not run");
  std::vector<std::string> lines;
};

// Loads a one-node pipeline `type` with `options` (a YAML flow mapping) and checks it.
Checked Check(const std::string& type, const std::string& options,
              std::vector<std::string> overrides = {}) {
  static const testing::FakeCatalog catalog;
  std::string text =
      "pipeline: p\nnodes:\n  - name: n\n    type: " + type + "\n    options: " + options + "\n";
  LoadOptions load;
  load.overrides = std::move(overrides);
  load.continue_on_error = true;
  Diagnostics diags;
  auto lp = LoadPipelineText(text, Format::kYaml, "o.yaml", load, &diags);
  Checked out;
  if (lp.ok()) out.values = CheckOptions(*lp, 0, *catalog.Find(type), &diags);
  for (const auto& d : diags.list()) out.lines.push_back(FormatDiagnostic(d));
  return out;
}

const OptionValue& Get(const OptionValues& values, const std::string& name) {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  static const OptionValue kMissing;
  ADD_FAILURE() << "no option " << name;
  return kMissing;
}

TEST(OptionCheckTest, FillsDefaultsInParameterOrder) {
  Checked c = Check("bucketize", "{bins: [1, 2.5]}");
  ASSERT_TRUE(c.values.ok()) << ::testing::PrintToString(c.lines);
  std::vector<std::string> names;
  for (const auto& [name, value] : *c.values) names.push_back(name);
  EXPECT_THAT(names, ElementsAre("bins", "keep", "modes"));  // absent, no default: left out
  EXPECT_THAT(Get(*c.values, "bins").numbers, ElementsAre(1, 2.5));
  EXPECT_TRUE(Get(*c.values, "keep").boolean);
  EXPECT_THAT(Get(*c.values, "modes").strings, ElementsAre("fast"));
  EXPECT_EQ(Get(*c.values, "keep").type, ParamType::kBool);
}

TEST(OptionCheckTest, ConvertsScalarsLeniently) {
  Checked c = Check("bucketize",
                    R"({bins: "3", max_rows: "1e3", keep: "false", label: 1.10, modes: exact,
                        groups: {geo: [country, 2], one: x}})");
  ASSERT_TRUE(c.values.ok()) << ::testing::PrintToString(c.lines);
  EXPECT_THAT(Get(*c.values, "bins").numbers, ElementsAre(3));  // one scalar: a list of one
  EXPECT_EQ(Get(*c.values, "max_rows").integer, 1000);
  EXPECT_FALSE(Get(*c.values, "keep").boolean);
  EXPECT_EQ(Get(*c.values, "label").string, "1.10");  // the text as written
  EXPECT_THAT(Get(*c.values, "modes").strings, ElementsAre("exact"));
  EXPECT_THAT(Get(*c.values, "groups").map,
              ElementsAre(Pair("geo", ElementsAre("country", "2")), Pair("one", ElementsAre("x"))));
}

TEST(OptionCheckTest, StringOptionGivenANumberReadsItsText) {
  Checked c = Check("linear", "{model: 2}");
  ASSERT_TRUE(c.values.ok());
  EXPECT_EQ(Get(*c.values, "model").string, "2");
  c = Check("linear", "{model: a}", {"n.model=007"});
  ASSERT_TRUE(c.values.ok());
  EXPECT_EQ(Get(*c.values, "model").string, "007");
  EXPECT_EQ(Get(*c.values, "threshold").number, 0.5);
}

TEST(OptionCheckTest, IntegersAreExact) {
  Checked c = Check("bucketize", "{bins: [1], max_rows: 9007199254740993}");
  ASSERT_TRUE(c.values.ok());
  EXPECT_EQ(Get(*c.values, "max_rows").integer, 9007199254740993);
  c = Check("bucketize", "{bins: [1], max_rows: 2.5}");
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:36: nodes[0] "n" .options.max_rows: option "max_rows" must be an int, got 2.5)"));
}

TEST(OptionCheckTest, ReportsEveryProblemOfANode) {
  Checked c =
      Check("bucketize",
            "{bins: [1, x], groups: {a: [[b]]}, max_rows: 0, keep: maybe, modes: [fast, exat], "
            "colour: red}");
  EXPECT_FALSE(c.values.ok());
  EXPECT_EQ(c.values.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:104: nodes[0] "n" .options: unknown option "colour" for operator "bucketize" (options: bins, groups, max_rows, keep, label, modes))",
          R"(o.yaml:5:25: nodes[0] "n" .options.bins[1]: option "bins" must be a list<double>, got "x" at [1])",
          R"(o.yaml:5:42: nodes[0] "n" .options.groups.a[0]: option "groups" must be a map<string, list<string>>, got a list at .a[0])",
          R"(o.yaml:5:59: nodes[0] "n" .options.max_rows: option "max_rows" = 0 must be >= 1)",
          R"(o.yaml:5:68: nodes[0] "n" .options.keep: option "keep" must be a bool, got "maybe")",
          R"(o.yaml:5:89: nodes[0] "n" .options.modes[1]: option "modes" must be one of [fast, exact], got "exat" at [1] (did you mean "exact"?))"));
}

TEST(OptionCheckTest, ListLengthBounds) {
  Checked c = Check("bucketize", "{bins: [1, 2, 3, 4, 5, 6, 7, 8, 9]}");
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:21: nodes[0] "n" .options.bins: option "bins" must have between 1 and 8 elements, got 9)"));
  c = Check("scale", "{columns: []}");
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:24: nodes[0] "n" .options.columns: option "columns" must have at least 1 element, got 0)"));
}

TEST(OptionCheckTest, NullIsNotAValue) {
  Checked c = Check("linear", "{model: ~}");
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:22: nodes[0] "n" .options.model: option "model" must be a string, got null)"));
}

TEST(OptionCheckTest, UnreadableOptionsAreReportedOnce) {
  Checked c = Check("csv_source", "[in.csv]");
  EXPECT_FALSE(c.values.ok());
  EXPECT_THAT(c.lines,
              ElementsAre(R"(o.yaml:5:14: nodes[0] "n" .options: must be a mapping, got a list)"));
}

TEST(OptionCheckTest, SecretsAreNeverEchoed) {
  Checked c = Check("http_sink", "{url: u, api_key: 123456, pin: hunter2}");
  EXPECT_TRUE(c.values.status().ok() == false);
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:45: nodes[0] "n" .options.pin: option "pin" must be an int, got <secret>)"));
  c = Check("http_sink", "{url: u, api_key: s3cr3t, pin: 123456}");
  EXPECT_THAT(
      c.lines,
      ElementsAre(
          R"(o.yaml:5:45: nodes[0] "n" .options.pin: option "pin" = <secret> is out of range [1000, 9999])"));
  c = Check("http_sink", "{url: u, api_key: 123456}");
  ASSERT_TRUE(c.values.ok());
  EXPECT_EQ(Get(*c.values, "api_key").string, "123456");
}

TEST(OptionCheckTest, RedactedJson) {
  static const testing::FakeCatalog catalog;
  config::Node node;
  auto& fields = *node.mutable_options()->mutable_fields();
  fields["url"].set_string_value("https://example.com");
  fields["api_key"].set_string_value("s3cr3t");
  fields["api_kye"].set_string_value("typo-s3cr3t");  // a misspelt secret is still secret
  fields["pin"].set_number_value(1234);
  fields["retries"].set_number_value(2.5);
  fields["tags"].mutable_list_value()->add_values()->set_bool_value(true);
  std::string json = RedactedOptionsJson(node, *catalog.Find("http_sink"));
  EXPECT_EQ(
      json,
      R"({"api_key":"<secret>","api_kye":"<secret>","pin":"<secret>","retries":2.5,"tags":[true],"url":"https://example.com"})");
  EXPECT_THAT(json, Not(HasSubstr("s3cr3t")));
}

}  // namespace
}  // namespace trestle::core
