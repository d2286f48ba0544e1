#include "linear.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include <trestle/testing.hpp>

namespace {

using linear::Linear;
using trestle::Batch;
using trestle::Options;
using trestle::Type;
using trestle::testing::BatchBuilder;
using trestle::testing::doubles;
using trestle::testing::ints;
using trestle::testing::Harness;
using ::testing::HasSubstr;
using Names = std::vector<std::string>;

std::string data(const std::string& f) { return std::string(LINEAR_TESTDATA) + "/" + f; }
Options model(const std::string& f) { return Options().set("model", data(f)); }


Batch score(Harness<Linear>& h, const Batch& in) {
  h.open(in.schema());
  return h.process(in);
}

// The message of the InvalidArgument that creating the model and opening it on `in` throws.
std::string invalid(const Options& o, const Batch& in) {
  std::optional<trestle::Error> e = trestle::testing::open_error<Linear>(o, in.schema());
  EXPECT_TRUE(e && e->code() == TRESTLE_INVALID_ARGUMENT) << (e ? e->what() : "no error");
  return e ? e->what() : "";
}

// score = 1.25 + 0.5 * tenure - 2.0 * monthly_charges
TEST(Linear, ScoresAreInterceptPlusWeightedFeatures) {
  Harness<Linear> h(model("linear.json"));
  Batch in = BatchBuilder().i64("tenure", {10, 0, 4}).f64("monthly_charges", {3.5, 0.0, 0.25}).str("id", {"a", "b", "c"}).build();
  Batch out = score(h, in);
  EXPECT_EQ(out.schema().names(), (Names{"tenure", "monthly_charges", "id", "score"}));
  EXPECT_EQ(out.schema().field(3).type, Type::Float64);
  EXPECT_EQ(doubles(out.column("score")), (std::vector<double>{1.25 + 5.0 - 7.0, 1.25, 1.25 + 2.0 - 0.5}));
  EXPECT_EQ(out.column("id").data_buffer(), in.column("id").data_buffer());  // shared, not copied
  EXPECT_EQ(h.recorded().counters["predictions"], 3);
  EXPECT_TRUE(h.recorded().rejections.empty());
}

TEST(Linear, FeaturesAreFoundByNameNotPosition) {
  Harness<Linear> ordered(model("linear.json"));
  Harness<Linear> shuffled(model("linear.json"));
  Batch a = score(ordered, BatchBuilder().i64("tenure", {10, 4}).f64("monthly_charges", {3.5, 0.25}).build());
  Batch b = score(shuffled, BatchBuilder().str("x", {"p", "q"}).f64("monthly_charges", {3.5, 0.25}).i64("tenure", {10, 4}).build());
  EXPECT_EQ(doubles(a.column("score")), (std::vector<double>{-0.75, 2.75}));
  EXPECT_EQ(doubles(b.column("score")), doubles(a.column("score")));
  EXPECT_EQ(b.schema().names(), (Names{"x", "monthly_charges", "tenure", "score"}));
}

TEST(Linear, AnyNumericTypeIsAFeature) {
  Harness<Linear> h(model("linear.json"));
  Batch out = score(h, BatchBuilder().boolean("tenure", {true, false}).f32("monthly_charges", {0.5f, 0.25f}).build());
  EXPECT_EQ(doubles(out.column("score")), (std::vector<double>{1.25 + 0.5 - 1.0, 1.25 - 0.5}));
  Harness<Linear> h32(model("linear.json"));
  out = score(h32, BatchBuilder().i32("tenure", {2}).i64("monthly_charges", {1}).build());
  EXPECT_EQ(doubles(out.column("score")), (std::vector<double>{1.25 + 1.0 - 2.0}));
}

// z = -1 + 2a + b; score = 1 / (1 + e^-z); label = score >= threshold.
TEST(Linear, LogisticScoresAndLabels) {
  Harness<Linear> h(model("logistic.json"));
  Batch out = score(h, BatchBuilder().f64("a", {0.5, 1.0, 0.0}).f64("b", {0.0, 1.0, -1.0}).build());
  EXPECT_EQ(out.schema().names(), (Names{"a", "b", "score", "label"}));
  EXPECT_EQ(out.schema().field(3).type, Type::Int64);
  std::vector<double> s = doubles(out.column("score"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_DOUBLE_EQ(s[0], 0.5);                  // z = 0
  EXPECT_DOUBLE_EQ(s[1], 0.88079707797788231);  // z = 2
  EXPECT_DOUBLE_EQ(s[2], 0.11920292202211755);  // z = -2
  EXPECT_EQ(ints(out.column("label")), (std::vector<int64_t>{1, 1, 0}));
}

TEST(Linear, ThresholdAndOutputNames) {
  Harness<Linear> h(model("logistic.json").set("threshold", 0.9).set("output", std::string("p")).set("label_output", std::string("churn")));
  Batch out = score(h, BatchBuilder().f64("a", {1.0, 3.0}).f64("b", {1.0, 0.0}).build());
  EXPECT_EQ(out.schema().names(), (Names{"a", "b", "p", "churn"}));
  EXPECT_EQ(ints(out.column("churn")), (std::vector<int64_t>{0, 1}));  // 0.8808 < 0.9 <= 0.9933
}

TEST(Linear, SigmoidIsStableForLargeMagnitudes) {
  Harness<Linear> h(model("logistic.json"));
  Batch out = score(h, BatchBuilder().f64("a", {400.0, -400.0, 1e300}).f64("b", {0.0, 0.0, 1e300}).build());
  std::vector<double> s = doubles(out.column("score"));
  EXPECT_EQ(s[0], 1.0);
  EXPECT_GE(s[1], 0.0);
  EXPECT_LT(s[1], 1e-300);
  EXPECT_EQ(s[2], 1.0);
  for (double v : s) EXPECT_FALSE(std::isnan(v));
  EXPECT_EQ(ints(out.column("label")), (std::vector<int64_t>{1, 0, 1}));
}

TEST(Linear, RowsWithMissingFeaturesAreRejectedNotScored) {
  Harness<Linear> h(model("linear.json"));
  const double inf = std::numeric_limits<double>::infinity();
  Batch out = score(h, BatchBuilder()
                           .i64("tenure", {10, std::nullopt, 4, 2, 0})
                           .f64("monthly_charges", {3.5, std::nan(""), std::nan(""), inf, 0.0})
                           .str("id", {"a", "b", "c", "d", "e"})
                           .build());
  const auto& r = h.recorded().rejections;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].row, 1);
  EXPECT_EQ(r[0].reason, "feature \"tenure\" is null");  // its first bad feature
  EXPECT_EQ(r[1].row, 2);
  EXPECT_EQ(r[1].reason, "feature \"monthly_charges\" is NaN");
  EXPECT_EQ(r[2].row, 3);
  EXPECT_EQ(r[2].reason, "feature \"monthly_charges\" is infinite");
  for (const auto& x : r) EXPECT_EQ(x.code, TRESTLE_DATA_ERROR);
  EXPECT_EQ(out.num_rows(), 2);
  EXPECT_EQ(std::string(out.column("id").str(0)), "a");
  EXPECT_EQ(std::string(out.column("id").str(1)), "e");
  EXPECT_EQ(doubles(out.column("score")), (std::vector<double>{-0.75, 1.25}));
  EXPECT_EQ(h.recorded().counters["predictions"], 2);
}

TEST(Linear, EmptyBatch) {
  Harness<Linear> h(model("logistic.json"));
  Batch out = score(h, Batch::empty(BatchBuilder().f64("a", {}).f64("b", {}).build().schema()));
  EXPECT_EQ(out.num_rows(), 0);
  EXPECT_EQ(out.schema().names(), (Names{"a", "b", "score", "label"}));
}

TEST(Linear, SignatureListsFeaturesAndOutputs) {
  Harness<Linear> h(model("logistic.json"));  // creating through the ABI works
  Linear m(model("logistic.json").set("threshold", 0.5).set("output", std::string("score")).set("label_output", std::string("label")));
  trestle::Signature s = m.signature();
  ASSERT_EQ(s.inputs.size(), 2u);
  EXPECT_EQ(s.inputs[0].name, "a");
  EXPECT_TRUE(s.inputs[0].any_numeric);
  ASSERT_EQ(s.outputs.size(), 2u);
  EXPECT_EQ(s.outputs[0].name, "score");
  EXPECT_EQ(s.outputs[1].type, Type::Int64);
  EXPECT_EQ(m.model().version, "");
}

TEST(Linear, MissingOrMistypedFeaturesAreNamedAtOpen) {
  EXPECT_THAT(invalid(model("linear.json"), BatchBuilder().i64("tenure", {1}).build()),
              HasSubstr("requires column \"monthly_charges\", which the input lacks (input columns: tenure)"));
  EXPECT_THAT(invalid(model("linear.json"), BatchBuilder().str("tenure", {"1"}).f64("monthly_charges", {1}).build()),
              HasSubstr("requires column \"tenure\" to be numeric, but the input has it as utf8"));
  EXPECT_THAT(invalid(model("linear.json"), BatchBuilder().i64("tenure", {1}).f64("monthly_charges", {1}).f64("score", {1}).build()),
              HasSubstr("the input already has a column \"score\", which this model would write; choose another name with option \"output\""));
  EXPECT_THAT(invalid(model("logistic.json"), BatchBuilder().f64("a", {1}).f64("b", {1}).i64("label", {1}).build()),
              HasSubstr("column \"label\", which this model would write; choose another name with option \"label_output\""));
}

TEST(Linear, BadModelFilesNameTheFileAndTheProblem) {
  Batch in = BatchBuilder().f64("a", {1}).build();
  auto bad = [&](const std::string& f, const std::string& problem) {
    std::string m = invalid(model(f), in);
    EXPECT_THAT(m, HasSubstr("model file \"" + data(f) + "\""));
    EXPECT_THAT(m, HasSubstr(problem));
  };
  bad("absent.json", "does not exist");
  bad("not_json.json", "is not valid JSON");
  bad("length_mismatch.json", "has 2 features but 1 coefficients");
  bad("unknown_type.json", "has unknown \"type\" \"tree\"; expected \"linear\" or \"logistic\"");
  bad("missing_coefficient.json", "has no coefficient for feature \"b\"");
  bad("extra_coefficient.json", "has a coefficient for \"c\", which \"features\" does not list");
  bad("no_intercept.json", "needs \"intercept\"");
  bad("features_not_list.json", "needs \"features\": a non-empty list of column names");
  bad("string_coefficient.json", "has a coefficient for \"a\" that is not a number: \"1.0\"");
}

TEST(Linear, BadOptions) {
  Batch in = BatchBuilder().f64("a", {1}).f64("b", {1}).build();
  EXPECT_THAT(invalid(model("logistic.json").set("threshold", 1.5), in), HasSubstr("option \"threshold\" must be within [0, 1]"));
  EXPECT_THAT(invalid(model("logistic.json").set("label_output", std::string("score")), in),
              HasSubstr("option \"label_output\" must be a name other than option \"output\""));
  EXPECT_THAT(invalid(Options(), in), HasSubstr("missing required option \"model\""));
}

TEST(Linear, ADirectoryModelPathReadsItsModelJson) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("linear_dir_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Batch in = BatchBuilder().i64("tenure", {10}).f64("monthly_charges", {3.5}).build();
  EXPECT_THAT(invalid(Options().set("model", dir.string()), in),
              HasSubstr("model directory \"" + dir.string() + "\" holds none of: linear.json, model.json"));
  std::filesystem::copy_file(data("linear.json"), dir / "model.json");
  Harness<Linear> from_dir(Options().set("model", dir.string()));
  Harness<Linear> from_file(model("linear.json"));
  EXPECT_EQ(doubles(score(from_dir, in).column(2)), doubles(score(from_file, in).column(2)));
  std::filesystem::remove_all(dir);
}

}  // namespace
