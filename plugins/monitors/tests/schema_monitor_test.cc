#include "schema_monitor.hpp"

#include <chrono>
#include <limits>
#include <thread>

#include "support.hpp"

namespace mt {
namespace {

using monitors::SchemaMonitor;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// Reference: x in [0, 100] without nulls, NaN or Inf; country in {DE, FR, IT}; n int64.
Batch reference_batch() {
  Doubles x;
  Strings c;
  std::vector<std::optional<int64_t>> n;
  for (int i = 0; i <= 100; ++i) {
    x.push_back(i);
    c.push_back(i % 3 == 0 ? "DE" : i % 3 == 1 ? "FR" : "IT");
    n.push_back(i);
  }
  return BatchBuilder().f64("x", x).str("country", c).i64("n", n).build();
}

class SchemaMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override { ref_ = write_reference(dir_, {reference_batch()}); }
  Options options() const { return Options().set("reference", ref_).set("window_seconds", 0.0); }
  /// Runs one window of `b` through a schema_monitor and returns its findings.
  std::vector<json> run(const Batch& b, Options o) { return run_once(h_, b, o); }
  std::vector<json> run(const Batch& b) { return run(b, options()); }

  TempDir dir_;
  std::string ref_;
  std::unique_ptr<Harness<SchemaMonitor>> h_;
};

TEST_F(SchemaMonitorTest, CleanDataHasNoFindingsButAWindow) {
  EXPECT_TRUE(run(reference_batch()).empty());
  auto ws = windows(*h_);
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0]["rows"], 101);
  EXPECT_EQ(ws[0]["skipped_batches"], 0);
  json x = feature_of(ws[0], "x");
  EXPECT_EQ(x["kind"], "numeric");
  EXPECT_EQ(x["stats"]["count"], 101);
  EXPECT_EQ(x["stats"]["out_of_range_count"], 0);
  EXPECT_EQ(feature_of(ws[0], "country")["stats"]["unseen_count"], 0);
}

TEST_F(SchemaMonitorTest, MissingNewAndRetypedColumnsAtTheFirstWindow) {
  Batch b = BatchBuilder().f64("x", {1.0}).f64("n", {2.5}).str("extra", {"e"}).build();
  auto fs = run(b);
  auto missing = with_code(fs, "MISSING_COLUMN");
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0]["feature"], "country");
  EXPECT_THAT(missing[0]["message"].get<std::string>(), HasSubstr("column \"country\" (utf8) of the reference profile"));
  auto added = with_code(fs, "NEW_COLUMN");
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0]["feature"], "extra");
  auto retyped = with_code(fs, "TYPE_CHANGE");
  ASSERT_EQ(retyped.size(), 1u);
  EXPECT_EQ(retyped[0]["feature"], "n");
  EXPECT_THAT(retyped[0]["message"].get<std::string>(), HasSubstr("is float64 in the input but int64 in the reference"));
  // Time-stamped with the first window.
  auto ws = windows(*h_);
  EXPECT_EQ(retyped[0]["time_us"], ws[0]["end_us"]);
  EXPECT_EQ(retyped[0]["window_start_us"], ws[0]["start_us"]);
}

TEST_F(SchemaMonitorTest, SchemaFindingsAreReportedEveryWindow) {
  Harness<SchemaMonitor> h(options().set("window_rows", int64_t{2}));
  Batch b = BatchBuilder().f64("x", {1.0, 2.0, 3.0, 4.0, 5.0}).build();
  h.open(b.schema());
  h.observe(b);
  h.close();
  EXPECT_EQ(windows(h).size(), 3u);
  EXPECT_EQ(with_code(findings(h), "MISSING_COLUMN").size(), 6u);  // country and n, in each window
}

TEST_F(SchemaMonitorTest, UnknownCategoricalValuesWithCountShareAndTopValues) {
  Batch b = BatchBuilder().str("country", {"DE", "XX", "XX", "YY", "FR", "XX", std::nullopt, "DE"}).build();
  auto fs = with_code(run(b), "UNKNOWN_CATEGORICAL_VALUES");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["feature"], "country");
  EXPECT_EQ(fs[0]["statistic"], "unknown_share");
  EXPECT_DOUBLE_EQ(fs[0]["value"].get<double>(), 4.0 / 7);
  ASSERT_EQ(fs[0]["top_values"].size(), 2u);
  EXPECT_EQ(fs[0]["top_values"][0]["value"], "XX");
  EXPECT_EQ(fs[0]["top_values"][0]["count"], 3);
  EXPECT_DOUBLE_EQ(fs[0]["top_values"][0]["share"].get<double>(), 3.0 / 7);
  EXPECT_EQ(fs[0]["top_values"][1]["value"], "YY");
  EXPECT_THAT(fs[0]["message"].get<std::string>(), HasSubstr("4 values (57.14%) are not in the reference domain of 3 values: \"XX\" (3), \"YY\" (1)"));
  // Below the share threshold: nothing.
  EXPECT_TRUE(with_code(run(b, options().set("unknown_share_threshold", 0.6)), "UNKNOWN_CATEGORICAL_VALUES").empty());
}

TEST_F(SchemaMonitorTest, OutOfRangeBeyondTheTolerance) {
  // Range [0, 100], tolerance 0.05 -> [-5, 105].
  auto fs = with_code(run(BatchBuilder().f64("x", {50.0, 104.0, 130.0, -20.0}).build()), "OUT_OF_RANGE");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["statistic"], "out_of_range_share");
  EXPECT_DOUBLE_EQ(fs[0]["value"].get<double>(), 0.5);
  EXPECT_THAT(fs[0]["message"].get<std::string>(), HasSubstr("2 values (50%) outside the reference range"));
  EXPECT_THAT(fs[0]["message"].get<std::string>(), HasSubstr("lowest -20, highest 130"));
  // A share at or below out_of_range_share_threshold is tolerated; above it is not.
  const trestle::Batch tails = BatchBuilder().f64("x", {50.0, 50.0, 50.0, 130.0}).build();
  EXPECT_TRUE(with_code(run(tails, options().set("out_of_range_share_threshold", 0.25)), "OUT_OF_RANGE").empty());
  EXPECT_EQ(with_code(run(tails, options().set("out_of_range_share_threshold", 0.2)), "OUT_OF_RANGE").size(), 1u);
  EXPECT_TRUE(with_code(run(BatchBuilder().f64("x", {130.0}).build(), options().set("range_tolerance", 0.5)), "OUT_OF_RANGE").empty());
  // Integer columns too.
  EXPECT_EQ(with_code(run(BatchBuilder().i64("n", {1000}).build()), "OUT_OF_RANGE").size(), 1u);
}

TEST_F(SchemaMonitorTest, NaNAndInfValues) {
  auto fs = run(BatchBuilder().f64("x", {1.0, kNaN, kInf, -kInf, 2.0}).build());
  auto nan = with_code(fs, "NAN_VALUES");
  ASSERT_EQ(nan.size(), 1u);
  EXPECT_EQ(nan[0]["statistic"], "nan_share");
  EXPECT_DOUBLE_EQ(nan[0]["value"].get<double>(), 0.2);
  auto inf = with_code(fs, "INF_VALUES");
  ASSERT_EQ(inf.size(), 1u);
  EXPECT_DOUBLE_EQ(inf[0]["value"].get<double>(), 0.4);
  EXPECT_THAT(inf[0]["message"].get<std::string>(), HasSubstr("2 infinite values (40%) in the window, none in the reference"));
  EXPECT_TRUE(with_code(fs, "OUT_OF_RANGE").empty());  // infinities are not "out of range" as well
}

TEST_F(SchemaMonitorTest, NullShareIncreaseAboveTheThreshold) {
  Batch b = BatchBuilder().f64("x", {1.0, std::nullopt, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0}).build();  // 10% nulls
  auto fs = with_code(run(b), "NULL_SHARE_INCREASE");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["statistic"], "null_share");
  EXPECT_DOUBLE_EQ(fs[0]["value"].get<double>(), 0.1);
  EXPECT_DOUBLE_EQ(fs[0]["threshold"].get<double>(), 0.05);
  EXPECT_TRUE(with_code(run(b, options().set("null_share_threshold", 0.2)), "NULL_SHARE_INCREASE").empty());
}

TEST_F(SchemaMonitorTest, TooFewRowsForARunsOnlyWindowAndTimeWindows) {
  auto fs = with_code(run(reference_batch().slice(0, 5), options().set("min_rows", int64_t{10})), "TOO_FEW_ROWS");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["feature"], "");
  EXPECT_EQ(fs[0]["value"], 5);
  EXPECT_EQ(fs[0]["threshold"], 10);

  // Windows closed by rows never are; the last partial window after them is not either.
  Harness<SchemaMonitor> h(options().set("min_rows", int64_t{10}).set("window_rows", int64_t{20}));
  h.open(reference_batch().schema());
  h.observe(reference_batch().slice(0, 45));
  h.close();
  EXPECT_EQ(windows(h).size(), 3u);
  EXPECT_TRUE(with_code(findings(h), "TOO_FEW_ROWS").empty());

  // A window closed by time with few rows is.
  Harness<SchemaMonitor> t(Options().set("reference", ref_).set("window_seconds", 0.05).set("min_rows", int64_t{10}));
  t.open(reference_batch().schema());
  t.observe(reference_batch().slice(0, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  t.observe(reference_batch().slice(3, 50));
  t.close();
  auto tf = with_code(findings(t), "TOO_FEW_ROWS");
  ASSERT_EQ(tf.size(), 1u);
  EXPECT_EQ(tf[0]["value"], 3);
}

TEST_F(SchemaMonitorTest, AnEmptyRunStillReportsOneWindow) {
  Harness<SchemaMonitor> h(options().set("min_rows", int64_t{1}));
  h.open(BatchBuilder().f64("x", {}).build().schema());
  h.close();
  EXPECT_EQ(windows(h).size(), 1u);
  EXPECT_EQ(with_code(findings(h), "TOO_FEW_ROWS").size(), 1u);
  EXPECT_EQ(with_code(findings(h), "MISSING_COLUMN").size(), 2u);
}

TEST_F(SchemaMonitorTest, IgnoredColumnsAreNotChecked) {
  Batch b = BatchBuilder().i64("n", {5000}).str("extra", {"e"}).build();
  auto fs = run(b, options().set("ignore", StringList{"n", "extra", "country"}));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["code"], "MISSING_COLUMN");
  EXPECT_EQ(fs[0]["feature"], "x");
}

TEST_F(SchemaMonitorTest, AMissingReferenceIsRefusedNamingTheFile) {
  std::string m = error_of([&] { Harness<SchemaMonitor> h(Options().set("reference", dir_.file("nope.profile"))); });
  EXPECT_THAT(m, HasSubstr("cannot read profile \"" + dir_.file("nope.profile") + "\""));
}

TEST_F(SchemaMonitorTest, TimeColumnWindowsFollowTheDataClock) {
  constexpr int64_t kDay = 86400LL * 1000000;
  const int64_t d0 = 20000 * kDay;  // 2024-10-04T00:00:00Z
  Harness<SchemaMonitor> h(options().set("time_column", "t").set("window_seconds", 86400.0));
  // Day 0 (one row with a null time stays in its window), day 1 with one late row from
  // day 0, then day 3, split across batches.
  h.open(BatchBuilder().f64("x", {1.0}).ts("t", {d0}).build().schema());
  h.observe(BatchBuilder().f64("x", {1.0, 2.0, 3.0}).ts("t", {d0 + 5, std::nullopt, d0 + 900}).build());
  h.observe(BatchBuilder().f64("x", {4.0, 5.0, 6.0}).ts("t", {d0 + 1000, d0 + kDay + 7, d0 + 20}).build());
  h.observe(BatchBuilder().f64("x", {7.0, 8.0}).ts("t", {d0 + kDay + 9, d0 + 3 * kDay + 1}).build());
  h.close();
  auto ws = windows(h);
  ASSERT_EQ(ws.size(), 3u);
  EXPECT_EQ(ws[0]["rows"], 4);
  EXPECT_EQ(ws[0]["start_us"], d0 + 5);
  EXPECT_EQ(ws[0]["end_us"], d0 + 1000);
  EXPECT_EQ(ws[1]["rows"], 3);  // d0 + kDay + 7, the late d0 + 20, d0 + kDay + 9
  EXPECT_EQ(ws[1]["start_us"], d0 + 20);
  EXPECT_EQ(ws[1]["end_us"], d0 + kDay + 9);
  EXPECT_EQ(ws[2]["rows"], 1);
  EXPECT_EQ(ws[2]["start_us"], d0 + 3 * kDay + 1);
  EXPECT_EQ(h.recorded().counters["late_rows"], 1);
  // Findings carry the data time of their window.
  Harness<SchemaMonitor> g(options().set("time_column", "t").set("window_seconds", 86400.0));
  Batch out = BatchBuilder().f64("x", {500.0}).ts("t", {d0 + 42}).build();
  g.open(out.schema());
  g.observe(out);
  g.close();
  auto fs = with_code(findings(g), "OUT_OF_RANGE");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["time_us"], d0 + 42);
  EXPECT_EQ(fs[0]["window_start_us"], d0 + 42);
}

TEST_F(SchemaMonitorTest, TimeColumnMustBeATimestampOfTheInput) {
  const Batch b = BatchBuilder().f64("x", {1.0}).str("when", {"today"}).build();
  Harness<SchemaMonitor> missing(options().set("time_column", "t"));
  EXPECT_THAT(error_of([&] { missing.open(b.schema()); }), HasSubstr("option \"time_column\": column \"t\" is not in the input"));
  Harness<SchemaMonitor> wrong(options().set("time_column", "when"));
  EXPECT_THAT(error_of([&] { wrong.open(b.schema()); }), HasSubstr("column \"when\" is utf8, not a timestamp"));
}

}  // namespace
}  // namespace mt
