#include "one_hot.hpp"

#include "support.hpp"

namespace ft {
namespace {

using features::OneHot;
using Col = std::vector<std::optional<double>>;

Batch input() {
  return BatchBuilder().i64("id", {1, 2, 3, 4, 5}).str("country", {"DE", "FR", std::nullopt, "XX", "DE"}).build();
}

Options encode(const std::string& unknown) {
  return Options()
      .set("columns", StringList{"country"})
      .set("categories", StringMap{{"country", {"DE", "FR"}}})
      .set("unknown", unknown);
}

TEST(OneHot, BucketAddsAnUnknownColumn) {
  Harness<OneHot> h(encode("bucket"));
  Batch in = input();
  Batch out = run(h, in);
  EXPECT_EQ(out.schema().names(), (StringList{"id", "country=DE", "country=FR", "country=__unknown__"}));
  EXPECT_EQ(out.schema().field(1).type, Type::Float64);
  EXPECT_EQ(f64s(out.column("country=DE")), (Col{1, 0, 0, 0, 1}));
  EXPECT_EQ(f64s(out.column("country=FR")), (Col{0, 1, 0, 0, 0}));
  EXPECT_EQ(f64s(out.column("country=__unknown__")), (Col{0, 0, 0, 1, 0}));  // null is not unknown
  EXPECT_EQ(h.recorded().counters["unknown_country"], 1);
  EXPECT_TRUE(h.recorded().rejections.empty());
  EXPECT_EQ(out.column("id").values_buffer(), in.column("id").values_buffer());
}

TEST(OneHot, RejectRejectsRowsWithUnknownValues) {
  Harness<OneHot> h(encode("reject"));
  Batch out = run(h, input());
  EXPECT_EQ(rejects(h), (Rejects{{3, "column \"country\": unknown category \"XX\""}}));
  EXPECT_EQ(out.schema().names(), (StringList{"id", "country=DE", "country=FR"}));
  EXPECT_EQ(i64s(out.column("id")), (std::vector<std::optional<int64_t>>{1, 2, 3, 5}));
  EXPECT_EQ(f64s(out.column("country=DE")), (Col{1, 0, 0, 1}));
  EXPECT_EQ(f64s(out.column("country=FR")), (Col{0, 1, 0, 0}));
}

TEST(OneHot, IgnoreLeavesUnknownValuesAllZero) {
  Harness<OneHot> h(encode("ignore"));
  Batch out = run(h, input());
  EXPECT_EQ(out.schema().names(), (StringList{"id", "country=DE", "country=FR"}));
  EXPECT_EQ(f64s(out.column("country=DE")), (Col{1, 0, 0, 0, 1}));
  EXPECT_EQ(f64s(out.column("country=FR")), (Col{0, 1, 0, 0, 0}));
  EXPECT_EQ(h.recorded().counters["unknown_country"], 1);
  EXPECT_TRUE(h.recorded().rejections.empty());
}

TEST(OneHot, KeepOriginalAndSeveralColumnsInOrder) {
  Harness<OneHot> h(Options()
                        .set("columns", StringList{"plan", "country"})
                        .set("categories", StringMap{{"country", {"FR", "DE"}}, {"plan", {"pro"}}})
                        .set("keep_original", true));
  Batch out = run(h, BatchBuilder().str("country", {"DE", "FR"}).str("plan", {"pro", "free"}).build());
  EXPECT_EQ(out.schema().names(), (StringList{"country", "plan", "plan=pro", "plan=__unknown__", "country=FR", "country=DE", "country=__unknown__"}));
  EXPECT_EQ(strs(out.column("country")), (std::vector<std::optional<std::string>>{"DE", "FR"}));
  EXPECT_EQ(f64s(out.column("plan=pro")), (Col{1, 0}));
  EXPECT_EQ(f64s(out.column("plan=__unknown__")), (Col{0, 1}));
  EXPECT_EQ(f64s(out.column("country=FR")), (Col{0, 1}));
  EXPECT_EQ(f64s(out.column("country=DE")), (Col{1, 0}));
}

TEST(OneHot, ARowUnknownInTwoColumnsIsRejectedOnce) {
  Harness<OneHot> h(Options()
                        .set("columns", StringList{"a", "b"})
                        .set("categories", StringMap{{"a", {"x"}}, {"b", {"y"}}})
                        .set("unknown", std::string("reject")));
  Batch out = run(h, BatchBuilder().str("a", {"q", "x"}).str("b", {"q", "y"}).build());
  EXPECT_EQ(rejects(h), (Rejects{{0, "column \"a\": unknown category \"q\""}}));
  EXPECT_EQ(out.num_rows(), 1);
}

TEST(OneHot, BadOptionsNameTheColumn) {
  Batch in = input();
  EXPECT_THAT(invalid<OneHot>(Options().set("columns", StringList{"country"}).set("categories", StringMap{{"other", {"a"}}}), in),
              HasSubstr("option \"categories\" has an entry for column \"other\", which option \"columns\" does not list"));
  EXPECT_THAT(invalid<OneHot>(Options().set("columns", StringList{"country", "id"}).set("categories", StringMap{{"country", {"DE"}}}), in),
              HasSubstr("option \"categories\" has no entry for column \"id\""));
  EXPECT_THAT(invalid<OneHot>(Options().set("columns", StringList{"country"}).set("categories", StringMap{{"country", {}}}), in),
              HasSubstr("gives column \"country\" no categories"));
  EXPECT_THAT(invalid<OneHot>(Options().set("columns", StringList{"country"}).set("categories", StringMap{{"country", {"DE", "DE"}}}), in),
              HasSubstr("gives column \"country\" the category \"DE\" twice"));
  EXPECT_THAT(invalid<OneHot>(Options().set("columns", StringList{"country"}).set("categories", StringMap{{"country", {"__unknown__"}}}), in),
              HasSubstr("which unknown: bucket reserves for unknown values"));
  EXPECT_THAT(invalid<OneHot>(Options().set("categories", StringMap{{"country", {"DE"}}}), in), HasSubstr("missing required option \"columns\""));
}

TEST(OneHot, InputSchemaProblemsNameTheColumn) {
  Options o = Options().set("columns", StringList{"id"}).set("categories", StringMap{{"id", {"1"}}});
  EXPECT_THAT(invalid<OneHot>(o, input()), HasSubstr("requires column \"id\" as utf8, but the input has it as int64"));
  EXPECT_THAT(invalid<OneHot>(encode("bucket"), BatchBuilder().str("c", {"a"}).build()),
              HasSubstr("requires column \"country\", which the input lacks (input columns: c)"));
  EXPECT_THAT(invalid<OneHot>(encode("bucket").set("keep_original", true), BatchBuilder().str("country", {"DE"}).f64("country=FR", {1}).build()),
              HasSubstr("encoding column \"country\" makes column \"country=FR\", which already exists"));
}

}  // namespace
}  // namespace ft
