// `trestle profile` writes a reference profile (and the inferred schema) of a CSV file;
// a pipeline with drift_monitor against that profile logs a WARNING finding on shifted
// data and none on data like the reference.
#include <cctype>
#include <cmath>
#include <random>
#include <sstream>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

// id,amount,country: amount ~ N(mean, 1), country from DE/FR/IT (+ XX when `new_country`).
std::string Transactions(int rows, double mean, bool new_country, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> amount(mean, 1.0);
  std::discrete_distribution<int> country({5.0, 3.0, 2.0, new_country ? 3.0 : 0.0});
  const char* names[] = {"DE", "FR", "IT", "XX"};
  std::ostringstream s;
  s << "id,amount,country\n";
  for (int i = 0; i < rows; ++i) {
    s << i << ",";
    if (i % 50 != 7) s << amount(rng);  // some nulls
    s << "," << names[country(rng)] << "\n";
  }
  return s.str();
}

constexpr const char* kMonitored = R"(pipeline: drift-check
nodes:
  - name: src
    type: csv_source
    options: {path: today.csv}
  - name: drift
    type: drift_monitor
    inputs: [src]
    monitoring: {queue_batches: 1000}
    options: {reference: ref.profile, features: [amount, country], window_rows: 5000, window_seconds: 0}
  - name: quality
    type: schema_monitor
    inputs: [src]
    monitoring: {queue_batches: 1000}
    options: {reference: ref.profile, window_rows: 5000, window_seconds: 0, range_tolerance: 0.5}
  - name: out
    type: csv_sink
    inputs: [src]
    options: {path: out/today.csv}
)";

// glog lines of severity WARNING ("W" + date, after any colour escape) that contain
// `needle`.
std::vector<std::string> WarningsWith(const std::string& log, const std::string& needle) {
  std::vector<std::string> found;
  for (std::string line : SplitLines(log)) {
    while (!line.empty() && line[0] == '\033' && line.find('m') != std::string::npos) line.erase(0, line.find('m') + 1);
    if (line.size() > 1 && line[0] == 'W' && std::isdigit(static_cast<unsigned char>(line[1])) &&
        line.find(needle) != std::string::npos)
      found.push_back(line);
  }
  return found;
}

class ProfileTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("ref.csv", Transactions(4000, 0.0, false, 1));
  }
};

TEST_F(ProfileTest, WritesAProfileAndTheInferredSchema) {
  ProcessResult r = Trestle({"profile", "ref.csv", "-o", "profiles/ref.profile", "--schema-out", "schema.json",
                             "--categorical", "id"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(Contains(r.out, "profile of 4000 rows, 3 columns written to profiles/ref.profile\n")) << r.out;
  nlohmann::json p = ReadJson("profiles/ref.profile");
  EXPECT_EQ(p["format"], "trestle-profile/1");
  EXPECT_EQ(p["rows"], 4000);
  ASSERT_EQ(p["columns"].size(), 3u);
  EXPECT_EQ(p["columns"][0]["name"], "id");
  EXPECT_EQ(p["columns"][0]["kind"], "categorical");  // declared with --categorical
  EXPECT_EQ(p["columns"][0]["categorical"]["distinct"], 4000);
  nlohmann::json amount = p["columns"][1];
  EXPECT_EQ(amount["kind"], "numeric");
  EXPECT_EQ(amount["type"], "float64");
  EXPECT_EQ(amount["null_count"], 80);
  EXPECT_NEAR(amount["numeric"]["mean"].get<double>(), 0.0, 0.1);
  EXPECT_NEAR(amount["numeric"]["quantiles"]["p50"].get<double>(), 0.0, 0.1);
  nlohmann::json country = p["columns"][2];
  EXPECT_EQ(country["kind"], "categorical");
  EXPECT_EQ(country["categorical"]["values"][0]["value"], "DE");
  EXPECT_EQ(country["categorical"]["values"].size(), 3u);
  EXPECT_EQ(ReadJson("schema.json"), nlohmann::json::parse(R"({"id": "int64", "amount": "float64", "country": "utf8"})"));
  EXPECT_EQ(Read("schema.json").find("\"id\""), Read("schema.json").find('"'));  // in column order
  for (const auto& name : List("profiles")) EXPECT_EQ(name, "ref.profile");  // no temporary file left
  // Each id seen once: noted as an identifier, in the file and on the terminal.
  EXPECT_TRUE(Contains(p["columns"][0].value("note", ""), "identifier")) << p["columns"][0].dump();
  EXPECT_TRUE(Contains(r.out, "  column \"id\": identifier: every value seen once")) << r.out;
  EXPECT_FALSE(amount.contains("note"));

  // Undeclared, the increasing integer id is noted too.
  ProcessResult plain = Trestle({"profile", "ref.csv", "-o", "plain.profile"});
  ASSERT_EXIT_CODE(plain, 0);
  EXPECT_EQ(ReadJson("plain.profile")["columns"][0]["ascending"], true);
  EXPECT_TRUE(Contains(plain.out, "  column \"id\": identifier: integers each greater than the one before")) << plain.out;
}

TEST_F(ProfileTest, UnknownFormatOrMissingFileIsAUsageError) {
  Write("data.parquet", "x");
  ProcessResult r = Trestle({"profile", "data.parquet", "-o", "p.profile"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "cannot tell the format of \"data.parquet\" from its extension")) << r.err;
  r = Trestle({"profile", "absent.csv", "-o", "p.profile"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "cannot read \"absent.csv\": no such file")) << r.err;
  EXPECT_FALSE(Exists("p.profile"));
}

TEST_F(ProfileTest, DriftMonitorLogsAWarningFindingOnShiftedData) {
  ASSERT_EXIT_CODE(Trestle({"profile", "ref.csv", "-o", "ref.profile", "--quiet"}), 0);
  Write("p.yaml", kMonitored);
  Write("today.csv", Transactions(3000, 3.0, true, 2));
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(WarningsWith(r.err, "finding DRIFT on \"amount\"").empty()) << r.err;
  EXPECT_FALSE(WarningsWith(r.err, "finding DRIFT on \"country\"").empty()) << r.err;
  EXPECT_FALSE(WarningsWith(r.err, "finding UNKNOWN_CATEGORICAL_VALUES on \"country\"").empty()) << r.err;
  // The data path is untouched by the monitors.
  EXPECT_EQ(Lines("out/today.csv").size(), 3001u);
}

TEST_F(ProfileTest, NoFindingOnDataLikeTheReference) {
  ASSERT_EXIT_CODE(Trestle({"profile", "ref.csv", "-o", "ref.profile", "--quiet"}), 0);
  Write("p.yaml", kMonitored);
  Write("today.csv", Transactions(3000, 0.0, false, 3));
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1"});  // not -q: that would hide findings anyway
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(WarningsWith(r.err, "finding ").empty()) << r.err;
}

}  // namespace
}  // namespace trestle::clitest
