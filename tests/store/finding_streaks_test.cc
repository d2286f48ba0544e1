// The "since when" rule of findings (ComputeStreaks).
#include "store/run_store.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace trestle::core {
namespace {

StoredWindow W(const std::string& run, int64_t start, const std::string& node = "drift",
               const std::string& pipeline = "p") {
  return {0, run, pipeline, node, start, start + 10, 100, 0};
}
StoredFinding F(const std::string& run, int64_t start, const std::string& statistic = "psi",
                const std::string& node = "drift", const std::string& pipeline = "p") {
  StoredFinding f;
  f.run_id = run;
  f.pipeline = pipeline;
  f.node = node;
  f.window_start_us = start;
  f.time_us = start + 10;
  f.feature = "amount";
  f.code = "DRIFT";
  f.statistic = statistic;
  f.value = static_cast<double>(start);
  f.threshold = 0.2;
  return f;
}

TEST(StreaksTest, SinceIsTheStartOfTheLatestUnbrokenStreak) {
  // Windows 0..5 (days): findings in 1, 3, 4, 5 -> since 3, ongoing, 3 windows.
  std::vector<StoredWindow> line;
  for (int d = 0; d < 6; ++d) line.push_back(W("day" + std::to_string(d), d * 100));
  auto s = ComputeStreaks(line, {F("day1", 100), F("day3", 300), F("day4", 400), F("day5", 500)});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].since_us, 300);
  EXPECT_EQ(s[0].since_run, "day3");
  EXPECT_EQ(s[0].last_us, 500);
  EXPECT_EQ(s[0].last_end_us, 510);
  EXPECT_EQ(s[0].windows, 3);
  EXPECT_EQ(s[0].total_windows, 4);
  EXPECT_TRUE(s[0].ongoing);
  EXPECT_DOUBLE_EQ(s[0].last_value, 500);
}

TEST(StreaksTest, AStreakThatStoppedIsNotOngoing) {
  std::vector<StoredWindow> line;
  for (int d = 0; d < 6; ++d) line.push_back(W("r", d * 100));
  auto s = ComputeStreaks(line, {F("r", 100), F("r", 200)});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].since_us, 100);
  EXPECT_EQ(s[0].last_us, 200);
  EXPECT_EQ(s[0].windows, 2);
  EXPECT_FALSE(s[0].ongoing);
}

TEST(StreaksTest, KeysKeepStatisticsNodesAndPipelinesApart) {
  std::vector<StoredWindow> line = {W("r", 0), W("r", 100), W("r", 200), W("r", 0, "schema"), W("r", 100, "schema"),
                                    W("r", 0, "drift", "other"), W("r", 100, "drift", "other")};
  // psi in 100 and 200; ks_p only in 200; schema node in 0 and 100; other pipeline in 0.
  auto s = ComputeStreaks(line, {F("r", 100), F("r", 200), F("r", 200, "ks_p"), F("r", 0, "psi", "schema"),
                                 F("r", 100, "psi", "schema"), F("r", 0, "psi", "drift", "other")});
  ASSERT_EQ(s.size(), 4u);
  // Sorted by pipeline, node, feature, code, statistic.
  EXPECT_EQ(s[0].pipeline, "other");
  EXPECT_EQ(s[0].since_us, 0);
  EXPECT_FALSE(s[0].ongoing);  // the other pipeline's drift node has a later window without it
  EXPECT_EQ(s[1].statistic, "ks_p");
  EXPECT_EQ(s[1].since_us, 200);
  EXPECT_EQ(s[2].statistic, "psi");
  EXPECT_EQ(s[2].node, "drift");
  EXPECT_EQ(s[2].since_us, 100);
  EXPECT_EQ(s[2].windows, 2);
  EXPECT_EQ(s[3].node, "schema");
  EXPECT_EQ(s[3].since_us, 0);
  EXPECT_TRUE(s[3].ongoing);
}

TEST(StreaksTest, RunsWithoutWindowsDoNotBreakAStreakAndFindingsAddTheirWindows) {
  // Findings whose windows were never recorded still sit on the line, by their start.
  auto s = ComputeStreaks({W("a", 0), W("c", 300)}, {F("b", 200), F("c", 300)});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].since_us, 200);
  EXPECT_EQ(s[0].since_run, "b");
  EXPECT_TRUE(s[0].ongoing);
  // Several findings in one window count once.
  auto t = ComputeStreaks({}, {F("a", 0), F("a", 0)});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].windows, 1);
}

}  // namespace
}  // namespace trestle::core
