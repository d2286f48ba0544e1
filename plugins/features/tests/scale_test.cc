#include "scale.hpp"

#include <cmath>

#include "support.hpp"

namespace ft {
namespace {

using features::Scale;
using Col = std::vector<std::optional<double>>;

Options scale(const StringList& columns, const std::string& method, const std::string& file = "stats.json") {
  return Options().set("columns", columns).set("method", method).set("params_file", data(file));
}

TEST(Scale, StandardSubtractsTheMeanAndDividesByStd) {
  Harness<Scale> h(scale({"age", "ratio"}, "standard"));
  Batch in = BatchBuilder().i64("age", {10, 20, std::nullopt, 45}).f32("ratio", {0.5f, 1.0f, 0.0f, 0.25f}).str("s", {"a", "b", "c", "d"}).build();
  Batch out = run(h, in);
  EXPECT_EQ(f64s(out.column("age")), (Col{-1.0, 0.0, std::nullopt, 2.5}));
  EXPECT_EQ(f64s(out.column("ratio")), (Col{0.0, 2.0, -2.0, -1.0}));
  EXPECT_EQ(out.schema().names(), (StringList{"age", "ratio", "s"}));
  EXPECT_EQ(out.schema().field(0).type, Type::Float64);
  EXPECT_EQ(out.column("s").data_buffer(), in.column("s").data_buffer());  // untouched columns are shared
}

TEST(Scale, MinMaxMapsMinToZeroAndMaxToOne) {
  Harness<Scale> h(scale({"age", "ratio"}, "min_max"));
  Batch out = run(h, BatchBuilder().f64("age", {0.0, 10.0, 40.0, std::nan("")}).i32("ratio", {-1, 0, 1, std::nullopt}).build());
  Col age = f64s(out.column("age"));
  EXPECT_EQ(Col(age.begin(), age.begin() + 3), (Col{0.0, 0.25, 1.0}));
  EXPECT_TRUE(std::isnan(*age[3]));  // NaN stays NaN
  EXPECT_EQ(f64s(out.column("ratio")), (Col{0.0, 0.5, 1.0, std::nullopt}));
}

TEST(Scale, ZeroSpreadIsRefusedNamingTheColumn) {
  Batch in = BatchBuilder().f64("flat", {1.0}).build();
  EXPECT_THAT(invalid<Scale>(scale({"flat"}, "standard"), in),
              HasSubstr("gives column \"flat\" std 0; standard scaling divides by it, so it must be above 0"));
  EXPECT_THAT(invalid<Scale>(scale({"flat"}, "min_max"), in),
              HasSubstr("gives column \"flat\" min 3 and max 3; min_max scaling divides by max - min"));
}

TEST(Scale, MissingParametersNameFileColumnAndKey) {
  Batch in = BatchBuilder().f64("x", {1.0}).f64("plain", {1.0}).build();
  EXPECT_THAT(invalid<Scale>(scale({"x"}, "standard"), in), HasSubstr("params_file \"" + data("stats.json") + "\" has no entry for column \"x\""));
  EXPECT_THAT(invalid<Scale>(scale({"plain"}, "min_max"), in), HasSubstr("gives column \"plain\" a plain number; expected an object with \"min\""));
  EXPECT_THAT(invalid<Scale>(scale({"age"}, "standard", "impute_params.json"), in),
              HasSubstr("gives column \"age\" a plain number; expected an object with \"mean\""));
  EXPECT_THAT(invalid<Scale>(scale({"income"}, "standard", "impute_params.json"), in), HasSubstr("gives column \"income\" no \"std\""));
  EXPECT_THAT(invalid<Scale>(Options().set("columns", StringList{"x"}), in), HasSubstr("missing required option \"params_file\""));
}

TEST(Scale, InputSchemaProblemsNameTheColumn) {
  Batch in = BatchBuilder().str("age", {"a"}).build();
  EXPECT_THAT(invalid<Scale>(scale({"age"}, "standard"), in), HasSubstr("requires column \"age\" to be a number"));
  EXPECT_THAT(invalid<Scale>(scale({"ratio"}, "standard"), in), HasSubstr("requires column \"ratio\", which the input lacks"));
}

}  // namespace
}  // namespace ft
