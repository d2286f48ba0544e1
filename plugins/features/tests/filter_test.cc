#include "filter.hpp"

#include <cmath>

#include "support.hpp"

namespace ft {
namespace {

using features::Filter;
using Ints = std::vector<std::optional<int64_t>>;

Options where(const std::string& column, const std::string& op, const std::string& value) {
  return Options().set("column", column).set("op", op).set("value", value);
}

// The ids of the rows that `o` keeps of `in` (which has an int64 column "id").
Ints kept(const Options& o, const Batch& in) {
  Harness<Filter> h(o);
  Batch out = run(h, in);
  EXPECT_TRUE(h.recorded().rejections.empty());  // filtered on purpose, not rejected
  EXPECT_EQ(out.schema(), in.schema());
  return i64s(out.column("id"));
}

TEST(Filter, IntegerComparisons) {
  Batch in = BatchBuilder().i64("id", {1, 2, 3, 4}).i64("x", {1, 5, std::nullopt, 10}).i32("y", {-1, 0, 7, std::nullopt}).build();
  EXPECT_EQ(kept(where("x", ">", "4"), in), (Ints{2, 4}));
  EXPECT_EQ(kept(where("x", "gt", "4"), in), (Ints{2, 4}));
  EXPECT_EQ(kept(where("x", ">=", "5"), in), (Ints{2, 4}));
  EXPECT_EQ(kept(where("x", "<", "5"), in), (Ints{1}));
  EXPECT_EQ(kept(where("x", "le", "5"), in), (Ints{1, 2}));
  EXPECT_EQ(kept(where("x", "==", "10"), in), (Ints{4}));
  EXPECT_EQ(kept(where("x", "ne", "10"), in), (Ints{1, 2}));  // null satisfies no comparison, not even !=
  EXPECT_EQ(kept(where("y", "eq", "0"), in), (Ints{2}));
  EXPECT_EQ(kept(where("y", "!=", "0"), in), (Ints{1, 3}));
  EXPECT_EQ(kept(where("y", "ge", "-1"), in), (Ints{1, 2, 3}));
  EXPECT_EQ(kept(where("y", "lt", "+7"), in), (Ints{1, 2}));
}

TEST(Filter, DoubleComparisons) {
  Batch in = BatchBuilder().i64("id", {1, 2, 3, 4}).f64("x", {0.5, std::nan(""), 2.5, std::nullopt}).f32("f", {0.25f, 1.0f, 2.0f, 3.0f}).build();
  EXPECT_EQ(kept(where("x", "<=", "2.5"), in), (Ints{1, 3}));
  EXPECT_EQ(kept(where("x", "!=", "0.5"), in), (Ints{2, 3}));  // NaN != 0.5 holds (IEEE)
  EXPECT_EQ(kept(where("x", ">", "1e-3"), in), (Ints{1, 3}));
  EXPECT_EQ(kept(where("f", "==", "0.25"), in), (Ints{1}));
  EXPECT_EQ(kept(where("f", ">", "1"), in), (Ints{3, 4}));
}

TEST(Filter, StringComparisons) {
  Batch in = BatchBuilder().i64("id", {1, 2, 3, 4}).str("s", {"apple", "banana", std::nullopt, "cherry"}).build();
  EXPECT_EQ(kept(where("s", "<", "banana"), in), (Ints{1}));
  EXPECT_EQ(kept(where("s", "==", "cherry"), in), (Ints{4}));
  EXPECT_EQ(kept(where("s", "!=", "cherry"), in), (Ints{1, 2}));
  EXPECT_EQ(kept(where("s", ">=", "b"), in), (Ints{2, 4}));
  EXPECT_EQ(kept(where("s", "==", " apple"), in), (Ints{}));  // compared byte by byte, not trimmed
}

TEST(Filter, BoolAndTimestampComparisons) {
  Batch in = BatchBuilder()
                 .i64("id", {1, 2, 3})
                 .boolean("b", {true, false, std::nullopt})
                 .ts("t", {1704067200000000 - 1, 1704067200000000, 1709296200000000})
                 .build();
  EXPECT_EQ(kept(where("b", "==", "true"), in), (Ints{1}));
  EXPECT_EQ(kept(where("b", "!=", "1"), in), (Ints{2}));
  EXPECT_EQ(kept(where("t", ">=", "2024-01-01"), in), (Ints{2, 3}));
  EXPECT_EQ(kept(where("t", "<", "2024-01-01T00:00:00Z"), in), (Ints{1}));
  EXPECT_EQ(kept(where("t", "==", "2024-03-01T14:30:00+02:00"), in), (Ints{3}));
}

TEST(Filter, NullTests) {
  Batch in = BatchBuilder().i64("id", {1, 2, 3}).str("s", {"a", std::nullopt, "c"}).build();
  EXPECT_EQ(kept(Options().set("column", std::string("s")).set("op", std::string("is_null")), in), (Ints{2}));
  EXPECT_EQ(kept(Options().set("column", std::string("s")).set("op", std::string("not_null")), in), (Ints{1, 3}));
}

TEST(Filter, KeepingEveryRowSharesTheColumns) {
  Harness<Filter> h(where("x", ">", "0"));
  Batch in = BatchBuilder().i64("x", {1, 2}).str("s", {"a", "b"}).build();
  Batch out = run(h, in);
  EXPECT_EQ(out.column("s").data_buffer(), in.column("s").data_buffer());
  EXPECT_EQ(strs(out.column("s")), (std::vector<std::optional<std::string>>{"a", "b"}));
}

TEST(Filter, BadOptionsAndSchemasNameTheColumn) {
  Batch in = BatchBuilder().i64("x", {1}).boolean("b", {true}).ts("t", {0}).f64("d", {1.0}).build();
  EXPECT_THAT(invalid<Filter>(Options().set("column", std::string("x")).set("op", std::string("<")), in),
              HasSubstr("op < needs option \"value\" to compare column \"x\" with"));
  EXPECT_THAT(invalid<Filter>(where("x", "is_null", "1"), in), HasSubstr("option \"value\" has no meaning with op is_null"));
  EXPECT_THAT(invalid<Filter>(where("x", "~", "1"), in), HasSubstr("option \"op\" must be one of"));
  EXPECT_THAT(invalid<Filter>(where("x", "<", "abc"), in),
              HasSubstr("option \"value\" (\"abc\") cannot be compared with column \"x\" (int64): not a whole number"));
  EXPECT_THAT(invalid<Filter>(where("x", "<", "2.5"), in), HasSubstr("column \"x\" (int64): not a whole number"));
  EXPECT_THAT(invalid<Filter>(where("d", "<", "nan"), in), HasSubstr("column \"d\" (float64): not a number"));
  EXPECT_THAT(invalid<Filter>(where("b", "<", "true"), in), HasSubstr("op < does not apply to bool column \"b\"; use == or !="));
  EXPECT_THAT(invalid<Filter>(where("b", "==", "yes"), in), HasSubstr("column \"b\" (bool): not true, false, 1 or 0"));
  EXPECT_THAT(invalid<Filter>(where("t", "<", "yesterday"), in), HasSubstr("column \"t\" (timestamp[us]): not an ISO-8601 timestamp"));
  EXPECT_THAT(invalid<Filter>(where("zz", "<", "1"), in), HasSubstr("requires column \"zz\", which the input lacks (input columns: x, b, t, d)"));
}

}  // namespace
}  // namespace ft
