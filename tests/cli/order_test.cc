// Sinks that want source order get it, also behind reentrant transforms that run
// batches in parallel.
#include <algorithm>

#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using OrderTest = CliTest;

TEST_F(OrderTest, ReentrantTransformsKeepSourceOrderAtTheSink) {
  Write("scale.json", R"({"x": {"mean": 0, "std": 2}})");
  // 20,000 rows in 400 batches of 50 through two transforms that each run two batches
  // at once; batches finish out of order, the sink must still see them in order.
  Write("p.yaml", R"(pipeline: ordered
nodes:
  - name: seq
    type: sequence
    options: {rows: 20000}
  - name: halve
    type: scale
    inputs: [seq]
    concurrency: 2
    options: {columns: [x], params_file: scale.json}
  - name: drop_first
    type: filter
    inputs: [halve]
    concurrency: 2
    options: {column: x, op: ">=", value: "10"}
  - name: out
    type: jsonl_sink
    inputs: [drop_first]
    options: {path: out.jsonl}
execution: {batch_rows: 50, max_inflight_batches: 16}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  std::vector<std::string> lines = Lines("out.jsonl");
  // x = id * 0.5 / 2 >= 10 keeps ids 40 and above.
  ASSERT_EQ(lines.size(), 20000u - 40u);
  int64_t expected = 40;
  int64_t out_of_order = 0;
  for (const auto& line : lines) {
    nlohmann::json row = nlohmann::json::parse(line);
    const int64_t id = row["id"].get<int64_t>();
    if (id != expected) ++out_of_order;
    EXPECT_DOUBLE_EQ(row["x"].get<double>(), static_cast<double>(id) * 0.25) << line;
    expected = id + 1;
  }
  EXPECT_EQ(out_of_order, 0) << "rows reached the sink out of source order";

  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(report["accounting"]["balanced"], true);
  nlohmann::json path = report["accounting"]["sources"]["seq"]["paths"]["out"];
  EXPECT_EQ(path["reached"], 20000 - 40);
  EXPECT_EQ(path["filtered"], 40);
  EXPECT_FALSE(Contains(r.err, "input order cannot be kept")) << r.err;
}

TEST_F(OrderTest, CsvSinkKeepsOrderBehindARejectingTransform) {
  // Rejected rows leave gaps; the order of the rest is kept.
  Write("p.yaml", R"(pipeline: ordered-rejects
nodes:
  - name: seq
    type: sequence
    options: {rows: 5000}
  - name: cast_x
    type: cast
    inputs: [seq]
    concurrency: 2
    options: {columns: {x: float32}}
  - name: t
    type: scripted
    inputs: [cast_x]
    options: {reject_every: 7}
  - name: out
    type: csv_sink
    inputs: [t]
    options: {path: out.csv}
execution: {batch_rows: 25, max_dead_letter_share: 0.2}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json"});
  ASSERT_EXIT_CODE(r, 0);
  std::vector<std::string> lines = Lines("out.csv");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "id,x");
  std::vector<std::string> expected{"id,x"};
  for (int64_t id = 0; id < 5000; ++id) {
    if (id % 7 == 0) continue;
    // x = id * 0.5 as float32, printed shortest: "3", "3.5".
    expected.push_back(std::to_string(id) + "," + std::to_string(id / 2) + (id % 2 ? ".5" : ""));
  }
  EXPECT_EQ(lines.size(), expected.size());
  size_t first_difference = 0;
  while (first_difference < std::min(lines.size(), expected.size()) &&
         lines[first_difference] == expected[first_difference])
    ++first_difference;
  EXPECT_EQ(first_difference, expected.size()) << "first difference at line " << first_difference + 1;
  EXPECT_EQ(ReadJsonLines("run/dead_letter.jsonl").size(), 715u);  // multiples of 7 in [0, 5000)
  EXPECT_EQ(ReadJson("r.json")["accounting"]["balanced"], true);
}

}  // namespace
}  // namespace trestle::clitest
