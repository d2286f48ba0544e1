#include "drift_monitor.hpp"

#include "support.hpp"

namespace mt {
namespace {

using monitors::PredictionMonitor;

Batch predictions(size_t n, double positive_share, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution label(positive_share);
  std::uniform_real_distribution<double> noise(0, 0.5);
  std::vector<std::optional<int64_t>> labels;
  Doubles scores;
  for (size_t i = 0; i < n; ++i) {
    const bool l = label(rng);
    labels.push_back(l ? 1 : 0);
    scores.push_back(l ? 0.5 + noise(rng) : noise(rng));
  }
  return BatchBuilder().f64("x", Doubles(n, 1.0)).f64("score", scores).i64("label", labels).build();
}

class PredictionMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    monitors::ProfileOptions o;
    o.categorical = {"label"};
    ref_ = write_reference(dir_, {predictions(10000, 0.3, 1)}, o);
  }
  std::vector<json> run(const Batch& b, Options o) {
    return run_once(h_, b, o.set("reference", ref_).set("window_seconds", 0.0));
  }

  TempDir dir_;
  std::string ref_;
  std::unique_ptr<Harness<PredictionMonitor>> h_;
};

TEST_F(PredictionMonitorTest, DefaultColumnsAreScoreAndLabelWithClassShares) {
  EXPECT_TRUE(run(predictions(3000, 0.3, 2), Options()).empty());
  auto ws = windows(*h_);
  ASSERT_EQ(ws.size(), 1u);
  ASSERT_EQ(ws[0]["features"].size(), 2u);  // x is not watched
  json label = feature_of(ws[0], "label");
  EXPECT_EQ(label["kind"], "categorical");
  EXPECT_NEAR(label["stats"]["class_share[1]"].get<double>(), 0.3, 0.03);
  EXPECT_NEAR(label["stats"]["reference_class_share[1]"].get<double>(), 0.3, 0.02);
  EXPECT_LT(label["stats"]["class_share_shift"].get<double>(), 0.05);
  EXPECT_EQ(feature_of(ws[0], "score")["kind"], "numeric");
}

TEST_F(PredictionMonitorTest, ClassBalanceShift) {
  auto fs = run(predictions(3000, 0.6, 3), Options());
  auto shift = with_code(fs, "CLASS_BALANCE_SHIFT");
  ASSERT_EQ(shift.size(), 1u);
  EXPECT_EQ(shift[0]["feature"], "label");
  EXPECT_EQ(shift[0]["statistic"], "class_share_shift");
  EXPECT_NEAR(shift[0]["value"].get<double>(), 0.3, 0.04);
  EXPECT_DOUBLE_EQ(shift[0]["threshold"].get<double>(), 0.1);
  ASSERT_EQ(shift[0]["top_values"].size(), 2u);
  EXPECT_THAT(shift[0]["message"].get<std::string>(), HasSubstr("column \"label\": class \""));
  // The score distribution moved with the labels: DRIFT on score (and label).
  auto drift = with_code(fs, "DRIFT");
  ASSERT_FALSE(drift.empty());
  EXPECT_EQ(drift[0]["feature"], "score");
  // A higher threshold: no class finding.
  EXPECT_TRUE(with_code(run(predictions(3000, 0.6, 3), Options().set("class_shift_threshold", 0.5)), "CLASS_BALANCE_SHIFT").empty());
}

TEST_F(PredictionMonitorTest, ExplicitColumnsAndMissingDefaults) {
  run(predictions(100, 0.3, 4), Options().set("columns", StringList{"score"}));
  EXPECT_EQ(windows(*h_)[0]["features"].size(), 1u);
  std::string m = error_of([&] { run(BatchBuilder().f64("x", {1.0}).build(), Options()); });
  EXPECT_THAT(m, HasSubstr("the input has neither a score nor a label column (columns: x)"));
  EXPECT_THAT(m, HasSubstr("option \"columns\""));
  EXPECT_THAT(error_of([&] { run(predictions(10, 0.3, 5), Options().set("columns", StringList{"proba"})); }),
              HasSubstr("option \"columns\" names \"proba\""));
}

}  // namespace
}  // namespace mt
