// `trestle run` of csv_source -> filter -> csv_sink on a CSV with malformed lines: the
// output file, the summary, the report and the dead letters.
#include <map>
#include <regex>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

// Lines 4 and 5 are malformed (not an int64; too few fields); rows 1 and 6 are filtered.
constexpr const char* kData =
    "id,name,score\n"        // line 1
    "1,alice,10\n"           // 2  filtered
    "2,bob,25\n"             // 3  kept
    "3,carol,x7\n"           // 4  dead letter: not an int64
    "4,dave\n"               // 5  dead letter: 2 fields
    "5,erin,40\n"            // 6  kept
    "6,frank,5\n"            // 7  filtered
    "7,\"grace, jr\",30\n";  // 8  kept (a quoted delimiter)

constexpr const char* kPipeline = R"(# filter the high scores
pipeline: high-scores
nodes:
  - name: src
    type: csv_source
    options:
      path: in/scores.csv
      schema: {id: int64, name: utf8, score: int64}
  - name: keep
    type: filter
    inputs: [src]
    options: {column: score, op: ">=", value: "20"}
  - name: out
    type: csv_sink
    inputs: [keep]
    options: {path: out/kept.csv}
)";
// Two of the seven rows are malformed on purpose: more than the default dead-letter
// budget (execution.max_dead_letter_share 0.1) allows.
constexpr const char* kExecution = "execution: {max_dead_letter_share: 0.5}\n";

class RunCsvTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("in/scores.csv", kData);
    Write("p.yaml", std::string(kPipeline) + kExecution);
  }
};

const std::regex kRunId("[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}");
const std::regex kIsoTime("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z");

TEST_F(RunCsvTest, WritesExactlyTheKeptRows) {
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out/kept.csv"), "id,name,score\n2,bob,25\n5,erin,40\n7,\"grace, jr\",30\n");
  // Published by rename: no temporary file is left beside it.
  for (const auto& name : List("out")) EXPECT_EQ(name, "kept.csv");
}

TEST_F(RunCsvTest, SummaryShowsBalancedAccounting) {
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("^run [0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}  pipeline high-scores  "
                                                  "succeeded in [0-9]+\\.[0-9]{2}s\n")))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "row accounting (balanced):\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  source src: 7 rows read\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    -> out: 3 written, 2 dead-lettered, 2 filtered, 0 skipped\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "dead letters: 2 rows in run1/dead_letter.jsonl\n")) << r.out;
  EXPECT_FALSE(Contains(r.out, "NOT BALANCED")) << r.out;
}

TEST_F(RunCsvTest, QuietPrintsNothingButErrors) {
  // Two rows are dead-lettered (a WARNING each without -q): -q prints nothing at all.
  ProcessResult loud = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(loud, 0);
  EXPECT_NE(loud.err, "");
  ProcessResult r = Trestle({"run", "p.yaml", "--quiet"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(Lines("out/kept.csv").size(), 4u);
  // An error still shows.
  ProcessResult bad = Trestle({"run", "missing.yaml", "-q"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err, "");
}

TEST_F(RunCsvTest, ReportHasRunIdentityPluginsAndAccounting) {
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1", "--report", "reports/r.json"});
  ASSERT_EXIT_CODE(r, 0);
  nlohmann::json j = ReadJson("reports/r.json");
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j["run_id"].is_string());
  const std::string run_id = j["run_id"].get<std::string>();
  EXPECT_TRUE(std::regex_match(run_id, kRunId)) << run_id;
  EXPECT_TRUE(Contains(r.out, "run " + run_id + "  ")) << "the summary names the same run: " << r.out;
  EXPECT_EQ(j["pipeline"], "high-scores");
  EXPECT_EQ(j["file"], "p.yaml");
  ASSERT_TRUE(j["config_hash"].is_string());
  EXPECT_TRUE(IsSha256(j["config_hash"].get<std::string>())) << j["config_hash"];
  EXPECT_EQ(j["status"], "succeeded");
  EXPECT_FALSE(j.contains("error")) << j.dump(2);
  ASSERT_TRUE(j["started"].is_string() && j["ended"].is_string()) << j.dump(2);
  const std::string started = j["started"].get<std::string>(), ended = j["ended"].get<std::string>();
  EXPECT_TRUE(std::regex_match(started, kIsoTime)) << started;
  EXPECT_TRUE(std::regex_match(ended, kIsoTime)) << ended;
  EXPECT_LE(started, ended);
  EXPECT_GE(j["duration_seconds"].get<double>(), 0.0);

  // Every plugin the pipeline uses, with its version and the library's sha256.
  ASSERT_TRUE(j["plugins"].is_object()) << j.dump(2);
  EXPECT_EQ(j["plugins"].size(), 2u) << j["plugins"].dump();
  for (const char* plugin : {"io", "features"}) {
    ASSERT_TRUE(j["plugins"].contains(plugin)) << j["plugins"].dump();
    EXPECT_EQ(j["plugins"][plugin]["version"], "1.0.0");
    EXPECT_TRUE(IsSha256(j["plugins"][plugin]["sha256"].get<std::string>())) << j["plugins"][plugin].dump();
  }
  EXPECT_NE(j["plugins"]["io"]["sha256"], j["plugins"]["features"]["sha256"]);

  nlohmann::json acc = j["accounting"];
  EXPECT_EQ(acc["balanced"], true);
  EXPECT_EQ(acc["sources"]["src"]["read"], 7);
  nlohmann::json path = acc["sources"]["src"]["paths"]["out"];
  EXPECT_EQ(path["reached"], 3);
  EXPECT_EQ(path["filtered"], 2);
  EXPECT_EQ(path["dead_lettered"], 2);
  EXPECT_EQ(path["skipped"], 0);
  EXPECT_EQ(path["balanced"], true);
  EXPECT_EQ(j["dead_letters"]["rows"], 2);
  EXPECT_EQ(j["dead_letters"]["path"], "run1/dead_letter.jsonl");

  // Per node: what went in and out.
  ASSERT_EQ(j["nodes"].size(), 3u);
  std::map<std::string, nlohmann::json> nodes;
  for (auto n : j["nodes"]) nodes[n["name"].get<std::string>()] = n;
  EXPECT_EQ(nodes["src"]["rows_out"], 5);
  EXPECT_EQ(nodes["src"]["dead_lettered"], 2);
  EXPECT_EQ(nodes["keep"]["rows_in"], 5);
  EXPECT_EQ(nodes["keep"]["rows_out"], 3);
  EXPECT_EQ(nodes["keep"]["filtered"], 2);
  EXPECT_EQ(nodes["out"]["rows_in"], 3);
  EXPECT_EQ(nodes["out"]["plugin"], "io");
  EXPECT_EQ(nodes["keep"]["type"], "filter");

  // The run directory holds the same report.
  EXPECT_EQ(ReadJson("run1/report.json"), j);
}

TEST_F(RunCsvTest, DeadLettersKeepTheRecordItsLocationAndTheReason) {
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  const std::string run_id = ReadJson("r.json")["run_id"].get<std::string>();
  std::vector<nlohmann::json> dl = ReadJsonLines("run1/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 2u) << Read("run1/dead_letter.jsonl");
  for (auto d : dl) {
    EXPECT_EQ(d["node"], "src") << d.dump();
    EXPECT_EQ(d["code"], "DATA_ERROR") << d.dump();
    EXPECT_EQ(d["run_id"], run_id) << d.dump();
    ASSERT_TRUE(d["time"].is_string()) << d.dump();
    EXPECT_TRUE(std::regex_match(d["time"].get<std::string>(), kIsoTime)) << d.dump();
  }
  EXPECT_EQ(dl[0]["record"], "3,carol,x7");
  EXPECT_EQ(dl[0]["location"], "in/scores.csv:4");
  EXPECT_TRUE(Contains(dl[0]["reason"].get<std::string>(), "column \"score\"")) << dl[0].dump();
  EXPECT_TRUE(Contains(dl[0]["reason"].get<std::string>(), "\"x7\" is not an int64")) << dl[0].dump();
  EXPECT_EQ(dl[1]["record"], "4,dave");
  EXPECT_EQ(dl[1]["location"], "in/scores.csv:5");
  EXPECT_EQ(dl[1]["reason"], "expected 3 fields, found 2");
}

TEST_F(RunCsvTest, DefaultRunDirectoryIsUnderStateDir) {
  ProcessResult r = Trestle({"run", "p.yaml", "--state-dir", "state", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  const std::string run_id = ReadJson("r.json")["run_id"].get<std::string>();
  EXPECT_TRUE(Exists("state/runs/" + run_id + "/report.json"));
  EXPECT_EQ(ReadJsonLines("state/runs/" + run_id + "/dead_letter.jsonl").size(), 2u);
  EXPECT_EQ(ReadJson("r.json")["dead_letters"]["path"], "state/runs/" + run_id + "/dead_letter.jsonl");
}

TEST_F(RunCsvTest, CleanRunLeavesNoDeadLetterFile) {
  Write("in/scores.csv", "id,name,score\n1,a,30\n2,b,10\n");
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(Exists("run1/dead_letter.jsonl"));
  EXPECT_FALSE(Contains(r.out, "dead letters:")) << r.out;
  EXPECT_EQ(ReadJson("r.json")["dead_letters"]["rows"], 0);
  EXPECT_EQ(Read("out/kept.csv"), "id,name,score\n1,a,30\n");
}

TEST_F(RunCsvTest, RunIdsDifferAndConfigHashFollowsTheFile) {
  ProcessResult a = Trestle({"run", "p.yaml", "--report", "a.json", "-q"});
  ProcessResult b = Trestle({"run", "p.yaml", "--report", "b.json", "-q"});
  ASSERT_EXIT_CODE(a, 0);
  ASSERT_EXIT_CODE(b, 0);
  nlohmann::json ja = ReadJson("a.json"), jb = ReadJson("b.json");
  EXPECT_NE(ja["run_id"], jb["run_id"]);
  EXPECT_EQ(ja["config_hash"], jb["config_hash"]);
  // Each run has its own directory under the default state dir.
  EXPECT_EQ(List(".trestle/runs").size(), 2u);

  Write("p.yaml", std::string(kPipeline) + "execution: {batch_rows: 2, max_dead_letter_share: 0.5}\n");
  ProcessResult c = Trestle({"run", "p.yaml", "--report", "c.json", "-q"});
  ASSERT_EXIT_CODE(c, 0);
  nlohmann::json jc = ReadJson("c.json");
  EXPECT_NE(jc["config_hash"], ja["config_hash"]);
  // Smaller batches, same result.
  EXPECT_EQ(jc["accounting"], ja["accounting"]);
  EXPECT_EQ(Read("out/kept.csv"), "id,name,score\n2,bob,25\n5,erin,40\n7,\"grace, jr\",30\n");
}

TEST_F(RunCsvTest, ConfigHashIsOfTheEffectiveConfig) {
  auto hash = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"run", "p.yaml", "-q", "--report", "h.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult r = Trestle(args);
    EXPECT_EXIT_CODE(r, 0);
    return ReadJson("h.json")["config_hash"].get<std::string>();
  };
  const std::string base = hash({});
  // An override changes what runs, so it changes the hash.
  EXPECT_NE(hash({"--set", "keep.value=30"}), base);
  // A comment does not.
  Write("p.yaml", std::string("# another comment\n") + kPipeline + kExecution);
  EXPECT_EQ(hash({}), base);
  // Nor does writing the same pipeline in JSON.
  Write("p.json", R"({"pipeline": "high-scores", "nodes": [
    {"name": "src", "type": "csv_source",
     "options": {"path": "in/scores.csv", "schema": {"id": "int64", "name": "utf8", "score": "int64"}}},
    {"name": "keep", "type": "filter", "inputs": ["src"], "options": {"column": "score", "op": ">=", "value": "20"}},
    {"name": "out", "type": "csv_sink", "inputs": ["keep"], "options": {"path": "out/kept.csv"}}],
    "execution": {"max_dead_letter_share": 0.5}})");
  ProcessResult j = Trestle({"run", "p.json", "-q", "--report", "j.json"});
  ASSERT_EXIT_CODE(j, 0);
  EXPECT_EQ(ReadJson("j.json")["config_hash"], base);
}

TEST_F(RunCsvTest, UnusableRunDirectoryFailsTheRunBeforeWriting) {
  Write("blocker", "a file where a directory should be\n");
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "blocker/run"});
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "cannot create run directory blocker/run")) << r.err;
  EXPECT_FALSE(Exists("out/kept.csv"));
}

TEST_F(RunCsvTest, CrlfQuotesAndMultiLineFieldsKeepLineNumbers) {
  // CRLF line ends, a quoted field across two lines, doubled quotes, and an
  // unterminated quote that costs only its own line.
  Write("in/scores.csv",
        "id,name,score\r\n"                   // 1
        "1,\"two\r\nlines\",30\r\n"           // 2-3
        "2,x,notanint\r\n"                    // 4  dead letter
        "3,\"a \"\"quoted\"\" word\",70\r\n"  // 5
        "4,\"unterminated,90\r\n"             // 6  dead letter
        "5,y,20\r\n");                        // 7
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Read("out/kept.csv"), "id,name,score\n1,\"two\r\nlines\",30\n3,\"a \"\"quoted\"\" word\",70\n5,y,20\n");
  std::vector<nlohmann::json> dl = ReadJsonLines("run1/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 2u);
  EXPECT_EQ(dl[0]["location"], "in/scores.csv:4");
  EXPECT_EQ(dl[0]["record"], "2,x,notanint");
  EXPECT_EQ(dl[1]["location"], "in/scores.csv:6");
  EXPECT_EQ(dl[1]["reason"], "unterminated quoted field");
  EXPECT_EQ(ReadJson("r.json")["accounting"]["sources"]["src"]["read"], 5);
}

TEST_F(RunCsvTest, ExplicitDeadLetterPath) {
  Write("p.yaml", std::string(kPipeline) + kExecution + "dead_letter: {path: rejects/bad.jsonl}\n");
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run1"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(ReadJsonLines("rejects/bad.jsonl").size(), 2u);
  EXPECT_FALSE(Exists("run1/dead_letter.jsonl"));
  EXPECT_TRUE(Contains(r.out, "dead letters: 2 rows in rejects/bad.jsonl")) << r.out;
}

}  // namespace
}  // namespace trestle::clitest
