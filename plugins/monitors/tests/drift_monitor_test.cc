#include "drift_monitor.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include "support.hpp"

namespace mt {
namespace {

using monitors::DriftMonitor;

const std::vector<std::string> kCountries = {"DE", "FR", "IT", "ES"};
const std::vector<double> kWeights = {0.4, 0.3, 0.2, 0.1};

Batch data(size_t n, double mean, const std::vector<double>& weights, uint64_t seed) {
  return BatchBuilder()
      .f64("amount", opt(normal(n, mean, 1.0, seed)))
      .str("country", categories(n, kCountries, weights, seed + 100))
      .build();
}

class DriftMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override { ref_ = write_reference(dir_, {data(20000, 0.0, kWeights, 1)}); }
  Options options(int64_t window_rows = 100000) const {
    return Options().set("reference", ref_).set("window_rows", window_rows).set("window_seconds", 0.0);
  }
  /// One window of `b`; returns the findings.
  std::vector<json> run(const Batch& b, const Options& o) { return run_once(h_, b, o); }

  TempDir dir_;
  std::string ref_;
  std::unique_ptr<Harness<DriftMonitor>> h_;
};

TEST_F(DriftMonitorTest, SameDistributionLargeWindowRaisesNothing) {
  auto fs = run(data(5000, 0.0, kWeights, 2), options());
  EXPECT_TRUE(fs.empty()) << fs.size() << " findings, first: " << (fs.empty() ? "" : fs[0].dump());
  auto ws = windows(*h_);
  ASSERT_EQ(ws.size(), 1u);
  json amount = feature_of(ws[0], "amount");
  EXPECT_EQ(amount["kind"], "numeric");
  for (const char* s : {"psi", "ks", "ks_p", "js", "wasserstein"}) EXPECT_TRUE(amount["scores"][s].is_number()) << s;
  EXPECT_LT(amount["scores"]["psi"].get<double>(), 0.02);
  EXPECT_GT(amount["scores"]["ks_p"].get<double>(), 0.01);
  EXPECT_EQ(amount["stats"]["alert"], 0);
  // The default rule: an effect size and its test.
  EXPECT_DOUBLE_EQ(amount["stats"]["threshold_wasserstein"].get<double>(), 0.1);
  EXPECT_TRUE(amount["stats"]["threshold_ks_p"].is_number());
  json country = feature_of(ws[0], "country");
  EXPECT_EQ(country["kind"], "categorical");
  for (const char* s : {"psi", "chi2", "chi2_p", "js", "linf"}) EXPECT_TRUE(country["scores"][s].is_number()) << s;
  EXPECT_DOUBLE_EQ(country["stats"]["threshold_linf"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(country["stats"]["threshold_unseen_share"].get<double>(), 0.005);  // the reference saw every value
  EXPECT_TRUE(country["stats"]["threshold_chi2_p"].is_number());
  EXPECT_LT(country["scores"]["js"].get<double>(), 0.05);
}

TEST_F(DriftMonitorTest, ShiftedNumericFeatureDrifts) {
  auto fs = with_code(run(data(5000, 0.7, kWeights, 3), options()), "DRIFT");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["feature"], "amount");
  EXPECT_EQ(fs[0]["statistic"], "wasserstein");
  EXPECT_GT(fs[0]["value"].get<double>(), 0.6);  // a shift of 0.7 standard deviations
  EXPECT_DOUBLE_EQ(fs[0]["threshold"].get<double>(), 0.1);
  EXPECT_THAT(fs[0]["message"].get<std::string>(), HasSubstr("feature \"amount\" drifted: wasserstein"));
  EXPECT_THAT(fs[0]["message"].get<std::string>(), HasSubstr(" and ks_p "));
  json amount = feature_of(windows(*h_)[0], "amount");
  EXPECT_EQ(amount["stats"]["alert"], 1);
  EXPECT_LT(amount["scores"]["ks_p"].get<double>(), 1e-6);
  EXPECT_GT(amount["scores"]["wasserstein"].get<double>(), 0.6);  // a shift of 0.7 standard deviations
  EXPECT_LT(amount["scores"]["wasserstein"].get<double>(), 0.8);
}

TEST_F(DriftMonitorTest, ShiftedCategoricalFeatureDriftsWithTopChanges) {
  auto fs = with_code(run(data(5000, 0.0, {0.1, 0.2, 0.2, 0.5}, 4), options()), "DRIFT");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["feature"], "country");
  EXPECT_EQ(fs[0]["statistic"], "linf");
  ASSERT_GE(fs[0]["top_values"].size(), 2u);
  EXPECT_EQ(fs[0]["top_values"][0]["value"], "ES");  // 0.1 -> 0.5
  EXPECT_NEAR(fs[0]["top_values"][0]["share"].get<double>(), 0.5, 0.03);
  EXPECT_EQ(fs[0]["top_values"][1]["value"], "DE");  // 0.4 -> 0.1
}

TEST_F(DriftMonitorTest, SmallWindowsNeedTheTestWithCorrectionToo) {
  Options o = options(200);
  auto same = run(data(200, 0.0, kWeights, 5), o);
  EXPECT_TRUE(same.empty()) << same[0].dump();
  json amount = feature_of(windows(*h_)[0], "amount");
  EXPECT_TRUE(amount["stats"].contains("threshold_ks_p"));
  // Two p-value tests in the window; Benjamini-Hochberg's threshold for none rejected is q / m.
  EXPECT_DOUBLE_EQ(amount["stats"]["threshold_ks_p"].get<double>(), 0.025);

  // Thirty values: sampling noise alone moves the effect size past its limit, and the
  // test is what keeps the window quiet.
  auto few = run(data(30, 0.0, kWeights, 5), options(30));
  EXPECT_TRUE(few.empty()) << few[0].dump();
  EXPECT_GT(feature_of(windows(*h_)[0], "amount")["scores"]["wasserstein"].get<double>(), 0.1);

  auto shifted = with_code(run(data(200, 1.0, kWeights, 6), o), "DRIFT");
  ASSERT_EQ(shifted.size(), 1u);
  EXPECT_EQ(shifted[0]["statistic"], "wasserstein");
  EXPECT_GT(shifted[0]["value"].get<double>(), 0.8);
  EXPECT_THAT(shifted[0]["message"].get<std::string>(), HasSubstr("Benjamini-Hochberg"));
  EXPECT_LT(feature_of(windows(*h_)[0], "amount")["scores"]["ks_p"].get<double>(), 1e-6);

  auto bonf = with_code(run(data(200, 1.0, kWeights, 6), options(200).set("correction", std::string("bonferroni"))), "DRIFT");
  ASSERT_EQ(bonf.size(), 1u);
  EXPECT_DOUBLE_EQ(feature_of(windows(*h_)[0], "amount")["stats"]["threshold_ks_p"].get<double>(), 0.025);
}

TEST_F(DriftMonitorTest, UnseenCategoriesInChiSquaredWithoutDivisionByZero) {
  Strings c = categories(300, kCountries, kWeights, 7);
  for (size_t i = 0; i < 30; ++i) c[i * 10] = "XX";  // 10% never seen in the reference
  auto fs = with_code(run(BatchBuilder().str("country", c).build(), options().set("features", StringList{"country"})), "DRIFT");
  json country = feature_of(windows(*h_)[0], "country");
  for (const char* s : {"psi", "chi2", "chi2_p", "js", "linf"}) ASSERT_TRUE(country["scores"][s].is_number()) << s;
  EXPECT_GT(country["scores"]["chi2"].get<double>(), 100);
  EXPECT_LT(country["scores"]["chi2_p"].get<double>(), 1e-10);
  EXPECT_EQ(country["stats"]["chi2_df"], 4);  // 4 categories + the unseen bin
  EXPECT_EQ(country["stats"]["unseen_count"], 30);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["statistic"], "linf");  // 10% of the rows: more than linf's limit
  EXPECT_EQ(fs[0]["top_values"][0]["value"], "XX");
}

TEST_F(DriftMonitorTest, StatisticAndThresholdOverrideTheRule) {
  // A small shift that the default rule (wasserstein > 0.1) does not flag, a limit of 0.05 does.
  Options o = options().set("statistic", std::string("wasserstein")).set("threshold", 0.05);
  auto fs = with_code(run(data(5000, 0.07, kWeights, 8), o), "DRIFT");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0]["feature"], "amount");
  EXPECT_EQ(fs[0]["statistic"], "wasserstein");
  EXPECT_DOUBLE_EQ(fs[0]["threshold"].get<double>(), 0.05);
  EXPECT_TRUE(with_code(run(data(5000, 0.07, kWeights, 8), options()), "DRIFT").empty());
}

TEST_F(DriftMonitorTest, WindowsCarryTheHistogramsTheyCompare) {
  Strings c = categories(1000, kCountries, kWeights, 9);
  for (size_t i = 0; i < 50; ++i) c[i * 20] = "XX";
  const Batch b = BatchBuilder().f64("amount", opt(normal(1000, 0.0, 1.0, 10))).str("country", c).build();
  run(b, options());
  json ws = windows(*h_)[0];
  // Numeric: counts per reference decile bin, window and reference, and the edges.
  json amount = feature_of(ws, "amount")["stats"];
  double window = 0, reference = 0;
  int bins = 0;
  for (int k = 0; amount.contains("bin_" + std::to_string(k)); ++k, ++bins) {
    window += amount["bin_" + std::to_string(k)].get<double>();
    reference += amount["ref_bin_" + std::to_string(k)].get<double>();
  }
  EXPECT_EQ(bins, 10);  // nine decile edges of a continuous reference
  EXPECT_TRUE(amount.contains("bin_edge_8"));
  EXPECT_FALSE(amount.contains("bin_edge_9"));
  EXPECT_DOUBLE_EQ(window, 1000);
  EXPECT_DOUBLE_EQ(reference, 20000);
  // Categorical: shares per value on both sides, the new value in the window only.
  json country = feature_of(ws, "country")["stats"];
  EXPECT_DOUBLE_EQ(country["share[XX]"].get<double>(), 0.05);
  EXPECT_FALSE(country.contains("reference_share[XX]"));
  double ws_sum = 0, ref_sum = 0;
  for (const auto& v : kCountries) {
    ws_sum += country["share[" + v + "]"].get<double>();
    ref_sum += country["reference_share[" + v + "]"].get<double>();
  }
  EXPECT_NEAR(ws_sum + 0.05, 1.0, 1e-12);
  EXPECT_NEAR(ref_sum, 1.0, 1e-12);
  EXPECT_NEAR(country["reference_share[DE]"].get<double>(), 0.4, 0.02);
}

TEST_F(DriftMonitorTest, WindowsByRows) {
  Harness<DriftMonitor> h(options(1000));
  Batch b = data(2500, 0.0, kWeights, 9);
  h.open(b.schema());
  h.observe(b.slice(0, 700));
  h.observe(b.slice(700, 1800));
  EXPECT_EQ(windows(h).size(), 2u);  // 1000 and 2000 rows reached
  h.close();
  auto ws = windows(h);
  ASSERT_EQ(ws.size(), 3u);
  EXPECT_EQ(ws[0]["rows"], 1000);
  EXPECT_EQ(ws[1]["rows"], 1000);
  EXPECT_EQ(ws[2]["rows"], 500);  // flushed at close
  EXPECT_LE(ws[0]["start_us"].get<int64_t>(), ws[0]["end_us"].get<int64_t>());
  EXPECT_LE(ws[0]["end_us"].get<int64_t>(), ws[1]["start_us"].get<int64_t>());
  EXPECT_EQ(feature_of(ws[2], "amount")["stats"]["count"], 500);
}

TEST_F(DriftMonitorTest, WindowsByTime) {
  Harness<DriftMonitor> h(Options().set("reference", ref_).set("window_rows", int64_t{100000}).set("window_seconds", 0.05));
  Batch b = data(300, 0.0, kWeights, 10);
  h.open(b.schema());
  h.observe(b.slice(0, 100));
  h.observe(b.slice(100, 100));
  EXPECT_TRUE(windows(h).empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  h.observe(b.slice(200, 100));  // closes the first window before taking these rows
  auto ws = windows(h);
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0]["rows"], 200);
  EXPECT_GE(ws[0]["end_us"].get<int64_t>() - ws[0]["start_us"].get<int64_t>(), 50000);
  h.close();
  ASSERT_EQ(windows(h).size(), 2u);
  EXPECT_EQ(windows(h)[1]["rows"], 100);
}

TEST_F(DriftMonitorTest, EventsCarryTheFieldsFindingsHppWrites) {
  run(data(3000, 2.0, {0.1, 0.1, 0.1, 0.7}, 11), options());
  auto fs = findings(*h_);
  ASSERT_EQ(fs.size(), 2u);
  for (const auto& f : fs) {
    for (const char* k : {"time_us", "window_start_us", "feature", "code", "statistic", "value", "threshold", "top_values", "message"})
      EXPECT_TRUE(f.contains(k)) << k << " in " << f.dump();
    EXPECT_EQ(f["code"], "DRIFT");
    EXPECT_GT(f["time_us"].get<int64_t>(), 1600000000000000);  // microseconds since the epoch
  }
  auto ws = windows(*h_);
  ASSERT_EQ(ws.size(), 1u);
  for (const char* k : {"start_us", "end_us", "rows", "skipped_batches", "features"}) EXPECT_TRUE(ws[0].contains(k)) << k;
  for (const auto& f : ws[0]["features"])
    for (const char* k : {"feature", "kind", "stats", "scores"}) EXPECT_TRUE(f.contains(k)) << k;
}

TEST_F(DriftMonitorTest, ReservoirIsBoundedAndSeeded) {
  Options o = options().set("sample_size", int64_t{500}).set("features", StringList{"amount"});
  run(data(5000, 0.0, kWeights, 12), o);
  json first = feature_of(windows(*h_)[0], "amount");
  EXPECT_EQ(first["stats"]["sampled"], 500);
  run(data(5000, 0.0, kWeights, 12), o);
  EXPECT_EQ(feature_of(windows(*h_)[0], "amount")["scores"], first["scores"]);  // same seed, same numbers
}

TEST_F(DriftMonitorTest, BadOptionsNameTheOptionAndColumn) {
  Batch b = data(10, 0.0, kWeights, 13);
  EXPECT_THAT(error_of([&] { run(b, options().set("features", StringList{"nope"})); }),
              HasSubstr("option \"features\" names \"nope\", which the reference profile \"" + ref_ + "\" does not have"));
  EXPECT_THAT(error_of([&] { run(BatchBuilder().f64("country", {1.0}).build(), options().set("features", StringList{"country"})); }),
              HasSubstr("column \"country\" cannot be compared with the reference profile"));
  EXPECT_THAT(error_of([&] { run(BatchBuilder().f64("other", {1.0}).build(), options()); }),
              HasSubstr("no column of the reference profile"));
  EXPECT_THAT(error_of([&] { Harness<DriftMonitor> h(options().set("threshold", 0.3)); }),
              HasSubstr("option \"threshold\" needs option \"statistic\""));
  EXPECT_THAT(error_of([&] { Harness<DriftMonitor> h(options().set("statistic", std::string("ks_p")).set("threshold", 2.0)); }),
              HasSubstr("must be in (0, 1)"));
}

TEST_F(DriftMonitorTest, AColumnTheInputLostIsAMissingColumnFindingEveryWindowAndNotEvaluated) {
  const Batch b = BatchBuilder().f64("amount", opt(normal(3000, 0.0, 1.0, 14))).build();  // country is gone
  auto fs = run(b, options(1000));
  auto missing = with_code(fs, "MISSING_COLUMN");
  ASSERT_EQ(missing.size(), 3u) << "one per window";
  EXPECT_EQ(missing[0]["feature"], "country");
  EXPECT_THAT(missing[0]["message"].get<std::string>(), HasSubstr("not evaluated (column missing)"));
  EXPECT_TRUE(with_code(fs, "DRIFT").empty());
  json country = feature_of(windows(*h_)[0], "country");
  EXPECT_EQ(country["stats"]["evaluated"], 0);
  EXPECT_EQ(country["stats"]["column_missing"], 1);
  EXPECT_EQ(feature_of(windows(*h_)[0], "amount")["stats"]["count"], 1000);
  // Named in `features`, the same column is a configuration error at open.
  EXPECT_THAT(error_of([&] { run(b, options().set("features", StringList{"amount", "country"})); }),
              HasSubstr("which the input does not have"));
}

TEST_F(DriftMonitorTest, AColumnWhoseTypeChangedIsATypeChangeFindingNotASilentDrop) {
  Strings amount_as_text(500, std::string("high"));
  const Batch b = BatchBuilder().str("amount", amount_as_text).str("country", categories(500, kCountries, kWeights, 18)).build();
  auto fs = run(b, options());
  auto changed = with_code(fs, "TYPE_CHANGE");
  ASSERT_EQ(changed.size(), 1u) << (fs.empty() ? "" : fs[0].dump());
  EXPECT_EQ(changed[0]["feature"], "amount");
  EXPECT_THAT(changed[0]["message"].get<std::string>(), HasSubstr("not evaluated (type changed"));
  json amount = feature_of(windows(*h_)[0], "amount");
  EXPECT_EQ(amount["stats"]["evaluated"], 0);
  EXPECT_EQ(amount["stats"]["type_changed"], 1);
  EXPECT_EQ(feature_of(windows(*h_)[0], "country")["stats"]["count"], 500);
}

TEST_F(DriftMonitorTest, IgnoredColumnsAndIdentifiersAreNotWatchedByDefault) {
  // A reference with an increasing integer id and a utf8 key unique per row.
  std::vector<std::optional<int64_t>> ids;
  Strings keys;
  for (int64_t i = 0; i < 2000; ++i) ids.push_back(1000 + i), keys.push_back("k" + std::to_string(i));
  auto with_ids = [&](const Batch& b, int64_t first_id) {
    std::vector<std::optional<int64_t>> day_ids;
    Strings day_keys;
    for (int64_t i = 0; i < b.num_rows(); ++i) day_ids.push_back(first_id + i), day_keys.push_back("d" + std::to_string(first_id + i));
    return BatchBuilder().i64("id", day_ids).str("key", day_keys)
        .f64("amount", opt(normal(static_cast<size_t>(b.num_rows()), 0.0, 1.0, 15)))
        .str("country", categories(static_cast<size_t>(b.num_rows()), kCountries, kWeights, 16)).build();
  };
  const Batch reference = with_ids(data(2000, 0.0, kWeights, 1), 1000);
  const monitors::Profile p = profile_of({reference});
  EXPECT_TRUE(p.find("id")->identifier());
  EXPECT_TRUE(p.find("key")->identifier());
  EXPECT_FALSE(p.find("amount")->identifier());
  EXPECT_FALSE(p.find("country")->identifier());
  const std::string ref = write_reference(dir_, {reference}, {}, "ids.profile");

  // Every id of the day is new and larger: watched, both would drift every day.
  const Batch today = with_ids(data(2000, 0.0, kWeights, 2), 500000);
  auto fs = run(today, Options().set("reference", ref));
  EXPECT_TRUE(fs.empty()) << fs[0].dump();
  auto watched_features = [&] {
    const std::vector<json> ws = windows(*h_);
    std::vector<std::string> names;
    for (const auto& f : ws.at(0)["features"]) names.push_back(f["feature"]);
    return names;
  };
  std::vector<std::string> watched = watched_features();
  EXPECT_THAT(watched, ::testing::UnorderedElementsAre("amount", "country"));
  // Named, an identifier is watched (and drifts).
  EXPECT_EQ(with_code(run(today, Options().set("reference", ref).set("features", StringList{"id"})), "DRIFT").size(), 1u);

  run(today, Options().set("reference", ref).set("ignore", StringList{"country"}));
  EXPECT_THAT(watched_features(), ::testing::ElementsAre("amount"));
  EXPECT_THAT(error_of([&] { Harness<DriftMonitor> h(Options().set("reference", ref).set("ignore", StringList{"nope"})); }),
              HasSubstr("option \"ignore\" names \"nope\", which the reference profile"));
  EXPECT_THAT(error_of([&] {
                Harness<DriftMonitor> h(
                    Options().set("reference", ref).set("ignore", StringList{"id"}).set("features", StringList{"amount"}));
              }),
              HasSubstr("exclude each other"));
}

TEST_F(DriftMonitorTest, OneWindowPerRunByDefault) {
  auto fs = run(data(25000, 0.0, kWeights, 17), Options().set("reference", ref_));
  EXPECT_TRUE(fs.empty());
  auto ws = windows(*h_);
  ASSERT_EQ(ws.size(), 1u);
  EXPECT_EQ(ws[0]["rows"], 25000);
}

}  // namespace
}  // namespace mt
