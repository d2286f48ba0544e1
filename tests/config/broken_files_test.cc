// Every deliberately broken pipeline in data/broken/ and the exact diagnostics it gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "config/validate.h"
#include "fake_catalog.h"

namespace trestle::core {
namespace {

const std::string kBroken = std::string(TRESTLE_TEST_DATA_DIR) + "/broken/";

struct BrokenCase {
  std::string file;
  std::vector<std::string> expected;  // formatted, with the directory left out
};

std::ostream& operator<<(std::ostream& os, const BrokenCase& c) { return os << c.file; }

std::vector<std::string> Validate(const std::string& file, Diagnostics* diags, Status* status) {
  static const testing::FakeCatalog catalog;
  LoadOptions options;
  options.getenv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  auto result = ValidatePipelineFile(kBroken + file, options, catalog, diags);
  *status = result.status();
  std::vector<std::string> lines;
  for (const auto& d : diags->list()) {
    std::string line = FormatDiagnostic(d);
    if (line.rfind(kBroken, 0) == 0) line.erase(0, kBroken.size());
    lines.push_back(line);
  }
  return lines;
}

const std::vector<BrokenCase>& Cases() {
  // clang-format off
  static const std::vector<BrokenCase> cases = {
      {"bad_execution.yaml",
       {"bad_execution.yaml:11:15: execution.batch_rows: must be >= 0 (0 = default), got -1",
        "bad_execution.yaml:12:20: execution.drain_timeout_s: must be >= 0, got -5"}},
      {"bad_on_error.yaml",
       {R"(bad_on_error.yaml:9:15: nodes[1] "out" .on_error: on_error must be dead_letter, skip or fail; got "skp" (did you mean "skip"?))"}},
      {"bad_retry.yaml",
       {R"(bad_retry.yaml:10:21: nodes[1] "out" .retry.max_attempts: must be >= 1, got -1)",
        R"(bad_retry.yaml:11:19: nodes[1] "out" .retry.multiplier: must be >= 1, got 0.5)",
        R"(bad_retry.yaml:12:15: nodes[1] "out" .retry.jitter: must be in [0, 1], got 1.5)"}},
      {"cycle.yaml",
       {R"(cycle.yaml:8:19: nodes[1] "a" .inputs[1]: cycle: a -> b -> c -> a)"}},
      {"duplicate_key.yaml",
       {R"(duplicate_key.yaml:6:5: nodes[0] "src": duplicate key "type" (first at line 4))"}},
      {"duplicate_node.yaml",
       {R"(duplicate_node.yaml:10:11: nodes[2] "src" .name: duplicate node name "src" (first defined at line 3))"}},
      {"enum_violation.yaml",
       {R"(enum_violation.yaml:9:40: nodes[1] "features" .options.method: option "method" must be one of [standard, min_max], got "minmax" (did you mean "min_max"?))"}},
      {"invalid_name.yaml",
       {R"(invalid_name.yaml:3:11: nodes[0] "my source" .name: invalid node name "my source": use only letters, digits, '_', '.' and '-')"}},
      {"json_comment.json",
       {"json_comment.json:2:21: JSON syntax error: comments are not allowed in JSON"}},
      {"json_duplicate_key.json",
       {R"(json_duplicate_key.json:6:3: duplicate key "pipeline" (first at line 2))"}},
      {"json_single_quotes.json",
       {"json_single_quotes.json:2:15: JSON syntax error: strings must be in double quotes, not single quotes"}},
      {"json_syntax.json",
       {"json_syntax.json:5:3: JSON syntax error: expected ',' or '}' after a value, found ']'"}},
      {"json_trailing_comma.json",
       {"json_trailing_comma.json:4:71: JSON syntax error: trailing comma before '}'"}},
      {"json_trailing_comma_array.json",
       {"json_trailing_comma_array.json:4:73: JSON syntax error: trailing comma before ']'"}},
      {"json_wrong_type.json",
       {R"(json_wrong_type.json:5:51: nodes[1] "out" .inputs: must be a list of strings or a single string, got a mapping)"}},
      {"list_for_scalar.yaml",
       {R"(list_for_scalar.yaml:4:11: nodes[0] "src" .type: must be a string, got a list)"}},
      {"many_problems.yaml",
       {R"(many_problems.yaml:5:21: nodes[0] "src" .options.path: environment variable "DATA_DIR" is not set (write ${DATA_DIR:-default} to give a default))",
        R"(many_problems.yaml:5:53: nodes[0] "src" .options: unknown option "delimitr" for operator "csv_source" (did you mean "delimiter"?))",
        R"(many_problems.yaml:7:11: nodes[1] "score" .type: unknown operator type "lineer" (did you mean "linear"?))",
        R"(many_problems.yaml:12:14: nodes[2] "features" .inputs[0]: unknown input "scr" (did you mean "src"?))",
        R"(many_problems.yaml:13:15: nodes[2] "features" .on_error: on_error must be dead_letter, skip or fail; got "ignore")",
        R"(many_problems.yaml:14:14: nodes[2] "features" .options: missing required option "columns")",
        R"(many_problems.yaml:18:36: nodes[3] "out" .options: unknown option "mode" for operator "csv_sink" (options: path))",
        "many_problems.yaml:21:12: execution.threads: must be >= 0 (0 = default), got -1",
        R"(many_problems.yaml:22:3: execution: unknown key "max_inflight" (expected one of: batch_rows, max_inflight_batches, commit_every_batches, drain_timeout_s, threads, service, max_dead_letter_share, open_timeout_s))"}},
      {"missing_required_option.yaml",
       {R"(missing_required_option.yaml:5:14: nodes[0] "src" .options: missing required option "path")",
        R"(missing_required_option.yaml:6:5: nodes[1] "out" .options: missing required option "path")"}},
      {"missing_type.yaml",
       {R"(missing_type.yaml:3:5: nodes[0] "src" .type: missing operator type)"}},
      {"monitor_as_input.yaml",
       {R"(monitor_as_input.yaml:12:19: nodes[2] "out" .inputs[1]: input "drift" is a monitor: only a sink can take its findings)"}},
      {"negative_concurrency.yaml",
       {R"(negative_concurrency.yaml:9:18: nodes[1] "out" .concurrency: must be >= 0 (0 = the operator's default), got -2)"}},
      {"no_name_no_nodes.yaml",
       {"no_name_no_nodes.yaml: pipeline: missing pipeline name",
        "no_name_no_nodes.yaml:2:8: nodes: pipeline has no nodes"}},
      {"not_a_mapping.yaml",
       {"not_a_mapping.yaml:1:1: the top level must be a mapping with keys pipeline, nodes, execution, dead_letter, serve; got a list"}},
      {"option_out_of_range.yaml",
       {R"(option_out_of_range.yaml:11:18: nodes[1] "score" .options.threshold: option "threshold" = 1.50 is out of range [0, 1])"}},
      {"monitoring_on_transform.yaml",
       {R"(monitoring_on_transform.yaml:9:17: nodes[1] "features" .monitoring: monitoring applies only to monitors; operator "scale" is a transform)",
        R"(monitoring_on_transform.yaml:14:33: nodes[2] "drift" .monitoring.queue_batches: must be >= 0 (0 = default 4), got -1)"}},
      {"ordered_on_transform.yaml",
       {R"(ordered_on_transform.yaml:9:14: nodes[1] "features" .ordered: ordered applies only to sinks; operator "scale" is a transform)"}},
      {"pbtxt_syntax.pbtxt",
       {"pbtxt_syntax.pbtxt:4:16: protobuf text syntax error: Expected integer, got: many"}},
      {"pbtxt_unknown_field.pbtxt",
       {R"(pbtxt_unknown_field.pbtxt:4:3: unknown field "typ" in Node (did you mean "type"?))"}},
      {"secret_not_echoed.yaml",
       {R"(secret_not_echoed.yaml:11:16: nodes[1] "push" .options.api_key: option "api_key" must be a string, got a list)",
        R"(secret_not_echoed.yaml:12:12: nodes[1] "push" .options.pin: option "pin" = <secret> is out of range [1000, 9999])"}},
      {"self_and_repeated_input.yaml",
       {R"(self_and_repeated_input.yaml:8:19: nodes[1] "out" .inputs[1]: node lists itself as an input)",
        R"(self_and_repeated_input.yaml:8:24: nodes[1] "out" .inputs[2]: input "src" is listed twice)"}},
      {"sink_as_input.yaml",
       {R"(sink_as_input.yaml:12:14: nodes[2] "copy" .inputs[0]: input "out" is a sink and has no output)"}},
      {"sink_without_inputs.yaml",
       {R"(sink_without_inputs.yaml:6:5: nodes[1] "out" .inputs: operator "csv_sink" is a sink and needs at least one input)"}},
      {"source_with_inputs.yaml",
       {R"(source_with_inputs.yaml:8:13: nodes[1] "src2" .inputs: operator "csv_source" is a source and takes no inputs)"}},
      {"text_for_number.yaml",
       {R"(text_for_number.yaml:11:15: execution.batch_rows: must be an integer, got "lots")"}},
      {"unknown_input.yaml",
       {R"(unknown_input.yaml:12:14: nodes[2] "out" .inputs[0]: unknown input "featurs" (did you mean "features"?))"}},
      {"unknown_node_key.yaml",
       {R"(unknown_node_key.yaml:9:5: nodes[1] "out": unknown key "concurency" (did you mean "concurrency"?))"}},
      {"unknown_operator.yaml",
       {R"(unknown_operator.yaml:7:11: nodes[1] "score" .type: unknown operator type "xgbost" (did you mean "xgboost"?))"}},
      {"unknown_option.yaml",
       {R"(unknown_option.yaml:11:17: nodes[1] "score" .options: unknown option "treshold" for operator "linear" (did you mean "threshold"?))"}},
      {"unknown_top_key.yaml",
       {R"(unknown_top_key.yaml:10:1: unknown key "executon" (did you mean "execution"?))"}},
      {"unset_env.yaml",
       {R"(unset_env.yaml:5:21: nodes[0] "src" .options.path: environment variable "DATA_DIR" is not set (write ${DATA_DIR:-default} to give a default))"}},
      {"wrong_option_type.yaml",
       {R"(wrong_option_type.yaml:9:41: nodes[1] "score" .options.threshold: option "threshold" must be a double, got "high")"}},
      {"yaml_syntax.yaml",
       {"yaml_syntax.yaml:5:34: YAML syntax error: illegal flow end"}},
      {"yaml_tab_indentation.yaml",
       {"yaml_tab_indentation.yaml:4:1: YAML syntax error: tab character in indentation (YAML indents with spaces only)"}},

  };
  // clang-format on
  return cases;
}

class BrokenFileTest : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenFileTest, ReportsExactlyTheseDiagnostics) {
  const BrokenCase& c = GetParam();
  Diagnostics diags;
  Status status;
  std::vector<std::string> lines = Validate(c.file, &diags, &status);
  EXPECT_EQ(lines, c.expected) << ::testing::PrintToString(lines);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(status.message().rfind(kBroken + lines.front(), 0), 0u) << status.message();
}

INSTANTIATE_TEST_SUITE_P(Broken, BrokenFileTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<BrokenCase>& info) {
                           std::string name = info.param.file;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(BrokenFilesTest, SecretValuesAreNeverEchoed) {
  Diagnostics diags;
  Status status;
  Validate("secret_not_echoed.yaml", &diags, &status);
  ASSERT_EQ(diags.size(), 2u);
  for (const std::string& text : {diags.ToString(), status.message()}) {
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("hunter2")));
    EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("31337")));
  }
}

// many_problems.yaml has problems for the reader (unset variable, unknown key), the
// structure check (operator, input, on_error, threads) and the option check (unknown
// and missing options): one run reports them all, in file order.
TEST(BrokenFilesTest, AllProblemsOfAFileAreReportedAtOnce) {
  Diagnostics diags;
  Status status;
  std::vector<std::string> lines = Validate("many_problems.yaml", &diags, &status);
  EXPECT_EQ(lines.size(), 9u);
  EXPECT_THAT(status.message(), ::testing::EndsWith("(and 8 more)"));
  std::vector<int> line_numbers;
  for (const auto& d : diags.list()) line_numbers.push_back(d.line);
  EXPECT_TRUE(std::is_sorted(line_numbers.begin(), line_numbers.end()));
}

// Every file in data/broken/ has a case, and the cases are distinct files.
TEST(BrokenFilesTest, EveryFixtureIsCovered) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kBroken)) {
    files.insert(entry.path().filename().string());
  }
  std::set<std::string> covered;
  for (const auto& c : Cases()) EXPECT_TRUE(covered.insert(c.file).second) << c.file;
  EXPECT_EQ(files, covered);
  EXPECT_GE(covered.size(), 22u);
}

}  // namespace
}  // namespace trestle::core
