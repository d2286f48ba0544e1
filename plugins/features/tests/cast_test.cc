#include "cast.hpp"

#include <cmath>
#include <limits>

#include "support.hpp"

namespace ft {
namespace {

using features::Cast;
template <typename T>
using Col = std::vector<std::optional<T>>;

Options cast(const std::string& column, const std::string& type) { return Options().set("columns", StringMap{{column, {type}}}); }

TEST(Cast, StringsToIntegers) {
  Harness<Cast> h(cast("n", "int64"));
  Batch out = run(h, BatchBuilder().str("n", {"1", " 42 ", "-7", "+8", "3.0", "1e3", std::nullopt}).build());
  EXPECT_EQ(out.schema().field(0).type, Type::Int64);
  EXPECT_EQ(i64s(out.column("n")), (Col<int64_t>{1, 42, -7, 8, 3, 1000, std::nullopt}));
  EXPECT_TRUE(h.recorded().rejections.empty());
}

TEST(Cast, StringsToFloatsAndBools) {
  Harness<Cast> h(Options().set("columns", StringMap{{"x", {"float64"}}, {"f", {"float32"}}, {"b", {"bool"}}}));
  Batch out = run(h, BatchBuilder()
                         .str("x", {"0.5", "-1e-3", "7"})
                         .str("f", {"0.25", "-2", "1e3"})
                         .str("b", {"true", "FALSE", "1"})
                         .build());
  EXPECT_EQ(f64s(out.column("x")), (Col<double>{0.5, -0.001, 7.0}));
  EXPECT_EQ(f32s(out.column("f")), (Col<float>{0.25f, -2.0f, 1000.0f}));
  EXPECT_EQ(bools(out.column("b")), (Col<bool>{true, false, true}));
}

TEST(Cast, NumbersAndBoolsToStrings) {
  Harness<Cast> h(Options().set("columns", StringMap{{"i", {"string"}}, {"d", {"utf8"}}, {"f", {"utf8"}}, {"b", {"utf8"}}}));
  Batch out = run(h, BatchBuilder()
                         .i64("i", {-5, 123456789012, std::nullopt})
                         .f64("d", {1.0 / 3, 2.5, std::nan("")})
                         .f32("f", {0.1f, -4.0f, 1e10f})
                         .boolean("b", {true, false, std::nullopt})
                         .build());
  EXPECT_EQ(strs(out.column("i")), (Col<std::string>{"-5", "123456789012", std::nullopt}));
  EXPECT_EQ(strs(out.column("d")), (Col<std::string>{"0.3333333333333333", "2.5", "nan"}));
  EXPECT_EQ(strs(out.column("f")), (Col<std::string>{"0.1", "-4", "1e+10"}));
  EXPECT_EQ(strs(out.column("b")), (Col<std::string>{"true", "false", std::nullopt}));
}

TEST(Cast, TimestampsFromAndToStringsAndIntegers) {
  Harness<Cast> h(Options().set("columns", StringMap{{"s", {"timestamp"}}, {"t", {"utf8"}}, {"u", {"int64"}}, {"i", {"timestamp[us]"}}}));
  Batch out = run(h, BatchBuilder()
                         .str("s", {"2024-03-01T12:30:00Z", "2024-03-01", "2024-03-01 12:30:00.5+02:00"})
                         .ts("t", {1709296200000000, 1709289000500000, -1})
                         .ts("u", {1709251200000000, 0, -1})
                         .i64("i", {1704067200000000, 0, 1})
                         .build());
  EXPECT_EQ(out.schema().field(0).type, Type::TimestampUs);
  EXPECT_EQ(i64s(out.column("s")), (Col<int64_t>{1709296200000000, 1709251200000000, 1709289000500000}));
  EXPECT_EQ(strs(out.column("t")), (Col<std::string>{"2024-03-01T12:30:00", "2024-03-01T10:30:00.500000", "1969-12-31T23:59:59.999999"}));
  EXPECT_EQ(i64s(out.column("u")), (Col<int64_t>{1709251200000000, 0, -1}));
  EXPECT_EQ(i64s(out.column("i")), (Col<int64_t>{1704067200000000, 0, 1}));
}

TEST(Cast, AmongNumbers) {
  Harness<Cast> h(Options().set("columns", StringMap{{"a", {"int32"}}, {"b", {"float64"}}, {"c", {"int64"}}, {"d", {"bool"}}}));
  Batch out = run(h, BatchBuilder()
                         .f64("a", {3.0, -2.0, 0.0})
                         .i32("b", {1, -1, std::nullopt})
                         .boolean("c", {true, false, true})
                         .i64("d", {0, 1, 1})
                         .build());
  EXPECT_EQ(i32s(out.column("a")), (Col<int32_t>{3, -2, 0}));
  EXPECT_EQ(f64s(out.column("b")), (Col<double>{1.0, -1.0, std::nullopt}));
  EXPECT_EQ(i64s(out.column("c")), (Col<int64_t>{1, 0, 1}));
  EXPECT_EQ(bools(out.column("d")), (Col<bool>{false, true, true}));
}

TEST(Cast, ValuesThatDoNotConvertRejectTheirRowNamingColumnAndValue) {
  Harness<Cast> h(Options().set("columns", StringMap{{"n", {"int64"}}, {"x", {"int32"}}}));
  Batch out = run(h, BatchBuilder()
                         .str("n", {"1", "abc", "2", "", "99999999999999999999"})
                         .f64("x", {1.0, 2.0, 3.5, 4.0, 5.0})
                         .i64("id", {10, 11, 12, 13, 14})
                         .build());
  EXPECT_EQ(rejects(h), (Rejects{{1, "column \"n\": cannot cast \"abc\" to int64 (not a number)"},
                                 {3, "column \"n\": cannot cast \"\" to int64 (not a number)"},
                                 {4, "column \"n\": cannot cast \"99999999999999999999\" to int64 (out of range for int64)"},
                                 {2, "column \"x\": cannot cast 3.5 to int32 (not a whole number)"}}));
  EXPECT_EQ(i64s(out.column("n")), (Col<int64_t>{1}));
  EXPECT_EQ(i32s(out.column("x")), (Col<int32_t>{1}));
  EXPECT_EQ(i64s(out.column("id")), (Col<int64_t>{10}));
}

TEST(Cast, RangeAndExactnessFailures) {
  Harness<Cast> h(Options().set("columns", StringMap{{"a", {"int32"}}, {"b", {"float32"}}, {"c", {"int64"}}, {"d", {"bool"}}, {"e", {"timestamp"}}}));
  const double inf = std::numeric_limits<double>::infinity();
  Batch out = run(h, BatchBuilder()
                         .i64("a", {3000000000, 1, 1, 1, 1, 1})
                         .f64("b", {1.0, 1e39, 1.0, 1.0, 1.0, 1.0})
                         .f64("c", {1.0, 1.0, std::nan(""), inf, 1.0, 1.0})
                         .i32("d", {1, 1, 1, 1, 2, 1})
                         .str("e", {"2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", "2023-02-29"})
                         .build());
  EXPECT_EQ(rejects(h), (Rejects{{0, "column \"a\": cannot cast 3000000000 to int32 (out of range for int32)"},
                                 {1, "column \"b\": cannot cast 1e+39 to float32 (out of range for float32)"},
                                 {2, "column \"c\": cannot cast nan to int64 (not a finite number)"},
                                 {3, "column \"c\": cannot cast inf to int64 (not a finite number)"},
                                 {4, "column \"d\": cannot cast 2 to bool (only 0 and 1 convert to bool)"},
                                 {5, "column \"e\": cannot cast \"2023-02-29\" to timestamp[us] (not an ISO-8601 timestamp)"}}));
  EXPECT_EQ(out.num_rows(), 0);
}

TEST(Cast, ARowBadInTwoColumnsIsRejectedOnce) {
  Harness<Cast> h(Options().set("columns", StringMap{{"a", {"int64"}}, {"b", {"bool"}}}));
  Batch out = run(h, BatchBuilder().str("a", {"x", "1"}).str("b", {"maybe", "true"}).build());
  EXPECT_EQ(rejects(h), (Rejects{{0, "column \"a\": cannot cast \"x\" to int64 (not a number)"}}));
  EXPECT_EQ(i64s(out.column("a")), (Col<int64_t>{1}));
  EXPECT_EQ(bools(out.column("b")), (Col<bool>{true}));
}

TEST(Cast, OnInvalidNullTurnsFailuresIntoNulls) {
  Harness<Cast> h(cast("n", "int64").set("on_invalid", std::string("null")));
  Batch out = run(h, BatchBuilder().str("n", {"1", "abc", std::nullopt, "2.5"}).build());
  EXPECT_TRUE(h.recorded().rejections.empty());
  EXPECT_EQ(i64s(out.column("n")), (Col<int64_t>{1, std::nullopt, std::nullopt, std::nullopt}));
  EXPECT_TRUE(out.schema().field(0).nullable);
  EXPECT_EQ(h.recorded().counters["nulled_n"], 2);
}

TEST(Cast, SameTypeSharesTheColumn) {
  Harness<Cast> h(cast("x", "double"));
  Batch in = BatchBuilder().f64("x", {1.5}).build();
  EXPECT_EQ(run(h, in).column("x").values_buffer(), in.column("x").values_buffer());
}

TEST(Cast, BadOptionsAndSchemasNameTheColumn) {
  Batch in = BatchBuilder().ts("t", {0}).str("s", {"a"}).build();
  EXPECT_THAT(invalid<Cast>(cast("s", "integer"), in), HasSubstr("gives column \"s\" the unknown type \"integer\""));
  EXPECT_THAT(invalid<Cast>(Options().set("columns", StringMap{{"s", {"int64", "bool"}}}), in),
              HasSubstr("must give column \"s\" exactly one type, not 2"));
  EXPECT_THAT(invalid<Cast>(cast("zz", "int64"), in), HasSubstr("requires column \"zz\", which the input lacks (input columns: t, s)"));
  EXPECT_THAT(invalid<Cast>(cast("t", "float64"), in), HasSubstr("cannot cast column \"t\" from timestamp[us] to float64"));
  EXPECT_THAT(invalid<Cast>(Options().set("columns", StringMap{}), in), HasSubstr("option \"columns\" is empty"));
  EXPECT_THAT(invalid<Cast>(Options(), in), HasSubstr("missing required option \"columns\""));
}

}  // namespace
}  // namespace ft
