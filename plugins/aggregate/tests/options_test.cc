#include "support.hpp"

namespace agt {
namespace {

Schema input() {
  return BatchBuilder()
      .str("country", {"de"})
      .i64("id", {1})
      .f64("score", {0.5})
      .boolean("flag", {true})
      .str("name", {"x"})
      .build()
      .schema();
}

std::string error(const StringMap& aggregates, const StringList& by = {"country"}) {
  return open_error(options(by, aggregates), input());
}

TEST(GroupAggregateOptions, ValidOptionsOpen) {
  EXPECT_EQ(error({{"n", {"count"}},
                   {"nn", {"count", "name"}},
                   {"s", {"sum", "flag"}},  // bool counts as 0/1
                   {"m", {"mean", "id"}},
                   {"lo", {"min", "name"}},
                   {"hi", {"max", "score"}},
                   {"d", {"count_distinct", "name"}},
                   {"q0", {"quantile", "score", "0"}},
                   {"q1", {"quantile", "score", "1"}},
                   {"a", {"share_above", "score", "-1.5"}}}),
            "");
}

TEST(GroupAggregateOptions, UnknownFunction) {
  EXPECT_THAT(error({{"avg_score", {"average", "score"}}}),
              AllOf(HasSubstr("\"aggregates\""), HasSubstr("\"avg_score\""), HasSubstr("unknown function \"average\"")));
  EXPECT_THAT(error({{"nothing", {}}}), AllOf(HasSubstr("\"nothing\""), HasSubstr("is empty")));
}

TEST(GroupAggregateOptions, MissingAndExtraArguments) {
  for (const char* fn : {"sum", "mean", "min", "max", "count_distinct"}) {
    EXPECT_THAT(error({{"out", {fn}}}), AllOf(HasSubstr("\"out\""), HasSubstr("too few arguments"))) << fn;
    EXPECT_THAT(error({{"out", {fn, "score", "1"}}}), AllOf(HasSubstr("\"out\""), HasSubstr("too many arguments"))) << fn;
  }
  EXPECT_THAT(error({{"p90", {"quantile", "score"}}}), AllOf(HasSubstr("\"p90\""), HasSubstr("too few arguments")));
  EXPECT_THAT(error({{"p90", {"quantile", "score", "0.9", "x"}}}), AllOf(HasSubstr("\"p90\""), HasSubstr("too many")));
  EXPECT_THAT(error({{"hs", {"share_above", "score"}}}), AllOf(HasSubstr("\"hs\""), HasSubstr("too few arguments")));
  EXPECT_THAT(error({{"n", {"count", "score", "x"}}}), AllOf(HasSubstr("\"n\""), HasSubstr("too many arguments")));
}

TEST(GroupAggregateOptions, UnknownColumns) {
  EXPECT_THAT(error({{"m", {"mean", "scor"}}}),
              AllOf(HasSubstr("\"m\""), HasSubstr("column \"scor\" is not in the input"), HasSubstr("score")));
  EXPECT_THAT(error({{"n", {"count"}}}, {"region"}), AllOf(HasSubstr("\"by\""), HasSubstr("\"region\" is not in the input")));
  EXPECT_THAT(error({{"n", {"count", "nope"}}}), HasSubstr("\"nope\""));
}

TEST(GroupAggregateOptions, NonNumericColumns) {
  for (const auto& spec : std::vector<StringList>{{"sum", "name"}, {"mean", "name"}, {"quantile", "name", "0.5"}, {"share_above", "name", "1"}})
    EXPECT_THAT(error({{"bad", spec}}), AllOf(HasSubstr("\"bad\""), HasSubstr(spec[0] + " needs a numeric column"),
                                             HasSubstr("\"name\" is utf8")));
}

TEST(GroupAggregateOptions, QuantileAndThresholdValues) {
  EXPECT_THAT(error({{"p", {"quantile", "score", "1.5"}}}), AllOf(HasSubstr("\"p\""), HasSubstr("outside [0, 1]")));
  EXPECT_THAT(error({{"p", {"quantile", "score", "-0.1"}}}), HasSubstr("outside [0, 1]"));
  EXPECT_THAT(error({{"p", {"quantile", "score", "p90"}}}), AllOf(HasSubstr("\"p\""), HasSubstr("\"p90\" is not a finite number")));
  EXPECT_THAT(error({{"h", {"share_above", "score", "high"}}}), AllOf(HasSubstr("\"h\""), HasSubstr("threshold \"high\"")));
  EXPECT_THAT(error({{"h", {"share_above", "score", "nan"}}}), HasSubstr("not a finite number"));
}

TEST(GroupAggregateOptions, ByAndOutputNames) {
  EXPECT_THAT(error({{"n", {"count"}}}, {}), AllOf(HasSubstr("\"by\""), HasSubstr("at least one")));
  EXPECT_THAT(error({{"n", {"count"}}}, {"country", "country"}), HasSubstr("\"country\" is listed twice"));
  EXPECT_THAT(error({{"country", {"count"}}}), AllOf(HasSubstr("\"country\""), HasSubstr("name of a \"by\" column")));
  EXPECT_THAT(error({}), AllOf(HasSubstr("\"aggregates\""), HasSubstr("at least one")));
}

TEST(GroupAggregateOptions, MemoryBudget) {
  auto budget_error = [](const std::string& b) { return open_error(options({"country"}, {{"n", {"count"}}}, b), input()); };
  EXPECT_EQ(budget_error("64MiB"), "");
  EXPECT_EQ(budget_error("64 mib"), "");
  EXPECT_EQ(budget_error("268435456"), "");
  EXPECT_EQ(budget_error("2GB"), "");
  EXPECT_THAT(budget_error("64XB"), AllOf(HasSubstr("\"memory_budget\""), HasSubstr("unknown unit \"XB\"")));
  EXPECT_THAT(budget_error("lots"), AllOf(HasSubstr("\"memory_budget\""), HasSubstr("does not start with a number")));
  EXPECT_THAT(budget_error("-5MiB"), HasSubstr("\"memory_budget\""));
  EXPECT_THAT(budget_error("100"), AllOf(HasSubstr("\"memory_budget\""), HasSubstr("below the minimum")));
  EXPECT_THAT(budget_error("99999999999GiB"), HasSubstr("too large"));
  GroupAggregate op(options({"country"}, {{"n", {"count"}}}, "3MiB"));
  EXPECT_EQ(op.memory_budget(), 3u << 20);
}

TEST(GroupAggregateOptions, RelativeAccuracyAndSpillDir) {
  Options o = options({"country"}, {{"n", {"count"}}});
  o.set("relative_accuracy", 0.9);
  EXPECT_THAT(open_error(o, input()), AllOf(HasSubstr("\"relative_accuracy\""), HasSubstr("outside")));
  Options d = options({"country"}, {{"n", {"count"}}}, "1MiB", "/nonexistent/spill");
  EXPECT_THAT(open_error(d, input()), AllOf(HasSubstr("\"spill_dir\""), HasSubstr("/nonexistent/spill"), HasSubstr("not an existing directory")));
}

}  // namespace
}  // namespace agt
