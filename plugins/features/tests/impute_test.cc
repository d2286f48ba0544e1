#include "impute.hpp"

#include <cmath>

#include "support.hpp"

namespace ft {
namespace {

using features::Impute;
using Col = std::vector<std::optional<double>>;

Options constant(const StringList& columns, double value) {
  return Options().set("columns", columns).set("strategy", std::string("constant")).set("value", value);
}

TEST(Impute, ConstantFillsNullsAndNaNs) {
  Harness<Impute> h(constant({"x"}, 0.0));
  Batch out = run(h, BatchBuilder().f64("x", {1.0, std::nullopt, std::nan(""), 4.0}).str("s", {"a", "b", "c", "d"}).build());
  EXPECT_EQ(f64s(out.column("x")), (Col{1.0, 0.0, 0.0, 4.0}));
  EXPECT_EQ(out.schema().field(0).type, Type::Float64);
  EXPECT_FALSE(out.schema().field(0).nullable);
  EXPECT_EQ(out.schema().names(), (StringList{"x", "s"}));
  EXPECT_EQ(h.recorded().counters["imputed_x"], 2);
}

TEST(Impute, IntegerColumnsBecomeFloat64) {
  Harness<Impute> h(constant({"i", "j", "f"}, 2.5));
  Batch out = run(h, BatchBuilder().i32("i", {1, std::nullopt, 3}).i64("j", {std::nullopt, 5, 6}).f32("f", {0.5f, 1.5f, std::nullopt}).build());
  EXPECT_EQ(f64s(out.column("i")), (Col{1.0, 2.5, 3.0}));
  EXPECT_EQ(f64s(out.column("j")), (Col{2.5, 5.0, 6.0}));
  EXPECT_EQ(f64s(out.column("f")), (Col{0.5, 1.5, 2.5}));
  EXPECT_EQ(h.recorded().counters["imputed_i"], 1);
  EXPECT_EQ(h.recorded().counters["imputed_j"], 1);
  EXPECT_EQ(h.recorded().counters["imputed_f"], 1);
}

TEST(Impute, NothingToFillSharesTheColumn) {
  Harness<Impute> h(constant({"x"}, 0.0));
  Batch in = BatchBuilder().f64("x", {1.0, 2.0}).build();
  Batch out = run(h, in);
  EXPECT_EQ(out.column("x").values_buffer(), in.column("x").values_buffer());
  EXPECT_EQ(h.recorded().counters["imputed_x"], 0);
}

TEST(Impute, MeanAndMedianComeFromTheParamsFile) {
  Batch in = BatchBuilder().f64("age", {std::nullopt, 30.0}).i64("income", {std::nullopt, 1000}).build();
  Harness<Impute> mean(Options().set("columns", StringList{"age", "income"}).set("params_file", data("impute_params.json")));
  Batch out = run(mean, in);
  EXPECT_EQ(f64s(out.column("age")), (Col{40.5, 30.0}));  // a plain number is used whatever the strategy
  EXPECT_EQ(f64s(out.column("income")), (Col{52000.0, 1000.0}));

  Harness<Impute> median(Options()
                             .set("columns", StringList{"income"})
                             .set("strategy", std::string("median"))
                             .set("params_file", data("impute_params.json")));
  EXPECT_EQ(f64s(run(median, in).column("income")), (Col{48000.0, 1000.0}));
}

TEST(Impute, ConstantWithAParamsFileUsesItsNumbersFirst) {
  Harness<Impute> h(constant({"age", "other"}, -1.0).set("params_file", data("impute_params.json")));
  Batch out = run(h, BatchBuilder().f64("age", {std::nullopt}).f64("other", {std::nullopt}).build());
  EXPECT_EQ(f64s(out.column("age")), (Col{40.5}));
  EXPECT_EQ(f64s(out.column("other")), (Col{-1.0}));
}

TEST(Impute, MeanWithoutParamsFileIsRefused) {
  Batch in = BatchBuilder().f64("x", {1.0}).build();
  std::string m = invalid<Impute>(Options().set("columns", StringList{"x"}), in);
  EXPECT_THAT(m, HasSubstr("strategy mean needs option \"params_file\""));
  EXPECT_THAT(m, HasSubstr("strategy constant with option \"value\""));
}

TEST(Impute, BadOptionsNameTheColumnOrOption) {
  Batch in = BatchBuilder().f64("x", {1.0}).f64("score", {1.0}).str("s", {"a"}).build();
  EXPECT_THAT(invalid<Impute>(Options().set("columns", StringList{"x"}).set("strategy", std::string("constant")), in),
              HasSubstr("strategy constant needs option \"value\" (or a params_file entry) to fill column \"x\""));
  EXPECT_THAT(invalid<Impute>(Options().set("columns", StringList{"x"}).set("value", 1.0).set("params_file", data("impute_params.json")), in),
              HasSubstr("option \"value\" is only for strategy constant"));
  EXPECT_THAT(invalid<Impute>(Options()
                                  .set("columns", StringList{"score"})
                                  .set("strategy", std::string("median"))
                                  .set("params_file", data("impute_params.json")),
                              in),
              HasSubstr("gives column \"score\" no \"median\""));
  EXPECT_THAT(invalid<Impute>(Options().set("columns", StringList{"x"}).set("params_file", data("impute_params.json")), in),
              HasSubstr("has no mean for column \"x\""));
  EXPECT_THAT(invalid<Impute>(constant({"income"}, 0).set("params_file", data("impute_params.json")), in),
              HasSubstr("gives column \"income\" statistics, not a number"));
  EXPECT_THAT(invalid<Impute>(constant({"x", "x"}, 0), in), HasSubstr("names column \"x\" twice"));
  EXPECT_THAT(invalid<Impute>(constant({}, 0), in), HasSubstr("option \"columns\" is empty"));
  EXPECT_THAT(invalid<Impute>(constant({"x"}, std::nan("")), in), HasSubstr("option \"value\" must be a finite number"));
}

TEST(Impute, InputSchemaProblemsNameTheColumn) {
  Batch in = BatchBuilder().str("s", {"a"}).boolean("b", {true}).build();
  EXPECT_THAT(invalid<Impute>(constant({"s"}, 0), in),
              HasSubstr("requires column \"s\" to be a number (int32, int64, float32 or float64), but the input has it as utf8"));
  EXPECT_THAT(invalid<Impute>(constant({"b"}, 0), in), HasSubstr("column \"b\" to be a number"));
  EXPECT_THAT(invalid<Impute>(constant({"zz"}, 0), in), HasSubstr("requires column \"zz\", which the input lacks (input columns: s, b)"));
}

TEST(Impute, BadParamsFilesNameTheFile) {
  Batch in = BatchBuilder().f64("age", {1.0}).build();
  auto with_file = [](const std::string& f) { return Options().set("columns", StringList{"age"}).set("params_file", f); };
  EXPECT_THAT(invalid<Impute>(with_file(data("missing.json")), in),
              HasSubstr("params_file \"" + data("missing.json") + "\" cannot be opened: No such file or directory"));
  EXPECT_THAT(invalid<Impute>(with_file(data("not_json.json")), in), HasSubstr("params_file \"" + data("not_json.json") + "\" is not valid JSON"));
  EXPECT_THAT(invalid<Impute>(with_file(data("string_value.json")), in), HasSubstr("gives column \"age\" a string"));
  EXPECT_THAT(invalid<Impute>(with_file(data("array.json")), in), HasSubstr("must hold a JSON object"));
}

}  // namespace
}  // namespace ft
