#include "select.hpp"

#include "support.hpp"

namespace ft {
namespace {

using features::Select;

Batch input() {
  return BatchBuilder().i64("a", {1, 2, std::nullopt}).f64("b", {0.5, 1.5, 2.5}).str("c", {"x", "y", "z"}).build();
}

TEST(Select, DefaultsPassEveryColumnThrough) {
  Harness<Select> h;
  Batch out = run(h, input());
  EXPECT_EQ(out.schema().names(), (StringList{"a", "b", "c"}));
  EXPECT_EQ(out.num_rows(), 3);
}

TEST(Select, KeepReordersAndSharesTheColumns) {
  Harness<Select> h(Options().set("keep", StringList{"c", "a"}));
  Batch in = input();
  Batch out = run(h, in);
  EXPECT_EQ(out.schema().names(), (StringList{"c", "a"}));
  EXPECT_EQ(strs(out.column("c")), (std::vector<std::optional<std::string>>{"x", "y", "z"}));
  EXPECT_EQ(i64s(out.column("a")), (std::vector<std::optional<int64_t>>{1, 2, std::nullopt}));
  EXPECT_EQ(out.column("a").values_buffer(), in.column("a").values_buffer());  // not copied
  EXPECT_EQ(out.column("c").data_buffer(), in.column("c").data_buffer());
}

TEST(Select, DropKeepsTheOrderOfTheRest) {
  Harness<Select> h(Options().set("drop", StringList{"b"}));
  EXPECT_EQ(run(h, input()).schema().names(), (StringList{"a", "c"}));
}

TEST(Select, RenameAppliesToTheKeptColumns) {
  Harness<Select> h(Options().set("keep", StringList{"b", "a"}).set("rename", StringMap{{"a", {"id"}}}));
  Batch out = run(h, input());
  EXPECT_EQ(out.schema().names(), (StringList{"b", "id"}));
  EXPECT_EQ(out.schema().field(1).type, Type::Int64);
  EXPECT_EQ(i64s(out.column("id")), (std::vector<std::optional<int64_t>>{1, 2, std::nullopt}));
}

TEST(Select, RenameCanSwapNames) {
  Harness<Select> h(Options().set("rename", StringMap{{"a", {"b"}}, {"b", {"a"}}}));
  Batch out = run(h, input());
  EXPECT_EQ(out.schema().names(), (StringList{"b", "a", "c"}));
  EXPECT_EQ(out.schema().field(0).type, Type::Int64);
  EXPECT_EQ(f64s(out.column("a")), (std::vector<std::optional<double>>{0.5, 1.5, 2.5}));
}

TEST(Select, KeepAndDropTogetherAreRefusedNamingBoth) {
  std::string m = invalid<Select>(Options().set("keep", StringList{"a"}).set("drop", StringList{"b"}), input());
  EXPECT_THAT(m, HasSubstr("\"keep\""));
  EXPECT_THAT(m, HasSubstr("\"drop\""));
}

TEST(Select, UnknownColumnsAreNamedWithTheAvailableOnes) {
  for (const char* option : {"keep", "drop"}) {
    std::string m = invalid<Select>(Options().set(option, StringList{"a", "zz"}), input());
    EXPECT_THAT(m, HasSubstr("\"zz\""));
    EXPECT_THAT(m, HasSubstr(option));
    EXPECT_THAT(m, HasSubstr("input columns: a, b, c"));
  }
  std::string m = invalid<Select>(Options().set("rename", StringMap{{"zz", {"y"}}}), input());
  EXPECT_THAT(m, HasSubstr("\"zz\""));
  EXPECT_THAT(m, HasSubstr("input columns: a, b, c"));
}

TEST(Select, RenameNeedsExactlyOneNewName) {
  EXPECT_THAT(invalid<Select>(Options().set("rename", StringMap{{"a", {"x", "y"}}}), input()),
              HasSubstr("option \"rename\" must give column \"a\" exactly one new name, not 2"));
  EXPECT_THAT(invalid<Select>(Options().set("rename", StringMap{{"a", {}}}), input()), HasSubstr("column \"a\" exactly one new name, not 0"));
  EXPECT_THAT(invalid<Select>(Options().set("rename", StringMap{{"a", {""}}}), input()), HasSubstr("gives column \"a\" an empty name"));
}

TEST(Select, RenameCollisionsNameBothColumns) {
  EXPECT_THAT(invalid<Select>(Options().set("rename", StringMap{{"a", {"b"}}}), input()),
              HasSubstr("would give columns \"a\" and \"b\" the same name \"b\""));
  EXPECT_THAT(invalid<Select>(Options().set("rename", StringMap{{"a", {"n"}}, {"c", {"n"}}}), input()),
              HasSubstr("would give columns \"a\" and \"c\" the same name \"n\""));
  // No collision once the other column is dropped.
  Harness<Select> h(Options().set("drop", StringList{"b"}).set("rename", StringMap{{"a", {"b"}}}));
  EXPECT_EQ(run(h, input()).schema().names(), (StringList{"b", "c"}));
}

TEST(Select, RenamingARemovedColumnIsRefused) {
  EXPECT_THAT(invalid<Select>(Options().set("drop", StringList{"a"}).set("rename", StringMap{{"a", {"x"}}}), input()),
              HasSubstr("renames column \"a\", which option \"drop\" removes"));
  EXPECT_THAT(invalid<Select>(Options().set("keep", StringList{"b"}).set("rename", StringMap{{"a", {"x"}}}), input()),
              HasSubstr("renames column \"a\", which option \"keep\" removes"));
}

TEST(Select, DroppingEverythingOrKeepingTwiceIsRefused) {
  EXPECT_THAT(invalid<Select>(Options().set("drop", StringList{"a", "b", "c"}), input()), HasSubstr("removes every column"));
  EXPECT_THAT(invalid<Select>(Options().set("keep", StringList{"a", "a"}), input()), HasSubstr("names column \"a\" twice"));
}

TEST(Select, EmptyBatch) {
  Harness<Select> h(Options().set("keep", StringList{"b"}));
  Batch out = run(h, Batch::empty(input().schema()));
  EXPECT_EQ(out.num_rows(), 0);
  EXPECT_EQ(out.schema().names(), (StringList{"b"}));
}

}  // namespace
}  // namespace ft
