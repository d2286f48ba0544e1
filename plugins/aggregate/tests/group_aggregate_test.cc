#include <cmath>

#include "quantile_sketch.hpp"
#include "support.hpp"

namespace agt {
namespace {

Batch customers() {
  return BatchBuilder()
      .str("country", {"de", "fr", "de", std::nullopt, "fr", "de"})
      .i64("customer_id", {1, 2, 1, 4, 5, std::nullopt})
      .f64("score", {0.25, 0.75, 0.5, 1.0, std::nullopt, 0.75})
      .boolean("active", {true, false, true, std::nullopt, true, false})
      .build();
}

const StringMap kInsights = {{"customers", {"count"}},
                             {"mean_score", {"mean", "score"}},
                             {"p90_score", {"quantile", "score", "0.9"}},
                             {"high_share", {"share_above", "score", "0.5"}},
                             {"distinct_ids", {"count_distinct", "customer_id"}},
                             {"active_sum", {"sum", "active"}}};

TEST(GroupAggregate, ComputesEachAggregatePerGroupSortedWithNullsFirst) {
  auto out = aggregate(options({"country"}, kInsights), {customers()});
  ASSERT_EQ(out.size(), 1u);
  const Batch& b = out[0];
  // The key, then the aggregates in name order.
  EXPECT_EQ(b.schema().names(), (std::vector<std::string>{"country", "active_sum", "customers", "distinct_ids", "high_share",
                                                          "mean_score", "p90_score"}));
  EXPECT_EQ(b.schema().field(2).type, Type::Int64);
  EXPECT_EQ(b.schema().field(4).type, Type::Float64);
  ASSERT_EQ(b.num_rows(), 3);
  EXPECT_TRUE(b.column("country").is_null(0));
  EXPECT_EQ(b.column("country").str(1), "de");
  EXPECT_EQ(b.column("country").str(2), "fr");
  EXPECT_EQ(trestle::testing::ints(b.column("customers")), (std::vector<int64_t>{1, 3, 2}));
  EXPECT_EQ(trestle::testing::ints(b.column("distinct_ids")), (std::vector<int64_t>{1, 1, 2}));  // a null id is not a value
  EXPECT_EQ(trestle::testing::doubles(b.column("active_sum")), (std::vector<double>{0, 2, 1}));  // a null bool adds nothing
  EXPECT_EQ(b.column("mean_score").f64(0), 1.0);
  EXPECT_EQ(b.column("mean_score").f64(1), 0.5);
  EXPECT_EQ(b.column("mean_score").f64(2), 0.75);  // the null score is ignored
  EXPECT_EQ(b.column("high_share").f64(1), 1.0 / 3);
  EXPECT_EQ(b.column("high_share").f64(2), 1.0);
  trestle_support::QuantileSketch de;
  for (double v : {0.25, 0.5, 0.75}) de.add(v);
  EXPECT_EQ(b.column("p90_score").f64(1), de.quantile(0.9));
  EXPECT_NEAR(b.column("p90_score").f64(1), 0.5, 0.5 * 0.005);  // rank floor(0.9 * 2) = 1
}

TEST(GroupAggregate, GroupsWithoutValuesGiveNullButCountAndSumDoNot) {
  Batch in = BatchBuilder().i32("k", {1, 1, 2}).f64("x", {std::nullopt, std::nullopt, 3.0}).build();
  auto out = aggregate(options({"k"}, {{"n", {"count"}},
                                       {"nx", {"count", "x"}},
                                       {"s", {"sum", "x"}},
                                       {"m", {"mean", "x"}},
                                       {"lo", {"min", "x"}},
                                       {"hi", {"max", "x"}},
                                       {"q", {"quantile", "x", "0.5"}},
                                       {"a", {"share_above", "x", "0"}},
                                       {"d", {"count_distinct", "x"}}}),
                       {in});
  ASSERT_EQ(out.size(), 1u);
  const auto rows = dump(out);
  ASSERT_EQ(rows.size(), 2u);
  // k | a | d | hi | lo | m | n | nx | q | s
  EXPECT_EQ(rows[0], "1 | null | 0 | null | null | null | 2 | 0 | null | 0x0p+0");
  EXPECT_EQ(rows[1], "2 | 0x1p+0 | 1 | 0x1.8p+1 | 0x1.8p+1 | 0x1.8p+1 | 1 | 1 | " +
                         cell(BatchBuilder().f64("v", {trestle_support::QuantileSketch().round(3.0)}).build().column(0), 0) +
                         " | 0x1.8p+1");
}

TEST(GroupAggregate, MinAndMaxKeepTheInputType) {
  Batch in = BatchBuilder()
                 .str("k", {"a", "a", "b"})
                 .str("s", {"pear", "apple", std::nullopt})
                 .ts("t", {5, -3, 7})
                 .boolean("b", {false, true, true})
                 .i32("i", {-7, 4, 0})
                 .f32("f", {1.5f, -2.5f, 0.0f})
                 .build();
  auto out = aggregate(options({"k"}, {{"s_min", {"min", "s"}},
                                       {"s_max", {"max", "s"}},
                                       {"t_min", {"min", "t"}},
                                       {"b_max", {"max", "b"}},
                                       {"i_min", {"min", "i"}},
                                       {"f_max", {"max", "f"}}}),
                       {in});
  ASSERT_EQ(out.size(), 1u);
  const Batch& b = out[0];
  EXPECT_EQ(b.column("s_min").type(), Type::Utf8);
  EXPECT_EQ(b.column("t_min").type(), Type::TimestampUs);
  EXPECT_EQ(b.column("b_max").type(), Type::Bool);
  EXPECT_EQ(b.column("i_min").type(), Type::Int32);
  EXPECT_EQ(b.column("f_max").type(), Type::Float32);
  EXPECT_EQ(dump(out), (std::vector<std::string>{"'a' | true | 0x1.8p+0f | -7 | 'pear' | 'apple' | ts-3",
                                                 "'b' | true | 0x0p+0f | 0 | null | null | ts7"}));
}

TEST(GroupAggregate, SeveralKeyColumnsOfEveryTypeSortPerColumn) {
  Batch in = BatchBuilder()
                 .f64("f", {1.0, -0.0, 0.0, NAN, -INFINITY, std::nullopt, 1.0})
                 .boolean("b", {true, false, false, true, std::nullopt, true, false})
                 .build();
  auto out = aggregate(options({"f", "b"}, {{"n", {"count"}}}), {in});
  // Floats: null, -inf, 0 (with -0.0), 1, NaN; then bools: null, false, true.
  EXPECT_EQ(dump(out), (std::vector<std::string>{"null | true | 1", "-inf | null | 1", "0x0p+0 | false | 2",
                                                 "0x1p+0 | false | 1", "0x1p+0 | true | 1", "nan | true | 1"}));
}

TEST(GroupAggregate, StreamsTheResultInBatchesOfMaxRows) {
  std::vector<std::optional<int64_t>> keys;
  for (int64_t i = 0; i < 25; ++i) keys.push_back(24 - i);
  auto out = aggregate(options({"k"}, {{"n", {"count"}}}), {BatchBuilder().i64("k", keys).build()}, 10);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].num_rows(), 10);
  EXPECT_EQ(out[2].num_rows(), 5);
  EXPECT_EQ(out[0].column("k").i64(0), 0);
  EXPECT_EQ(out[2].column("k").i64(4), 24);
}

TEST(GroupAggregate, EmptyInputGivesNoRows) {
  Batch empty = BatchBuilder().i64("k", {}).f64("x", {}).build();
  auto out = aggregate(options({"k"}, {{"n", {"count"}}, {"m", {"mean", "x"}}}), {empty, empty});
  EXPECT_TRUE(out.empty());
}

TEST(GroupAggregate, StringKeysWithZeroBytesAndPrefixesStayApart) {
  using namespace std::string_literals;
  Batch in = BatchBuilder().str("k", {"a"s, "a\0"s, "a\0b"s, "ab"s, ""s, "a"s}).build();
  auto out = aggregate(options({"k"}, {{"n", {"count"}}}), {in});
  ASSERT_EQ(out.size(), 1u);
  const auto& k = out[0].column("k");
  ASSERT_EQ(out[0].num_rows(), 5);
  EXPECT_EQ(k.str(0), ""s);
  EXPECT_EQ(k.str(1), "a"s);
  EXPECT_EQ(k.str(2), "a\0"s);
  EXPECT_EQ(k.str(3), "a\0b"s);
  EXPECT_EQ(k.str(4), "ab"s);
  EXPECT_EQ(out[0].column("n").i64(1), 2);
}

TEST(GroupAggregate, SumsAreExactAndCorrectlyRounded) {
  // The running double sum of these in order is 0; the exact sum is 1e-100.
  Batch in = BatchBuilder()
                 .i64("k", {1, 1, 1, 1, 1, 1, 1})
                 .f64("x", {1e100, 1.0, -1e100, 1e-100, 1e50, -1.0, -1e50})
                 .build();
  auto out = aggregate(options({"k"}, {{"s", {"sum", "x"}}, {"m", {"mean", "x"}}}), {in});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].column("s").f64(0), 1e-100);
  EXPECT_EQ(out[0].column("m").f64(0), 1e-100 / 7);
}

TEST(GroupAggregate, NaNAndInfinitiesInSums) {
  Batch in = BatchBuilder()
                 .i64("k", {1, 1, 2, 2, 3, 3})
                 .f64("x", {INFINITY, 1.0, INFINITY, -INFINITY, NAN, 2.0})
                 .build();
  auto out = aggregate(options({"k"}, {{"s", {"sum", "x"}}, {"q", {"quantile", "x", "1"}}}), {in});
  EXPECT_EQ(dump(out), (std::vector<std::string>{"1 | " + cell(BatchBuilder().f64("v", {trestle_support::QuantileSketch().round(1.0)}).build().column(0), 0) + " | inf",
                                                 "2 | null | nan", "3 | " + cell(BatchBuilder().f64("v", {trestle_support::QuantileSketch().round(2.0)}).build().column(0), 0) + " | nan"}));
}

TEST(GroupAggregate, SpecIsAnAggregatingTransformWithFinish) {
  trestle::testing::Harness<GroupAggregate> h(options({"k"}, {{"n", {"count"}}}));
  EXPECT_NE(h.def()->flags & TRESTLE_OP_AGGREGATE, 0);
  ASSERT_NE(h.def()->process, nullptr);
  EXPECT_NE(h.def()->process->finish, nullptr);
  Schema out = h.open(BatchBuilder().i64("k", {1}).build().schema());
  EXPECT_EQ(out.names(), (std::vector<std::string>{"k", "n"}));
  EXPECT_EQ(h.process(BatchBuilder().i64("k", {1, 2}).build()).num_rows(), 0);
  EXPECT_EQ(h.process(BatchBuilder().i64("k", {2, 3, 2}).build()).num_rows(), 0);
  // Through the ABI's finish(), as the runtime calls it: one row per key, at most
  // max_rows per call, then the end.
  std::optional<Batch> first = h.finish(2), second = h.finish(2);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(dump({*first}), (std::vector<std::string>{"1 | 1", "2 | 3"}));
  EXPECT_EQ(dump({*second}), (std::vector<std::string>{"3 | 1"}));
  EXPECT_FALSE(h.finish(2).has_value());
}

}  // namespace
}  // namespace agt
