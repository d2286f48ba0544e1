#include "config/diagnostic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

Diagnostic Make(std::string file, int line, int column, std::string path, std::string node,
                std::string message) {
  return {std::move(file), line, column, std::move(path), std::move(node), std::move(message)};
}

TEST(FormatDiagnosticTest, NodeAndField) {
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 12, 14, "nodes[2].options.model", "score", "bad")),
            R"(p.yaml:12:14: nodes[2] "score" .options.model: bad)");
}

TEST(FormatDiagnosticTest, NodeOnly) {
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 7, 5, "nodes[2]", "score", "bad")),
            R"(p.yaml:7:5: nodes[2] "score": bad)");
}

TEST(FormatDiagnosticTest, PathWithoutNode) {
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 3, 1, "execution.batch_rows", "", "must be >= 1")),
            "p.yaml:3:1: execution.batch_rows: must be >= 1");
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 9, 3, "nodes[1].type", "", "missing")),
            "p.yaml:9:3: nodes[1].type: missing");
}

TEST(FormatDiagnosticTest, NoLineNoPath) {
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 0, 0, "", "", "pipeline file is empty")),
            "p.yaml: pipeline file is empty");
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 0, 0, "nodes", "", "none")), "p.yaml: nodes: none");
  EXPECT_EQ(FormatDiagnostic(Make("p.yaml", 4, 0, "", "", "x")), "p.yaml:4: x");
  EXPECT_EQ(FormatDiagnostic(Make("", 0, 0, "", "", "x")), "x");
}

TEST(FormatDiagnosticTest, NodeNameIsQuoted) {
  EXPECT_EQ(FormatDiagnostic(Make("f", 1, 1, "nodes[0].name", "a\"b", "m")),
            R"(f:1:1: nodes[0] "a\"b" .name: m)");
}

TEST(DiagnosticsTest, CollectsAndFormats) {
  Diagnostics diags;
  EXPECT_TRUE(diags.empty());
  EXPECT_TRUE(diags.ToStatus().ok());
  diags.add(Make("f", 5, 1, "nodes[1].inputs[0]", "b", "second"));
  diags.add(Make("f", 2, 3, "pipeline", "", "first"));
  diags.add(Make("f", 0, 0, "", "", "global"));
  EXPECT_EQ(diags.size(), 3u);
  EXPECT_TRUE(diags.Mentions("nodes[1]"));
  EXPECT_TRUE(diags.Mentions("nodes[1].inputs[0]"));
  EXPECT_FALSE(diags.Mentions("nodes[1].inputs[1]"));
  EXPECT_FALSE(diags.Mentions("nodes[10]"));
  diags.SortByLocation();
  EXPECT_EQ(diags.ToString(),
            "f: global\nf:2:3: pipeline: first\nf:5:1: nodes[1] \"b\" .inputs[0]: second\n");
  Status status = diags.ToStatus(1);
  EXPECT_EQ(status.code(), Code::kInvalidArgument);
  EXPECT_EQ(status.message(), "f:2:3: pipeline: first (and 1 more)");
}

TEST(SuggestNamesTest, BestFirstWithinThreshold) {
  std::vector<std::string> ops = {"xgboost", "linear", "csv_source", "csv_sink", "onnx"};
  EXPECT_THAT(SuggestNames("xgbost", ops), ElementsAre("xgboost"));
  EXPECT_THAT(SuggestNames("csv_sorce", ops), ElementsAre("csv_source"));
  EXPECT_THAT(SuggestNames("csv_snk", ops), ElementsAre("csv_sink"));
  EXPECT_THAT(SuggestNames("lineaer", ops), ElementsAre("linear"));
  EXPECT_THAT(SuggestNames("tensorflow", ops), IsEmpty());
  EXPECT_THAT(SuggestNames("linear", ops), IsEmpty());  // not a typo
  // Transposition counts as one edit; case is ignored.
  EXPECT_THAT(SuggestNames("lniear", ops), ElementsAre("linear"));
  EXPECT_THAT(SuggestNames("XGBoost", ops), ElementsAre("xgboost"));
  // Short names allow one edit only.
  EXPECT_THAT(SuggestNames("onx", ops), ElementsAre("onnx"));
  EXPECT_THAT(SuggestNames("ab", {"ax", "xy"}), ElementsAre("ax"));
  // Several candidates: closest first, ties in candidate order.
  EXPECT_THAT(SuggestNames("thresold", {"thresholds", "threshold"}),
              ElementsAre("threshold", "thresholds"));
  EXPECT_THAT(SuggestNames("mode", {"model", "node", "xyz", "modes"}),
              ElementsAre("model", "node", "modes"));
}

TEST(SuggestNamesTest, DidYouMean) {
  EXPECT_EQ(DidYouMean("skp", {"dead_letter", "skip", "fail"}), R"( (did you mean "skip"?))");
  EXPECT_EQ(DidYouMean("retry_everything", {"dead_letter", "skip", "fail"}), "");
}

TEST(QuoteTest, EscapesAndTruncates) {
  EXPECT_EQ(Quote("a\"b\\c\n"), R"("a\"b\\c\n")");
  EXPECT_EQ(Quote("abcdef", 3), R"("abc...")");
  // Cuts by bytes but never inside a character.
  EXPECT_EQ(Quote("\xc3\xa9t\xc3\xa9", 1), "\"\xc3\xa9...\"");
}

}  // namespace
}  // namespace trestle::core
