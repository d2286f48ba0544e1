// `trestle serve` end to end: the churn and model-swap examples served score bit for bit
// as their batch runs score them.

#include <fstream>
#include <map>
#include <set>

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

TEST_F(ServeTest, TheChurnExampleServedScoresAsItsBatchRunBitForBit) {
  const fs::path example = fs::path(SourceDir()) / "examples" / "churn";
  fs::copy_file(example / "churn.yaml", Path("churn.yaml"));
  fs::copy(example / "models", Path("models"), fs::copy_options::recursive);
  // The first 300 customers of the example's data (generated when it has none yet).
  std::vector<std::string> lines;
  if (fs::exists(example / "data" / "customers.csv")) {
    std::ifstream in(example / "data" / "customers.csv");
    for (std::string line; lines.size() < 301 && std::getline(in, line);) lines.push_back(line);
  } else {
    ProcessOptions gen;
    gen.cwd = dir();
    ASSERT_EXIT_CODE(RunProcess({TRESTLE_PYTHON3, (example / "generate.py").string(), "--rows", "300", "--train-rows", "10",
                                 "--out", "gen"},
                                gen),
                     0);
    lines = Lines("gen/customers.csv");
  }
  ASSERT_EQ(lines.size(), 301u);
  std::string data;
  for (const auto& l : lines) data += l + "\n";
  Write("data/customers.csv", data);

  ProcessOptions options;
  options.unset_env.push_back("CHURN_DATA");
  ASSERT_EXIT_CODE(Trestle({"run", "churn.yaml", "--run-dir", "batch"}, options), 0);
  fs::rename(Path("out"), Path("batch_out"));
  const Csv batch = ParseCsv(Read("batch_out/churn_scores.csv"));
  ASSERT_EQ(batch.header, (std::vector<std::string>{"customer_id", "churn_probability", "will_churn"}));
  ASSERT_GT(batch.rows.size(), 280u);

  model_ = "churn-scoring";
  auto p = Serve({"--response", "scores", "--max-queue-delay-us", "5000"}, "churn.yaml", options);
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  Reply metadata = Call(port_, "GET", "/v2/models/churn-scoring");
  const json expected_inputs = json::parse(R"([
      {"name": "customer_id", "datatype": "BYTES", "shape": [-1]},
      {"name": "signup_date", "datatype": "BYTES", "shape": [-1]},
      {"name": "tenure_months", "datatype": "INT64", "shape": [-1]},
      {"name": "monthly_charges", "datatype": "FP64", "shape": [-1]},
      {"name": "total_charges", "datatype": "FP64", "shape": [-1]},
      {"name": "contract", "datatype": "BYTES", "shape": [-1]},
      {"name": "payment_method", "datatype": "BYTES", "shape": [-1]},
      {"name": "internet_service", "datatype": "BYTES", "shape": [-1]},
      {"name": "support_calls", "datatype": "INT64", "shape": [-1]},
      {"name": "senior", "datatype": "BOOL", "shape": [-1]}])");
  const json expected_outputs = json::parse(R"([
      {"name": "customer_id", "datatype": "BYTES", "shape": [-1]},
      {"name": "churn_probability", "datatype": "FP64", "shape": [-1]},
      {"name": "will_churn", "datatype": "INT64", "shape": [-1]}])");
  EXPECT_EQ(metadata.Json()["inputs"], expected_inputs) << metadata.body;
  EXPECT_EQ(metadata.Json()["outputs"], expected_outputs) << metadata.body;

  const std::map<std::string, json> served = ServeRows(ParseCsv(data), "customer_id");
  ExpectSameScores(batch, served, "customer_id", {"churn_probability", "will_churn"});
  for (const auto& [id, row] : served) EXPECT_TRUE(row["will_churn"].is_number_integer()) << row.dump();

  ProcessResult r = Terminate(*p);
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(Exists("out/churn_scores.csv")) << "the response node wrote its file";
  // The other sink ran as in a batch run: the customers most at risk, as the batch run listed them.
  std::set<std::string> at_risk, batch_at_risk;
  for (const auto& row : ReadJsonLines("out/at_risk.jsonl")) at_risk.insert(row["customer_id"].get<std::string>());
  for (const auto& row : ReadJsonLines("batch_out/at_risk.jsonl")) batch_at_risk.insert(row["customer_id"].get<std::string>());
  EXPECT_FALSE(batch_at_risk.empty());
  EXPECT_EQ(at_risk, batch_at_risk);
}

TEST_F(ServeTest, TheModelSwapExampleWithXgboostServedScoresAsItsBatchRunBitForBit) {
  // Builds without the xgboost plugin (the ThreadSanitizer one) have nothing to serve.
  if (!fs::exists(fs::path(PluginDir()) / "libtrestle_xgboost.so"))
    GTEST_SKIP() << "the xgboost plugin is not part of this build";
  const fs::path example = fs::path(SourceDir()) / "examples" / "model-swap";
  for (const char* what : {"pipeline.yaml", "data", "features", "models"})
    fs::copy(example / what, Path(what), fs::copy_options::recursive);
  ProcessOptions options;
  options.env["MODEL"] = "xgboost";
  options.unset_env = {"HOLDOUT", "SCORES"};
  ASSERT_EXIT_CODE(Trestle({"run", "pipeline.yaml", "--run-dir", "batch"}, options), 0);
  const Csv batch = ParseCsv(Read("out/scores.csv"));
  ASSERT_EQ(batch.header, (std::vector<std::string>{"id", "score", "label"}));
  ASSERT_GT(batch.rows.size(), 100u);
  fs::remove(Path("out/scores.csv"));

  model_ = "model-swap";
  auto p = Serve({"--max-queue-delay-us", "5000"}, "pipeline.yaml", options);
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  const std::map<std::string, json> served = ServeRows(ParseCsv(Read("data/holdout.csv")), "id");
  ExpectSameScores(batch, served, "id", {"score", "label"});
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

}  // namespace
}  // namespace trestle::clitest
