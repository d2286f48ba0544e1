// The churn example end to end, as examples/churn/run.sh runs it, in a copy of the
// example directory with a freshly generated data set.
#include <charconv>
#include <filesystem>
#include <sstream>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

namespace fs = std::filesystem;

#ifndef TRESTLE_PYTHON3
#define TRESTLE_PYTHON3 "/usr/bin/python3"
#endif

bool IsInteger(const std::string& s) {
  if (s.empty()) return false;
  int64_t v = 0;
  const char* begin = s.data() + (s[0] == '-' || s[0] == '+' ? 1 : 0);
  auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() && begin != end;
}

std::vector<std::string> SplitCommas(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.push_back("");
  return fields;
}

class ChurnExampleTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    const fs::path example = fs::path(SourceDir()) / "examples" / "churn";
    fs::copy_file(example / "churn.yaml", Path("churn.yaml"));
    fs::copy(example / "models", Path("models"), fs::copy_options::recursive);
  }
};

TEST_F(ChurnExampleTest, RunsBalancedAndDeadLettersExactlyTheMalformedLines) {
  const std::string generator = (fs::path(SourceDir()) / "examples" / "churn" / "generate.py").string();
  ProcessOptions gen_options;
  gen_options.cwd = dir();
  ProcessResult gen = RunProcess({TRESTLE_PYTHON3, generator, "--rows", "20000", "--out", "data"}, gen_options);
  ASSERT_EXIT_CODE(gen, 0);

  // Count the lines csv_source must refuse: a field count other than 10, or a tenure
  // that is not an integer.
  std::vector<std::string> lines = Lines("data/customers.csv");
  ASSERT_EQ(lines.size(), 20001u);
  ASSERT_EQ(SplitCommas(lines[0]).size(), 10u) << lines[0];
  int64_t short_lines = 0, bad_tenure = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = SplitCommas(lines[i]);
    if (f.size() != 10) {
      ++short_lines;
    } else if (!IsInteger(f[2])) {
      ++bad_tenure;
    }
  }
  const int64_t malformed = short_lines + bad_tenure;
  ASSERT_GT(short_lines, 0) << "the generator wrote no truncated line";
  ASSERT_GT(bad_tenure, 0) << "the generator wrote no bad tenure";

  ProcessOptions run_options;
  run_options.unset_env.push_back("CHURN_DATA");
  ProcessResult r = Trestle({"run", "churn.yaml", "--report", "out/report.json"}, run_options);
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.out, "pipeline churn-scoring  succeeded")) << r.out;
  EXPECT_TRUE(Contains(r.out, "row accounting (balanced):")) << r.out;
  EXPECT_TRUE(Contains(r.out, "source customers: 20000 rows read")) << r.out;

  nlohmann::json report = ReadJson("out/report.json");
  EXPECT_EQ(report["status"], "succeeded");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(report["accounting"]["sources"]["customers"]["read"], 20000);
  EXPECT_GT(report["dead_letters"]["rows"].get<int64_t>(), 0);
  EXPECT_EQ(report["dead_letters"]["rows"], malformed);
  for (const char* plugin : {"io", "features", "linear"})
    EXPECT_TRUE(IsSha256(report["plugins"][plugin]["sha256"].get<std::string>())) << plugin;

  nlohmann::json scores = report["accounting"]["sources"]["customers"]["paths"]["scores"];
  EXPECT_EQ(scores["reached"], 20000 - malformed);
  EXPECT_EQ(scores["dead_lettered"], malformed);
  EXPECT_EQ(scores["filtered"], 0);
  nlohmann::json call_list = report["accounting"]["sources"]["customers"]["paths"]["call_list"];
  EXPECT_EQ(call_list["reached"].get<int64_t>() + call_list["filtered"].get<int64_t>(), 20000 - malformed);

  // Every scored customer is in the scores file, once; the at-risk list agrees.
  std::vector<std::string> scored = Lines("out/churn_scores.csv");
  ASSERT_FALSE(scored.empty());
  EXPECT_EQ(scored[0], "customer_id,churn_probability,will_churn");
  EXPECT_EQ(static_cast<int64_t>(scored.size()) - 1, 20000 - malformed);
  std::vector<nlohmann::json> at_risk = ReadJsonLines("out/at_risk.jsonl");
  EXPECT_EQ(static_cast<int64_t>(at_risk.size()), call_list["reached"].get<int64_t>());
  for (auto row : at_risk) EXPECT_GE(row["churn_probability"].get<double>(), 0.8) << row.dump();

  // Each dead letter is one of the malformed lines, with its line number.
  const std::string dl_path = report["dead_letters"]["path"].get<std::string>();
  std::vector<nlohmann::json> dl = ReadJsonLines(dl_path);
  ASSERT_EQ(static_cast<int64_t>(dl.size()), malformed);
  for (auto d : dl) {
    EXPECT_EQ(d["node"], "customers");
    const std::string location = d["location"].get<std::string>();
    ASSERT_EQ(location.rfind("data/customers.csv:", 0), 0u) << location;
    const size_t line = std::stoul(location.substr(location.find(':') + 1));
    ASSERT_GE(line, 2u);
    ASSERT_LE(line, lines.size());
    EXPECT_EQ(d["record"], lines[line - 1]) << location;
  }
}

}  // namespace
}  // namespace trestle::clitest
