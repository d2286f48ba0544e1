// The Prometheus exposition of a hand-built plan: parsed back with a strict parser
// (exposition_parser.h), checked for validity, names, labels and the values that are
// easy to get wrong (cumulative buckets, per-version sums, kinds of plugin metrics,
// escaping).
#include "observe/prometheus.h"

#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "exposition_parser.h"

namespace trestle::core {
namespace {

using prom_test::LabelSet;
using prom_test::ParseExposition;

std::unique_ptr<PlannedNode> Node(const std::string& name, Role role, std::string type = "op") {
  auto n = std::make_unique<PlannedNode>();
  n->name = name;
  n->type = std::move(type);
  n->info.role = role;
  n->plugin_name = "plug";
  n->plugin_version = "1.2.3";
  return n;
}

std::shared_ptr<ServedModel> Version(const std::string& version, const std::string& sha, int64_t rows,
                                     int64_t batches) {
  auto r = std::make_shared<ModelRecord>();
  r->version = version;
  r->sha256 = sha;
  r->framework = "linear";
  r->rows = rows;
  r->batches = batches;
  r->loaded_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  return std::make_shared<ServedModel>(r, std::vector<std::unique_ptr<OperatorInstance>>{},
                                       std::vector<OperatorInstance*>{}, true);
}

class PrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan.pipeline = "scoring";
    plan.config_hash = "abc123";
    plan.nodes.push_back(Node("src", Role::kSource, "csv_source"));
    plan.nodes.push_back(Node("clean", Role::kTransform));
    plan.nodes.push_back(Node("model", Role::kModel, "linear"));
    plan.nodes.push_back(Node("drift", Role::kMonitor));
    plan.nodes.push_back(Node("out", Role::kSink));
    run.run_id = "20260101T000000Z-abcdef";
    run.ready = true;
    run.start_time_seconds = 1700000000.5;
    run.dead_letter_rows = 4;
    run.rows_read = {1000, 0, 0, 0, 0};
  }
  PlannedNode& N(int i) { return *plan.nodes[static_cast<size_t>(i)]; }
  prom_test::Exposition Scrape() {
    text = RenderPrometheus(plan, run);
    prom_test::Exposition x = ParseExposition(text);
    EXPECT_TRUE(x.errors.empty()) << x.ErrorText() << "\n" << text;
    return x;
  }
  LabelSet L(const std::string& node) const { return {{"pipeline", plan.pipeline}, {"node", node}}; }
  LabelSet L(const std::string& node, const std::string& k, const std::string& v) const {
    LabelSet l = L(node);
    l[k] = v;
    return l;
  }

  Plan plan;
  RunSnapshot run;
  std::string text;
};

TEST_F(PrometheusTest, ProcessMetrics) {
  auto x = Scrape();
  EXPECT_EQ(x.types["trestle_up"], "gauge");
  EXPECT_EQ(x.Get("trestle_up", {}), 1);
  EXPECT_EQ(x.Get("trestle_run_info", {{"run_id", run.run_id}, {"pipeline", "scoring"}, {"config_hash", "abc123"}}), 1);
  EXPECT_EQ(x.Get("trestle_ready", {{"pipeline", "scoring"}}), 1);
  EXPECT_EQ(x.Get("trestle_run_start_time_seconds", {{"pipeline", "scoring"}}), 1700000000.5);
  EXPECT_EQ(x.Get("trestle_dead_letter_rows_total", {{"pipeline", "scoring"}}), 4);
  // Unknown progress is left out rather than exported as -1.
  EXPECT_TRUE(x.All("trestle_run_progress_ratio").empty());
  run.ready = false;
  run.progress = 0.25;
  x = Scrape();
  EXPECT_EQ(x.Get("trestle_ready", {{"pipeline", "scoring"}}), 0);
  EXPECT_EQ(x.Get("trestle_run_progress_ratio", {{"pipeline", "scoring"}}), 0.25);
  // Every family has help text.
  for (const auto& [family, type] : x.types) EXPECT_FALSE(x.helps[family].empty()) << family;
}

TEST_F(PrometheusTest, NodeCountersAndErrorsByCode) {
  NodeStats& s = *N(1).stats;
  s.rows_in = 1000;
  s.rows_out = 990;
  s.batches_in = 10;
  s.batches_out = 9;
  s.dead_lettered = 4;
  s.filtered = 5;
  s.skipped = 1;
  s.retries = 7;
  s.in_flight = 2;
  s.errors_by_code[static_cast<size_t>(Code::kDataError)] = 3;
  s.errors_by_code[static_cast<size_t>(Code::kUnavailable)] = 7;
  auto x = Scrape();
  EXPECT_EQ(x.types["trestle_node_rows_in_total"], "counter");
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", L("clean")), 1000);
  EXPECT_EQ(x.Get("trestle_node_rows_out_total", L("clean")), 990);
  EXPECT_EQ(x.Get("trestle_node_batches_in_total", L("clean")), 10);
  EXPECT_EQ(x.Get("trestle_node_batches_out_total", L("clean")), 9);
  EXPECT_EQ(x.Get("trestle_node_dead_lettered_rows_total", L("clean")), 4);
  EXPECT_EQ(x.Get("trestle_node_filtered_rows_total", L("clean")), 5);
  EXPECT_EQ(x.Get("trestle_node_skipped_rows_total", L("clean")), 1);
  EXPECT_EQ(x.Get("trestle_node_retries_total", L("clean")), 7);
  EXPECT_EQ(x.types["trestle_node_inflight_batches"], "gauge");
  EXPECT_EQ(x.Get("trestle_node_inflight_batches", L("clean")), 2);
  EXPECT_EQ(x.Get("trestle_node_errors_total", L("clean", "code", "DATA_ERROR")), 3);
  EXPECT_EQ(x.Get("trestle_node_errors_total", L("clean", "code", "UNAVAILABLE")), 7);
  // Every code is there from the start (alerts on rate() need the zero), OK is not.
  EXPECT_EQ(x.Get("trestle_node_errors_total", L("clean", "code", "INTERNAL")), 0);
  EXPECT_EQ(x.Get("trestle_node_errors_total", L("src", "code", "CANCELLED")), 0);
  EXPECT_FALSE(x.Get("trestle_node_errors_total", L("clean", "code", "OK")));
  EXPECT_EQ(x.All("trestle_node_errors_total").size(), 7u * plan.nodes.size());
  // Every node has every series, and its info.
  for (const auto& n : plan.nodes) EXPECT_TRUE(x.Get("trestle_node_rows_out_total", L(n->name))) << n->name;
  EXPECT_EQ(x.Get("trestle_node_info", {{"pipeline", "scoring"},
                                         {"node", "model"},
                                         {"type", "linear"},
                                         {"role", "model"},
                                         {"plugin", "plug"},
                                         {"plugin_version", "1.2.3"}}),
            1);
  EXPECT_EQ(x.Get("trestle_source_rows_read_total", L("src")), 1000);
  EXPECT_FALSE(x.Get("trestle_source_rows_read_total", L("clean"))) << "only sources read rows";
}

TEST_F(PrometheusTest, LatencyHistogramIsCumulativeInSeconds) {
  LatencyHistogram& h = N(1).stats->latency;
  h.Observe(0.00005);  // <= 0.0001
  h.Observe(0.003);    // <= 0.005
  h.Observe(0.004);    // <= 0.005
  h.Observe(2.0);      // above every bound
  auto x = Scrape();
  const std::string f = "trestle_node_batch_duration_seconds";
  EXPECT_EQ(x.types[f], "histogram");
  EXPECT_EQ(x.Get(f + "_bucket", L("clean", "le", "0.0001")), 1);
  EXPECT_EQ(x.Get(f + "_bucket", L("clean", "le", "0.00025")), 1);
  EXPECT_EQ(x.Get(f + "_bucket", L("clean", "le", "0.0025")), 1);
  EXPECT_EQ(x.Get(f + "_bucket", L("clean", "le", "0.005")), 3);
  EXPECT_EQ(x.Get(f + "_bucket", L("clean", "le", "1")), 3);
  EXPECT_EQ(x.Get(f + "_bucket", L("clean", "le", "+Inf")), 4);
  EXPECT_EQ(x.Get(f + "_count", L("clean")), 4);
  EXPECT_NEAR(*x.Get(f + "_sum", L("clean")), 2.00705, 1e-5);
  // One bucket per bound plus +Inf, for every node.
  EXPECT_EQ(x.All(f + "_bucket").size(), (LatencyHistogram::kBounds.size() + 1) * plan.nodes.size());
  EXPECT_EQ(x.Get(f + "_count", L("out")), 0);
}

TEST_F(PrometheusTest, ModelVersionsSwapsAndShadow) {
  PlannedNode& m = N(2);
  m.model = std::make_unique<ModelSlot>(Version("1", "aaa", 500, 5));
  m.model->Swap(Version("2", "bbb", 200, 2));
  // The same directory name loaded again after a failed swap back: one series.
  m.model->Swap(Version("1", "aaa", 30, 1));
  m.model->Swap(Version("3", "ccc", 7, 1));
  // Predict durations: version 1 twice (two loads, one series), version 3 once.
  m.model->History()[0]->latency.Observe(0.0004);
  m.model->History()[2]->latency.Observe(0.2);
  m.model->History()[3]->latency.Observe(0.003);
  m.stats->AddCustom("model_load_failures", 2);
  m.stats->AddCustom("model_swaps", 3);
  m.stats->AddCustom("shadow_rows_compared", 10);
  m.shadow = std::make_unique<ShadowPlan>();
  m.shadow->type = "xgboost";
  m.shadow->record = Version("9", "sss", 0, 0)->shared_record();
  {
    std::lock_guard<std::mutex> l(m.shadow->mu);
    m.shadow->totals.batches_compared = 6;
    m.shadow->totals.batches_skipped = 1;
    m.shadow->totals.rows_compared = 60;
    m.shadow->totals.rows_rejected_by_shadow_only = 2;
    m.shadow->totals.rows_rejected_by_node_only = 3;
    m.shadow->totals.label_rows = 60;
    m.shadow->totals.label_disagreements = 6;
    m.shadow->totals.score_rows = 60;
    m.shadow->totals.score_abs_diff_sum = 1.5;
    m.shadow->totals.score_abs_diff_max = 0.25;
  }
  auto x = Scrape();
  // Only the serving version has an info series.
  auto info = x.All("trestle_model_info");
  ASSERT_EQ(info.size(), 1u) << text;
  EXPECT_EQ(info[0].labels,
            (LabelSet{{"pipeline", "scoring"}, {"node", "model"}, {"version", "3"}, {"framework", "linear"}, {"sha256", "ccc"}}));
  EXPECT_EQ(x.Get("trestle_model_loaded_timestamp_seconds", L("model", "version", "3")), 1700000000);
  EXPECT_EQ(x.Get("trestle_model_predictions_total", L("model", "version", "1")), 530);
  EXPECT_EQ(x.Get("trestle_model_predictions_total", L("model", "version", "2")), 200);
  EXPECT_EQ(x.Get("trestle_model_predictions_total", L("model", "version", "3")), 7);
  EXPECT_EQ(x.Get("trestle_model_batches_total", L("model", "version", "1")), 6);
  const std::string d = "trestle_model_predict_duration_seconds";
  EXPECT_EQ(x.Get(d + "_count", L("model", "version", "1")), 2);
  EXPECT_NEAR(x.Get(d + "_sum", L("model", "version", "1")).value_or(-1), 0.2004, 1e-9);
  EXPECT_EQ(x.Get(d + "_bucket", {{"pipeline", "scoring"}, {"node", "model"}, {"version", "1"}, {"le", "0.0005"}}), 1);
  EXPECT_EQ(x.Get(d + "_bucket", {{"pipeline", "scoring"}, {"node", "model"}, {"version", "1"}, {"le", "+Inf"}}), 2);
  EXPECT_EQ(x.Get(d + "_count", L("model", "version", "3")), 1);
  EXPECT_EQ(x.Get(d + "_count", L("model", "version", "2")), 0);
  EXPECT_EQ(x.Get("trestle_model_swaps_total", L("model")), 3);
  EXPECT_EQ(x.Get("trestle_model_load_failures_total", L("model")), 2);
  EXPECT_FALSE(x.Get("trestle_model_swaps_total", L("clean"))) << "not a model";
  // Shadow.
  EXPECT_EQ(x.Get("trestle_model_shadow_info", {{"pipeline", "scoring"},
                                                 {"node", "model"},
                                                 {"type", "xgboost"},
                                                 {"version", "9"},
                                                 {"framework", "linear"},
                                                 {"sha256", "sss"}}),
            1);
  EXPECT_EQ(x.Get("trestle_model_shadow_batches_compared_total", L("model")), 6);
  EXPECT_EQ(x.Get("trestle_model_shadow_batches_skipped_total", L("model")), 1);
  EXPECT_EQ(x.Get("trestle_model_shadow_rows_compared_total", L("model")), 60);
  EXPECT_EQ(x.Get("trestle_model_shadow_rows_rejected_alone_total", L("model", "rejected_by", "shadow")), 2);
  EXPECT_EQ(x.Get("trestle_model_shadow_rows_rejected_alone_total", L("model", "rejected_by", "node")), 3);
  EXPECT_EQ(x.Get("trestle_model_shadow_label_disagreements_total", L("model")), 6);
  EXPECT_EQ(x.Get("trestle_model_shadow_score_abs_diff_total", L("model")), 1.5);
  EXPECT_EQ(x.types["trestle_model_shadow_score_abs_diff_max"], "gauge");
  EXPECT_EQ(x.Get("trestle_model_shadow_score_abs_diff_max", L("model")), 0.25);
  // The host's own entries in the node's metric map are not plugin metrics.
  for (const auto& [family, type] : x.types) EXPECT_EQ(family.find("trestle_operator_"), std::string::npos) << family;
}

TEST_F(PrometheusTest, PluginCountersAndGauges) {
  NodeStats& s = *N(1).stats;
  s.AddCustom("rowsSeen", 5);
  s.AddCustom("rowsSeen", 2);
  s.AddCustom("bytes_total", 100);
  s.SetGauge("queue depth", 3.5);
  s.SetGauge("ratio.p99", 0.125);
  N(4).stats->AddCustom("rows seen", 1);  // same family from another node
  auto x = Scrape();
  EXPECT_EQ(x.types["trestle_operator_rows_seen_total"], "counter");
  EXPECT_EQ(x.Get("trestle_operator_rows_seen_total", L("clean")), 7);
  EXPECT_EQ(x.Get("trestle_operator_rows_seen_total", L("out")), 1);
  EXPECT_EQ(x.types["trestle_operator_bytes_total"], "counter") << "no _total_total";
  EXPECT_EQ(x.Get("trestle_operator_bytes_total", L("clean")), 100);
  EXPECT_EQ(x.types["trestle_operator_queue_depth"], "gauge");
  EXPECT_EQ(x.Get("trestle_operator_queue_depth", L("clean")), 3.5);
  EXPECT_EQ(x.Get("trestle_operator_ratio_p99", L("clean")), 0.125);
  // A counter that later becomes a gauge is a gauge.
  s.SetGauge("rowsSeen", 1);
  x = Scrape();
  EXPECT_EQ(x.Get("trestle_operator_rows_seen", L("clean")), 1);
  EXPECT_EQ(x.Get("trestle_operator_rows_seen_total", L("out")), 1);
}

TEST_F(PrometheusTest, ClashingPluginMetricsStayValid) {
  // A gauge called *_total on one node and a counter of the same name on another would
  // be one family with two types: the second is left out, the exposition stays valid.
  N(1).stats->SetGauge("x_total", 1);
  N(4).stats->AddCustom("x", 2);
  // Two raw names that sanitise to the same series: the first is kept.
  N(1).stats->AddCustom("a.b", 1);
  N(1).stats->AddCustom("a-b", 2);
  auto x = Scrape();
  EXPECT_EQ(x.types["trestle_operator_x_total"], "gauge");
  EXPECT_EQ(x.Get("trestle_operator_x_total", L("clean")), 1);
  EXPECT_FALSE(x.Get("trestle_operator_x_total", L("out")));
  EXPECT_EQ(x.Get("trestle_operator_a_b_total", L("clean")), 2) << "\"a-b\" sorts first";
}

TEST_F(PrometheusTest, MonitorFindingsWindowsAndSkips) {
  NodeStats& s = *N(3).stats;
  s.AddFinding("FEATURE_DRIFT");
  s.AddFinding("FEATURE_DRIFT");
  s.AddFinding("NULL_SPIKE");
  s.windows = 12;
  s.AddCustom("skipped_batches", 3);
  auto x = Scrape();
  EXPECT_EQ(x.Get("trestle_monitor_findings_total", L("drift", "code", "FEATURE_DRIFT")), 2);
  EXPECT_EQ(x.Get("trestle_monitor_findings_total", L("drift", "code", "NULL_SPIKE")), 1);
  EXPECT_EQ(x.Get("trestle_monitor_windows_total", L("drift")), 12);
  EXPECT_EQ(x.Get("trestle_monitor_skipped_batches_total", L("drift")), 3);
  EXPECT_FALSE(x.Get("trestle_operator_skipped_batches_total", L("drift")));
  EXPECT_FALSE(x.Get("trestle_monitor_windows_total", L("clean"))) << "not a monitor";
}

TEST_F(PrometheusTest, LabelValuesAreEscaped) {
  plan.pipeline = "a \"quoted\"\\path\nnext";
  N(1).name = "node{with}=,odd\"chars";
  N(1).stats->rows_in = 9;
  N(1).stats->SetGauge("g", 1);
  auto x = Scrape();
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", L(N(1).name)), 9) << text;
  EXPECT_EQ(x.Get("trestle_operator_g", L(N(1).name)), 1);
  EXPECT_NE(text.find(R"(pipeline="a \"quoted\"\\path\nnext")"), std::string::npos) << text;
}

TEST_F(PrometheusTest, ValidWhileTheRunGoesOn) {
  // Writers on the data path while the exposition renders: every scrape stays valid
  // and every counter only grows.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load()) {
      NodeStats& s = *N(1).stats;
      s.rows_in.fetch_add(10);
      s.batches_in.fetch_add(1);
      s.latency.Observe(0.002);
      s.AddCustom("calls", 1);
    }
  });
  double last_rows = -1, last_count = -1;
  for (int i = 0; i < 200; ++i) {
    auto x = Scrape();
    if (!x.errors.empty()) break;
    double rows = x.Get("trestle_node_rows_in_total", L("clean")).value_or(-2);
    double count = x.Get("trestle_node_batch_duration_seconds_count", L("clean")).value_or(-2);
    EXPECT_GE(rows, last_rows);
    EXPECT_GE(count, last_count);
    last_rows = rows;
    last_count = count;
  }
  stop = true;
  writer.join();
}

TEST(PrometheusFormat, SampleValues) {
  EXPECT_EQ(FormatSampleValue(0.0001), "0.0001");
  EXPECT_EQ(FormatSampleValue(0.00025), "0.00025");
  EXPECT_EQ(FormatSampleValue(1), "1");
  EXPECT_EQ(FormatSampleValue(2.5), "2.5");
  EXPECT_EQ(FormatSampleValue(1e20), "1e+20");
  EXPECT_EQ(FormatSampleValue(1e-7), "1e-07");
  EXPECT_EQ(FormatSampleValue(-3), "-3");
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(1795603351.0425348), "1795603351.0425348");
  EXPECT_EQ(FormatSampleValue(123456789012345.5), "123456789012345.5");
  EXPECT_EQ(FormatSampleValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

TEST(PrometheusFormat, MetricNames) {
  EXPECT_EQ(SanitizeMetricName("rows_seen"), "rows_seen");
  EXPECT_EQ(SanitizeMetricName("rowsSeen"), "rows_seen");
  EXPECT_EQ(SanitizeMetricName("HTTPRequests"), "httprequests");
  EXPECT_EQ(SanitizeMetricName("cache.hit-ratio"), "cache_hit_ratio");
  EXPECT_EQ(SanitizeMetricName("  __a  b__ "), "a_b");
  EXPECT_EQ(SanitizeMetricName("p99Latency2x"), "p99_latency2x");
  EXPECT_EQ(SanitizeMetricName("ümlaut"), "mlaut");
  EXPECT_EQ(SanitizeMetricName("..."), "");
}

TEST(PrometheusFormat, Escaping) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("a\"b\\c\nd"), "a\"b\\\\c\\nd");
}

TEST(PrometheusFormat, ExpositionGroupsFamiliesAndDropsDuplicates) {
  Exposition e;
  EXPECT_TRUE(e.Declare("a_total", Exposition::Type::kCounter, "A."));
  EXPECT_TRUE(e.Declare("b", Exposition::Type::kGauge, "B."));
  EXPECT_TRUE(e.Declare("a_total", Exposition::Type::kCounter, "again"));
  EXPECT_FALSE(e.Declare("b", Exposition::Type::kCounter, "B as a counter"));
  EXPECT_TRUE(e.Declare("unused", Exposition::Type::kGauge, "no samples"));
  e.Add("a_total", {{"x", "1"}}, int64_t{1});
  e.Add("b", {{"x", "1"}}, 0.5);
  e.Add("a_total", {{"x", "2"}}, int64_t{2});
  e.Add("a_total", {{"x", "2"}}, int64_t{3});  // duplicate series: ignored
  e.Add("undeclared", {}, int64_t{1});
  EXPECT_EQ(e.Render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 2\n"
            "# HELP b B.\n# TYPE b gauge\nb{x=\"1\"} 0.5\n");
}

TEST(PrometheusFormat, HistogramCountEqualsInfBucket) {
  Exposition e;
  e.Declare("h_seconds", Exposition::Type::kHistogram, "H.");
  e.AddHistogram("h_seconds", {{"n", "x"}}, {0.1, 1}, {2, 0, 5}, 9.5);
  EXPECT_EQ(e.Render(),
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "h_seconds_bucket{n=\"x\",le=\"0.1\"} 2\n"
            "h_seconds_bucket{n=\"x\",le=\"1\"} 2\n"
            "h_seconds_bucket{n=\"x\",le=\"+Inf\"} 7\n"
            "h_seconds_sum{n=\"x\"} 9.5\n"
            "h_seconds_count{n=\"x\"} 7\n");
}

}  // namespace
}  // namespace trestle::core
