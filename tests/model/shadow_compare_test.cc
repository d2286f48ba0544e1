#include "model/shadow.h"

#include <gtest/gtest.h>

#include <trestle/testing.hpp>

namespace trestle::core {
namespace {

using trestle::testing::BatchBuilder;

// Node and shadow score five input rows; the node rejected row 1, the shadow row 3.
// Rows 0, 2 and 4 are compared; outputs are aligned by the rows each kept.
TEST(CompareWithShadow, AlignsRowsByWhatEachSideRejected) {
  ShadowPlan plan;
  plan.score_node = 0, plan.score_shadow = 0, plan.label_node = 1, plan.label_shadow = 1;
  trestle::Batch node = BatchBuilder().f64("score", {0.9, 0.2, 0.6, 0.4}).i64("label", {1, 0, 1, 0}).build();   // rows 0,2,3,4
  trestle::Batch shadow = BatchBuilder().f64("score", {0.7, 0.5, 0.3, 0.45}).i64("label", {1, 1, 0, 0}).build();  // rows 0,1,2,4
  ShadowTotals t;
  CompareWithShadow(plan, 5, node, {1}, shadow, {3}, &t);
  EXPECT_EQ(t.rows_compared, 3);
  EXPECT_EQ(t.rows_rejected_by_node_only, 1);
  EXPECT_EQ(t.rows_rejected_by_shadow_only, 1);
  // row 0: 0.9 vs 0.7; row 2: 0.2 vs 0.3; row 4: 0.4 vs 0.45
  EXPECT_NEAR(t.score_abs_diff_sum, 0.2 + 0.1 + 0.05, 1e-12);
  EXPECT_NEAR(t.score_abs_diff_max, 0.2, 1e-12);
  EXPECT_EQ(t.label_rows, 3);
  EXPECT_EQ(t.label_disagreements, 0);
  nlohmann::json j = t.ToJson();
  EXPECT_NEAR(j["score_abs_diff_mean"].get<double>(), 0.35 / 3, 1e-12);
  EXPECT_EQ(j["label_disagreement_share"], 0.0);
}

TEST(CompareWithShadow, ColumnsEitherSideLacksAreNotCompared) {
  ShadowPlan plan;
  plan.score_node = 0, plan.score_shadow = 0;  // no shared label column
  trestle::Batch node = BatchBuilder().f64("score", {0.1, 0.8}).build();
  trestle::Batch shadow = BatchBuilder().f64("score", {0.6, 0.8}).build();
  ShadowTotals t;
  CompareWithShadow(plan, 2, node, {}, shadow, {}, &t);
  EXPECT_EQ(t.label_rows, 0);
  EXPECT_FALSE(t.ToJson().contains("label_disagreement_share"));
  EXPECT_NEAR(t.score_abs_diff_max, 0.5, 1e-12);
  EXPECT_EQ(t.batches_compared, 1);
}

}  // namespace
}  // namespace trestle::core
