// Fan-out (one node feeding several) and fan-in (a node with several inputs: a union
// of their rows), with row accounting per source-to-sink path.
#include <algorithm>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

// ids 1..10 with v = id; line 7 is malformed.
constexpr const char* kData = "id,v\n1,1\n2,2\n3,3\n4,4\n5,5\nsix,6\n6,6\n7,7\n8,8\n9,9\n10,10\n";

class FanTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    Write("data.csv", kData);
  }
  std::vector<std::string> SortedDataLines(const std::string& file) {
    std::vector<std::string> lines = Lines(file);
    if (!lines.empty()) lines.erase(lines.begin());  // header
    std::sort(lines.begin(), lines.end());
    return lines;
  }
};

TEST_F(FanTest, FanInIsAUnionOfBothBranches) {
  Write("p.yaml", R"(pipeline: fan-in
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv, schema: {id: int64, v: int64}}
  - name: low
    type: filter
    inputs: [src]
    options: {column: v, op: "<=", value: "3"}
  - name: high
    type: filter
    inputs: [src]
    options: {column: v, op: ">=", value: "8"}
  - name: out
    type: csv_sink
    inputs: [low, high]
    options: {path: out.csv}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(Lines("out.csv").front(), "id,v");
  EXPECT_EQ(SortedDataLines("out.csv"), (std::vector<std::string>{"1,1", "10,10", "2,2", "3,3", "8,8", "9,9"}));

  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
  nlohmann::json src = report["accounting"]["sources"]["src"];
  EXPECT_EQ(src["read"], 11);
  nlohmann::json path = src["paths"]["out"];
  // Two paths from src to out: each row read is accounted for once per path.
  EXPECT_EQ(path["reached"], 6);
  EXPECT_EQ(path["filtered"], 7 + 7);  // low drops 4..10, high drops 1..7
  EXPECT_EQ(path["dead_lettered"], 1);
  EXPECT_EQ(path["balanced"], true);
  EXPECT_EQ(ReadJsonLines("run/dead_letter.jsonl").size(), 1u);
  EXPECT_TRUE(Contains(r.out, "-> out: 6 written, 1 dead-lettered, 14 filtered, 0 skipped")) << r.out;
}

TEST_F(FanTest, FanInOfTheSameRowsTwice) {
  // Both branches pass every row: the sink gets each row twice.
  Write("p.yaml", R"(pipeline: fan-in-twice
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv, schema: {id: int64, v: int64}}
  - name: a
    type: select
    inputs: [src]
  - name: b
    type: select
    inputs: [src]
  - name: out
    type: jsonl_sink
    inputs: [a, b]
    options: {path: out.jsonl}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  std::vector<int64_t> ids;
  for (auto row : ReadJsonLines("out.jsonl")) ids.push_back(row["id"].get<int64_t>());
  std::sort(ids.begin(), ids.end());
  std::vector<int64_t> expected;
  for (int64_t i = 1; i <= 10; ++i) expected.insert(expected.end(), {i, i});
  EXPECT_EQ(ids, expected);
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(report["accounting"]["sources"]["src"]["paths"]["out"]["reached"], 20);
}

TEST_F(FanTest, FanOutSendsTheSameRowsToEverySink) {
  Write("p.yaml", R"(pipeline: fan-out
nodes:
  - name: src
    type: csv_source
    options: {path: data.csv, schema: {id: int64, v: int64}}
  - name: copy_a
    type: csv_sink
    inputs: [src]
    options: {path: a/rows.csv}
  - name: copy_b
    type: csv_sink
    inputs: [src]
    options: {path: b/rows.csv}
  - name: big
    type: filter
    inputs: [src]
    options: {column: v, op: ">", value: "6"}
  - name: big_rows
    type: jsonl_sink
    inputs: [big]
    options: {path: big.jsonl}
execution: {batch_rows: 3}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  const std::string expected = "id,v\n1,1\n2,2\n3,3\n4,4\n5,5\n6,6\n7,7\n8,8\n9,9\n10,10\n";
  EXPECT_EQ(Read("a/rows.csv"), expected);
  EXPECT_EQ(Read("b/rows.csv"), expected);
  EXPECT_EQ(Read("big.jsonl"), "{\"id\":7,\"v\":7}\n{\"id\":8,\"v\":8}\n{\"id\":9,\"v\":9}\n{\"id\":10,\"v\":10}\n");

  nlohmann::json report = ReadJson("r.json");
  nlohmann::json src = report["accounting"]["sources"]["src"];
  EXPECT_EQ(report["accounting"]["balanced"], true);
  EXPECT_EQ(src["read"], 11);
  ASSERT_EQ(src["paths"].size(), 3u) << src.dump();
  for (const char* sink : {"copy_a", "copy_b"}) {
    EXPECT_EQ(src["paths"][sink]["reached"], 10) << sink;
    EXPECT_EQ(src["paths"][sink]["filtered"], 0) << sink;
    EXPECT_EQ(src["paths"][sink]["dead_lettered"], 1) << sink;
  }
  EXPECT_EQ(src["paths"]["big_rows"]["reached"], 4);
  EXPECT_EQ(src["paths"]["big_rows"]["filtered"], 6);
  EXPECT_EQ(src["paths"]["big_rows"]["dead_lettered"], 1);
  // One dead letter for the one bad line, however many sinks it would have reached.
  EXPECT_EQ(report["dead_letters"]["rows"], 1);
}

TEST_F(FanTest, TwoSourcesIntoOneSink) {
  Write("more.csv", "id,v\n100,100\n101,101\n");
  Write("p.yaml", R"(pipeline: two-sources
nodes:
  - name: first
    type: csv_source
    options: {path: data.csv, schema: {id: int64, v: int64}}
  - name: second
    type: csv_source
    options: {path: more.csv, schema: {id: int64, v: int64}}
  - name: out
    type: csv_sink
    inputs: [first, second]
    options: {path: out.csv}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(SortedDataLines("out.csv").size(), 12u);
  nlohmann::json acc = ReadJson("r.json")["accounting"];
  EXPECT_EQ(acc["balanced"], true);
  EXPECT_EQ(acc["sources"]["first"]["read"], 11);
  EXPECT_EQ(acc["sources"]["first"]["paths"]["out"]["reached"], 10);
  EXPECT_EQ(acc["sources"]["second"]["read"], 2);
  EXPECT_EQ(acc["sources"]["second"]["paths"]["out"]["reached"], 2);
}

}  // namespace
}  // namespace trestle::clitest
