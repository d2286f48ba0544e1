// Model serving: versioned model repositories (latest and pinned), the version column,
// the run report's model section, hot swap under a running stream (polling and
// SIGHUP), failed loads that leave the serving version in place, and shadow models.
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A linear model over the sequence source's x: score = x + intercept.
std::string LinearModel(double intercept, const std::string& file_version = "") {
  std::string j = R"({"type": "linear", "features": ["x"], "coefficients": [1], "intercept": )" +
                  std::to_string(intercept);
  if (!file_version.empty()) j += R"(, "version": ")" + file_version + "\"";
  return j + "}";
}

class ServingTest : public CliTest {
 protected:
  // Publishes version `v` of models/m the way a deployment should: written beside the
  // repository's numbered directories, then renamed into place.
  void Publish(int v, const std::string& model_json) {
    const std::string tmp = "models/m/.tmp-" + std::to_string(v);
    Write(tmp + "/linear.json", model_json);
    std::filesystem::rename(Path(tmp), Path("models/m/" + std::to_string(v)));
  }

  void WritePipeline(const std::string& serving, int64_t rows, int64_t sleep_ms = 0) {
    Write("p.yaml", "pipeline: serving\nnodes:\n"
                    "  - {name: seq, type: sequence, options: {rows: " + std::to_string(rows) +
                        ", sleep_ms: " + std::to_string(sleep_ms) + "}}\n"
                    "  - name: score\n    type: linear\n    inputs: [seq]\n    options: {model: models/m}\n"
                    "    serving: " + serving + "\n"
                    "  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}\n"
                    "execution: {batch_rows: 20}\n");
  }

  static nlohmann::json Model(const nlohmann::json& report) {
    EXPECT_EQ(report["models"].size(), 1u) << report.dump(2);
    return report["models"].empty() ? nlohmann::json() : report["models"][0];
  }
};

TEST_F(ServingTest, LatestVersionServesAndEveryRowNamesIt) {
  Publish(1, LinearModel(10));
  Publish(2, LinearModel(20, "trained-2026-11-20"));
  Write("models/m/.tmp-3/linear.json", "not yet complete");  // a version being copied in
  Write("models/m/notes/readme.txt", "not a version");
  WritePipeline("{version_column: model_version}", 50);
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  auto rows = ReadJsonLines("out.jsonl");
  ASSERT_EQ(rows.size(), 50u);
  for (const auto& row : rows) {
    EXPECT_EQ(row["model_version"], "2");
    EXPECT_DOUBLE_EQ(row["score"].get<double>(), row["x"].get<double>() + 20);
  }
  nlohmann::json m = Model(ReadJson("r.json"));
  EXPECT_EQ(m["node"], "score");
  EXPECT_EQ(m["model"], "models/m");
  EXPECT_EQ(m["policy"], "latest");
  EXPECT_EQ(m["serving"], "2");
  ASSERT_EQ(m["versions"].size(), 1u);
  const nlohmann::json& v = m["versions"][0];
  EXPECT_EQ(v["version"], "2");
  EXPECT_EQ(v["path"], "models/m/2");
  EXPECT_EQ(v["framework"], "linear");
  EXPECT_EQ(v["model_file_version"], "trained-2026-11-20");
  EXPECT_EQ(v["rows"], 50);
  EXPECT_TRUE(IsSha256(v["sha256"].get<std::string>())) << v.dump();
  EXPECT_TRUE(Contains(r.out, "model score:  version 2 scored 50 rows")) << r.out;
}

TEST_F(ServingTest, APinnedVersionServesEvenWhenNewerOnesExist) {
  Publish(1, LinearModel(10));
  Publish(2, LinearModel(20));
  WritePipeline("{version: 1, version_column: v}", 30);
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  for (const auto& row : ReadJsonLines("out.jsonl")) {
    EXPECT_EQ(row["v"], "1");
    EXPECT_DOUBLE_EQ(row["score"].get<double>(), row["x"].get<double>() + 10);
  }
  EXPECT_EQ(Model(ReadJson("r.json"))["policy"], "1");
}

TEST_F(ServingTest, AMissingPinnedVersionIsAnErrorListingTheVersionsThereAre) {
  Publish(1, LinearModel(10));
  Publish(3, LinearModel(30));
  WritePipeline("{version: 7}", 10);
  ProcessResult r = Trestle({"validate", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "p.yaml:7:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "model repository \"models/m\" has no version 7 (versions: 1, 3)")) << r.err;
}

TEST_F(ServingTest, ServingIsCheckedWhereItIsWritten) {
  Publish(1, LinearModel(10));
  Write("p.yaml", R"(pipeline: bad-serving
nodes:
  - {name: seq, type: sequence, options: {rows: 5}, serving: {version: 1}}
  - name: score
    type: linear
    inputs: [seq]
    options: {model: models/m}
    serving:
      version: newest
      poll_s: -1
      version_column: "model version"
      shadow: {type: linearr, options: {model: models/m}}
  - name: score2
    type: linear
    inputs: [seq]
    options: {model: models/m}
    serving: {shadow: {type: linear, options: {modle: models/m}}}
  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "p.yaml:3:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "serving applies only to models; operator \"sequence\" is a source")) << r.err;
  EXPECT_TRUE(Contains(r.err, "p.yaml:9:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "must be \"latest\" or a version number, got \"newest\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "p.yaml:10:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "p.yaml:11:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "invalid column name \"model version\"")) << r.err;
  EXPECT_TRUE(Contains(r.err, "p.yaml:12:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "unknown operator type \"linearr\" (did you mean \"linear\"?)")) << r.err;
  EXPECT_TRUE(Contains(r.err, "p.yaml:17:")) << r.err;
  EXPECT_TRUE(Contains(r.err, "unknown option \"modle\" for operator \"linear\"")) << r.err;
}

TEST_F(ServingTest, AVersionColumnThatClashesIsRefused) {
  Publish(1, LinearModel(10));
  WritePipeline("{version_column: x}", 10);
  ProcessResult r = Trestle({"validate", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "the model's output already has a column \"x\"")) << r.err;
}

// Versions 2..8 are published while an endless stream runs; version 5 is broken. Every
// row comes out exactly once, all rows of a batch carry one version, each row's score is
// the one its version computes, version 5 never serves, and the report's rows per
// version are exactly the rows that carry it.
TEST_F(ServingTest, HotSwapUnderAStreamScoresEveryRowOnceByALiveVersion) {
  Publish(1, LinearModel(10));
  WritePipeline("{poll_s: 0.02, version_column: model_version}", 0, 5);
  auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
  for (int v = 2; v <= 8; ++v) {
    std::this_thread::sleep_for(milliseconds(250));
    Publish(v, v == 5 ? std::string("{\"type\": \"linear\", \"features\": [\"x\"]") : LinearModel(10.0 * v));
    if (v == 5) continue;
    ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "model version " + std::to_string(v) + " now serves"); },
                          seconds(20)))
        << p->Stderr();
  }
  std::this_thread::sleep_for(milliseconds(200));
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.err, "model version 5 not loaded; version 4 keeps serving")) << r.err;

  auto rows = ReadJsonLines("out.jsonl");
  ASSERT_GT(rows.size(), 100u);
  std::map<int64_t, int> seen;
  std::map<int64_t, std::string> batch_version;
  std::map<std::string, int64_t> per_version;
  for (const auto& row : rows) {
    const int64_t id = row["id"].get<int64_t>();
    ++seen[id];
    const std::string v = row["model_version"].get<std::string>();
    ASSERT_NE(v, "5");
    EXPECT_DOUBLE_EQ(row["score"].get<double>(), row["x"].get<double>() + 10.0 * std::stoi(v)) << row.dump();
    auto [it, first] = batch_version.emplace(id / 20, v);
    EXPECT_EQ(it->second, v) << "batch " << id / 20 << " mixes versions";
    ++per_version[v];
  }
  ASSERT_EQ(seen.size(), rows.size()) << "a row came out twice";
  EXPECT_EQ(seen.begin()->first, 0);
  EXPECT_EQ(seen.rbegin()->first, static_cast<int64_t>(rows.size()) - 1) << "a row is missing";
  EXPECT_GE(per_version.size(), 5u);

  nlohmann::json m = Model(ReadJson("r.json"));
  EXPECT_EQ(m["swaps"], 6);
  EXPECT_EQ(m["load_failures"], 1);
  EXPECT_EQ(m["serving"], "8");
  std::map<std::string, int64_t> reported;
  for (const auto& v : m["versions"]) reported[v["version"].get<std::string>()] += v["rows"].get<int64_t>();
  for (const auto& [v, n] : per_version) EXPECT_EQ(reported[v], n) << "version " << v;
  int64_t total = 0;
  for (const auto& [v, n] : reported) total += n;
  EXPECT_EQ(total, static_cast<int64_t>(rows.size()));
  EXPECT_EQ(m["versions"].size(), 8u - 1u);  // 1..8 without 5
}

TEST_F(ServingTest, SighupReloadsAModelFileThatChanged) {
  Write("m.json", LinearModel(10, "a"));
  Write("p.yaml", R"(pipeline: sighup
nodes:
  - {name: seq, type: sequence, options: {rows: 0, sleep_ms: 5}}
  - {name: score, type: linear, inputs: [seq], options: {model: m.json}, serving: {version_column: v}}
  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}
execution: {batch_rows: 20}
)");
  auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
  std::this_thread::sleep_for(milliseconds(300));
  p->Signal(SIGHUP);  // nothing changed: nothing reloads
  std::this_thread::sleep_for(milliseconds(300));
  Write("m.json.new", LinearModel(20, "b"));
  std::filesystem::rename(Path("m.json.new"), Path("m.json"));
  p->Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "model version b now serves (was a)"); }, seconds(20)))
      << p->Stderr();
  std::this_thread::sleep_for(milliseconds(300));
  p->Signal(SIGTERM);
  ProcessResult r = p->Wait();
  ASSERT_EXIT_CODE(r, 0);
  std::map<std::string, int64_t> per_version;
  for (const auto& row : ReadJsonLines("out.jsonl")) {
    const std::string v = row["v"].get<std::string>();
    ++per_version[v];
    EXPECT_DOUBLE_EQ(row["score"].get<double>(), row["x"].get<double>() + (v == "a" ? 10 : 20));
  }
  EXPECT_GT(per_version["a"], 0);
  EXPECT_GT(per_version["b"], 0);
  nlohmann::json m = Model(ReadJson("r.json"));
  EXPECT_EQ(m["swaps"], 1);
  ASSERT_EQ(m["versions"].size(), 2u);
  EXPECT_NE(m["versions"][0]["sha256"], m["versions"][1]["sha256"]);
  EXPECT_TRUE(m["versions"][0].contains("retired_at"));
}

TEST_F(ServingTest, SighupPicksUpANewVersionWithoutPolling) {
  Publish(1, LinearModel(10));
  WritePipeline("{version_column: v}", 0, 5);
  auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "started; run directory"); }, seconds(30))) << p->Stderr();
  Publish(2, LinearModel(20));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(Contains(p->Stderr(), "now serves")) << "poll_s 0 must not poll";
  p->Signal(SIGHUP);
  ASSERT_TRUE(WaitUntil([&] { return Contains(p->Stderr(), "model version 2 now serves (was 1)"); }, seconds(20)))
      << p->Stderr();
  p->Signal(SIGTERM);
  ASSERT_EXIT_CODE(p->Wait(), 0);
}

// The shadow scores every batch; its outputs never reach the sink; the report's
// disagreement metrics equal the ones computed here from the two models' formulas.
TEST_F(ServingTest, AShadowModelIsComparedButNeverEmitted) {
  Write("primary.json", R"({"type": "logistic", "features": ["x"], "coefficients": [0.1], "intercept": -2})");
  Write("shadow.json", R"({"type": "logistic", "features": ["x"], "coefficients": [0.12], "intercept": -2.5})");
  Write("p.yaml", R"(pipeline: shadow
nodes:
  - {name: seq, type: sequence, options: {rows: 400}}
  - name: score
    type: linear
    inputs: [seq]
    options: {model: primary.json}
    serving: {shadow: {type: linear, options: {model: shadow.json}, queue_batches: 1000}}
  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}
execution: {batch_rows: 32}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  auto rows = ReadJsonLines("out.jsonl");
  ASSERT_EQ(rows.size(), 400u);
  EXPECT_EQ(rows[0].size(), 4u) << "only id, x, score, label: " << rows[0].dump();

  auto sigmoid = [](double z) { return 1 / (1 + std::exp(-z)); };
  double sum = 0, max = 0;
  int disagree = 0;
  for (int i = 0; i < 400; ++i) {
    const double x = i * 0.5, a = sigmoid(0.1 * x - 2), b = sigmoid(0.12 * x - 2.5);
    sum += std::fabs(a - b);
    max = std::max(max, std::fabs(a - b));
    disagree += (a >= 0.5) != (b >= 0.5);
  }
  ASSERT_GT(disagree, 0);
  nlohmann::json s = Model(ReadJson("r.json"))["shadow"];
  EXPECT_EQ(s["type"], "linear");
  EXPECT_EQ(s["rows_compared"], 400);
  EXPECT_EQ(s["batches_skipped"], 0);
  EXPECT_EQ(s["label_disagreements"], disagree);
  EXPECT_NEAR(s["label_disagreement_share"].get<double>(), disagree / 400.0, 1e-12);
  EXPECT_NEAR(s["score_abs_diff_mean"].get<double>(), sum / 400, 1e-12);
  EXPECT_NEAR(s["score_abs_diff_max"].get<double>(), max, 1e-12);
  EXPECT_TRUE(IsSha256(s["model"]["sha256"].get<std::string>()));
  EXPECT_EQ(s["model"]["rows"], 400);
  nlohmann::json metrics = ReportNode(ReadJson("r.json"), "score")["metrics"];
  EXPECT_EQ(metrics["shadow_rows_compared"], 400);
  EXPECT_TRUE(Contains(r.out, "shadow linear: mean |score diff|")) << r.out;
  // A plain model file: which file was loaded, not "version -" and a version policy.
  const nlohmann::json m = Model(ReadJson("r.json"));
  EXPECT_EQ(m["policy"], "file");
  const std::string sha = m["versions"][0]["sha256"].get<std::string>();
  EXPECT_TRUE(Contains(r.out, "model score:  file primary.json (sha256 " + sha.substr(0, 12) + ") scored 400 rows")) << r.out;
  EXPECT_FALSE(Contains(r.out, "version -")) << r.out;
}

TEST_F(ServingTest, AShadowWithoutAComparableColumnIsRefused) {
  Write("primary.json", R"({"type": "linear", "features": ["x"], "coefficients": [1], "intercept": 0})");
  Write("p.yaml", R"(pipeline: shadow
nodes:
  - {name: seq, type: sequence, options: {rows: 4}}
  - name: score
    type: linear
    inputs: [seq]
    options: {model: primary.json}
    serving: {shadow: {type: linear, options: {model: primary.json, output: other}}}
  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}
)");
  ProcessResult r = Trestle({"validate", "p.yaml"});
  EXPECT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err, "the shadow and the node share neither a score column \"score\" nor a label column "
                              "\"label\" to compare"))
      << r.err;
}

}  // namespace
}  // namespace trestle::clitest
