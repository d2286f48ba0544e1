// `trestle serve` end to end: a model swapped under load answers every request once,
// each with one version.

#include <atomic>
#include <map>
#include <thread>

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

TEST_F(ServeTest, HotSwapUnderLoadAnswersEveryRequestOnceWithOneVersion) {
  Publish(1, LinearModel(10));
  Write("p.yaml", R"(pipeline: swap
nodes:
  - {name: seq, type: sequence, options: {rows: 0}}
  - name: score
    type: linear
    inputs: [seq]
    options: {model: models/m}
    serving: {version_column: model_version}
  - {name: out, type: jsonl_sink, inputs: [score], options: {path: out.jsonl}}
)");
  model_ = "swap";
  auto p = Serve({"--max-queue-delay-us", "2000"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap/versions/1/ready").status, 200);

  struct Sent {
    std::vector<SeqRow> rows;
    bool after_swap;
    Reply reply;
  };
  constexpr int kClients = 8;
  std::atomic<bool> stop{false}, swapped{false};
  std::atomic<int> answered{0};
  std::vector<std::vector<Sent>> sent(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Connection conn(port_);
      for (int k = 0; !stop.load() && k < 5000; ++k) {
        Sent s;
        s.rows = Rows(t * 1'000'000 + k * 10, 1 + (t + k) % 6);
        s.after_swap = swapped.load();
        s.reply = conn.Request("POST", InferPath(), k % 2 ? V2(s.rows) : Instances(s.rows));
        sent[static_cast<size_t>(t)].push_back(std::move(s));
        answered.fetch_add(1);
      }
    });
  }
  const bool warmed = WaitUntil([&] { return answered.load() >= 100; }, seconds(30));
  Publish(2, LinearModel(20));
  p->Signal(SIGHUP);
  const bool swap_logged =
      WaitUntil([&] { return Contains(p->Stderr(), "model version 2 now serves (was 1)"); }, seconds(30));
  swapped = true;
  const int at_swap = answered.load();
  const bool after = WaitUntil([&] { return answered.load() >= at_swap + 100; }, seconds(30));
  stop = true;
  for (auto& c : clients) c.join();
  ASSERT_TRUE(warmed);
  ASSERT_TRUE(swap_logged) << p->Stderr();
  ASSERT_TRUE(after);
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap/versions/2/ready").status, 200);
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap/versions/1/ready").status, 404);
  EXPECT_EQ(Call(port_, "GET", "/v2/models/swap").Json()["versions"], json::array({"2"}));

  std::map<std::string, int64_t> rows_by_version;
  int64_t requests = 0;
  for (const auto& per_client : sent) {
    for (const Sent& s : per_client) {
      ++requests;
      ASSERT_EQ(s.reply.status, 200) << s.reply.Describe();
      const json body = s.reply.Json();
      const std::string v = body["model_version"].get<std::string>();
      ASSERT_TRUE(v == "1" || v == "2") << body.dump();
      if (s.after_swap) {
        EXPECT_EQ(v, "2") << "a request sent after the swap was logged: " << body.dump();
      }
      const std::vector<json> rows = ResponseRows(body);
      ASSERT_EQ(rows.size(), s.rows.size()) << body.dump();
      for (size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i]["id"], s.rows[i].id) << body.dump();
        EXPECT_EQ(rows[i]["model_version"], v) << "a response mixes versions: " << body.dump();
        EXPECT_EQ(rows[i]["score"].get<double>(), *s.rows[i].x + (v == "1" ? 10 : 20)) << body.dump();
      }
      rows_by_version[v] += static_cast<int64_t>(rows.size());
    }
  }
  EXPECT_GT(rows_by_version["1"], 0);
  EXPECT_GT(rows_by_version["2"], 0);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "1", 200) + Requests(x, "2", 200), requests);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  nlohmann::json report = ReadJson("report.json");
  ASSERT_EQ(report["models"].size(), 1u);
  EXPECT_EQ(report["models"][0]["swaps"], 1);
  std::map<std::string, int64_t> reported;
  for (const auto& v : report["models"][0]["versions"]) reported[v["version"].get<std::string>()] = v["rows"].get<int64_t>();
  EXPECT_EQ(reported, rows_by_version);
}

}  // namespace
}  // namespace trestle::clitest
