#include "add_columns.hpp"

#include "support.hpp"

namespace ft {
namespace {

using features::AddColumns;

Batch input() { return BatchBuilder().i64("id", {1, 2, std::nullopt}).str("name", {"x", "y", "z"}).build(); }

TEST(AddColumns, AppendsTypedConstantsInNameOrderAndSharesTheInput) {
  Harness<AddColumns> h(Options()
                            .set("columns", StringMap{{"shard", {"2"}},
                                                      {"run_date", {"2026-12-01"}},
                                                      {"weight", {"0.5"}},
                                                      {"live", {"true"}},
                                                      {"at", {"2026-12-01T06:00:00Z"}}})
                            .set("types", StringMap{{"shard", {"int64"}},
                                                    {"weight", {"float64"}},
                                                    {"live", {"bool"}},
                                                    {"at", {"timestamp"}}}));
  Batch in = input();
  Batch out = run(h, in);
  EXPECT_EQ(out.schema().names(), (StringList{"id", "name", "at", "live", "run_date", "shard", "weight"}));
  EXPECT_EQ(out.schema().field(5).type, Type::Int64);
  EXPECT_FALSE(out.schema().field(5).nullable);
  EXPECT_EQ(out.schema().field(4).type, Type::Utf8);  // no type given
  EXPECT_EQ(i64s(out.column("shard")), (std::vector<std::optional<int64_t>>{2, 2, 2}));
  EXPECT_EQ(strs(out.column("run_date")),
            (std::vector<std::optional<std::string>>{"2026-12-01", "2026-12-01", "2026-12-01"}));
  EXPECT_EQ(f64s(out.column("weight")), (std::vector<std::optional<double>>{0.5, 0.5, 0.5}));
  EXPECT_EQ(bools(out.column("live")), (std::vector<std::optional<bool>>{true, true, true}));
  const trestle::Column& at = out.column("at");
  ASSERT_EQ(at.size(), 3);
  EXPECT_EQ(at.ts(0), int64_t{1796104800} * 1000000);  // 2026-12-01T06:00:00Z
  EXPECT_EQ(out.column("id").values_buffer(), in.column("id").values_buffer());  // not copied
}

TEST(AddColumns, AnEmptyBatchGetsEmptyColumns) {
  Harness<AddColumns> h(Options().set("columns", StringMap{{"shard", {"0"}}}).set("types", StringMap{{"shard", {"int32"}}}));
  Batch in = BatchBuilder().i64("id", {}).build();
  Batch out = run(h, in);
  EXPECT_EQ(out.num_rows(), 0);
  EXPECT_EQ(out.schema().names(), (StringList{"id", "shard"}));
  EXPECT_EQ(out.schema().field(1).type, Type::Int32);
}

TEST(AddColumns, AValueThatIsNotOfItsTypeIsRefusedNamingColumnAndValue) {
  Failure f = failure_of([] {
    Harness<AddColumns> h(Options().set("columns", StringMap{{"shard", {"one"}}}).set("types", StringMap{{"shard", {"int64"}}}));
  });
  EXPECT_EQ(f.code, TRESTLE_INVALID_ARGUMENT);
  EXPECT_THAT(f.message, HasSubstr("the value \"one\" of column \"shard\" is not int64"));
}

TEST(AddColumns, OptionMistakesAreNamed) {
  auto refused = [](const Options& o) {
    return failure_of([&] { Harness<AddColumns> h(o); }).message;
  };
  EXPECT_THAT(refused(Options().set("columns", StringMap{})), HasSubstr("option \"columns\" is empty"));
  EXPECT_THAT(refused(Options().set("columns", StringMap{{"a", {"1", "2"}}})),
              HasSubstr("column \"a\" exactly one value, not 2"));
  EXPECT_THAT(refused(Options().set("columns", StringMap{{"a", {"1"}}}).set("types", StringMap{{"b", {"int64"}}})),
              HasSubstr("gives a type to column \"b\", which option \"columns\" does not add"));
  EXPECT_THAT(refused(Options().set("columns", StringMap{{"a", {"1"}}}).set("types", StringMap{{"a", {"decimal"}}})),
              HasSubstr("the unknown type \"decimal\""));
}

TEST(AddColumns, AColumnTheInputHasIsRefused) {
  EXPECT_THAT(invalid<AddColumns>(Options().set("columns", StringMap{{"name", {"n"}}}), input()),
              HasSubstr("adds column \"name\", which the input already has"));
}

}  // namespace
}  // namespace ft
