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
  return {0, run, pipeline, node, start, start + 10, 100, 0, ""};
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

TEST(StreaksTest, RunDatesOrderTheTimelineSoABackfillFilesItsWindowsUnderItsDays) {
  // Runs for 2026-12-01..04 made in the order 01, 02, 04, then 03 (a backfill, started
  // last); the finding is there on 03 and 04 only. In wall-clock order the 03 run would
  // come last and 04 would break nothing; by date the streak starts on 03.
  auto dated = [](StoredWindow w, const std::string& d) {
    w.run_date = d;
    return w;
  };
  auto dated_f = [](StoredFinding f, const std::string& d) {
    f.run_date = d;
    return f;
  };
  const int64_t day = 86400000000;
  std::vector<StoredWindow> line = {dated(W("r1", 10 * day), "2026-12-01"), dated(W("r2", 11 * day), "2026-12-02"),
                                    dated(W("r4", 12 * day), "2026-12-04"), dated(W("r3", 13 * day), "2026-12-03")};
  std::vector<StoredFinding> fs = {dated_f(F("r4", 12 * day), "2026-12-04"), dated_f(F("r3", 13 * day), "2026-12-03")};
  auto streaks = ComputeStreaks(line, fs);
  ASSERT_EQ(streaks.size(), 1u);
  EXPECT_EQ(streaks[0].since_date, "2026-12-03");
  EXPECT_TRUE(streaks[0].since_dated);
  EXPECT_EQ(streaks[0].since_run, "r3");
  EXPECT_EQ(streaks[0].last_date, "2026-12-04");
  EXPECT_EQ(streaks[0].windows, 2);
  EXPECT_TRUE(streaks[0].ongoing);

  // Undated windows are dated by their start, in UTC.
  auto undated = ComputeStreaks({W("u", 0)}, {F("u", 0)});
  ASSERT_EQ(undated.size(), 1u);
  EXPECT_EQ(undated[0].since_date, "1970-01-01");
  EXPECT_FALSE(undated[0].since_dated);
}

TEST(StreaksTest, UtcDateIsTheCivilDate) {
  EXPECT_EQ(UtcDate(0), "1970-01-01");
  EXPECT_EQ(UtcDate(-1), "1969-12-31");
  EXPECT_EQ(UtcDate(951782400000000), "2000-02-29");          // a leap day
  EXPECT_EQ(UtcDate(1796601599999999), "2026-12-06");         // the last microsecond of a day
  EXPECT_EQ(UtcDate(1796601600000000), "2026-12-07");
}

}  // namespace
}  // namespace trestle::core
