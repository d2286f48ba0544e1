// `trestle serve` end to end: many concurrent clients whose requests share engine
// batches each get their own rows back, and refused rows stay with their own request.

#include <map>
#include <thread>

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

// ---------------------------------------------------------------------------------------
// Correlation: concurrent clients whose requests share engine batches

TEST_F(ServeTest, ConcurrentClientsEachGetTheirOwnRowsBackInOrder) {
  WritePipeline();
  // Requests wait up to 20 ms for others to join their batch.
  auto p = Serve({"--max-queue-delay-us", "20000", "--max-batch-rows", "256"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  constexpr int kClients = 64, kRequests = 12;
  struct Result {
    std::string id;
    std::vector<SeqRow> rows;
    Reply reply;
  };
  std::vector<std::vector<Result>> results(kClients);
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      Connection conn(port_);
      for (int k = 0; k < kRequests; ++k) {
        Result r;
        r.id = "c" + std::to_string(t) + "-" + std::to_string(k);
        r.rows = Rows(t * 100'000 + k * 100, 1 + (t * 7 + k * 3) % 8);  // 1..8 rows
        const std::string body = k % 2 == 0 ? Instances(r.rows, r.id) : V2(r.rows, r.id);
        r.reply = conn.Request("POST", InferPath(), body);
        results[static_cast<size_t>(t)].push_back(std::move(r));
      }
    });
  }
  for (auto& c : clients) c.join();
  int64_t rows = 0;
  for (const auto& per_client : results) {
    ASSERT_EQ(per_client.size(), static_cast<size_t>(kRequests));
    for (const Result& r : per_client) {
      ExpectScored(r.reply, r.rows, r.id, 10, r.id);
      rows += static_cast<int64_t>(r.rows.size());
    }
  }
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "7", 200), kClients * kRequests);
  EXPECT_EQ(x.Get("trestle_serving_request_rows_sum", {{"model", "srv"}}), rows);
  EXPECT_EQ(x.Get("trestle_serving_batch_rows_sum", {{"model", "srv"}}), rows);
  EXPECT_GT(BatchesAbove(x, 8), 0) << "no engine batch held more rows than one request has: no batch merged requests";
  EXPECT_LT(x.Get("trestle_serving_batch_rows_count", {{"model", "srv"}}).value_or(0), kClients * kRequests);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  nlohmann::json report = ReadJson("report.json");
  EXPECT_EQ(ReportNode(report, "score")["rows_in"], rows);
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
}

// ---------------------------------------------------------------------------------------
// Refused rows

TEST_F(ServeTest, RefusedRowsAreErrorEntriesOfTheirOwnRequestAndDeadLetters) {
  WritePipeline("{reject_every: 3}");
  // 100 ms to gather: the three requests below share engine batches.
  auto p = Serve({"--max-queue-delay-us", "100000"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  std::vector<SeqRow> r1 = Rows(0, 10), r2 = Rows(10, 5), r3 = Rows(15, 6);
  r2[3].x.reset();  // id 13: a null feature, which the model refuses
  Reply a, b, c;
  std::thread ta([&] { a = Infer(Instances(r1, "r1")); });
  std::thread tb([&] { b = Infer(Instances(r2, "r2")); });
  std::thread tc([&] { c = Infer(V2(r3, "r3")); });
  ta.join();
  tb.join();
  tc.join();

  // request id -> refused id -> node
  std::map<std::string, std::map<int64_t, std::string>> refused = {
      {"r1", {{0, "gate"}, {3, "gate"}, {6, "gate"}, {9, "gate"}}},
      {"r2", {{12, "gate"}, {13, "score"}}},
      {"r3", {{15, "gate"}, {18, "gate"}}}};
  struct Answer {
    const Reply& reply;
    const std::vector<SeqRow>& sent;
    std::string id;
  };
  for (const Answer& answer : {Answer{a, r1, "r1"}, Answer{b, r2, "r2"}, Answer{c, r3, "r3"}}) {
    const Reply& reply = answer.reply;
    const std::vector<SeqRow>& sent = answer.sent;
    const std::string& id = answer.id;
    ASSERT_EQ(reply.status, 200) << id << ": " << reply.Describe();
    const std::vector<json> rows = ResponseRows(reply.Json());
    ASSERT_EQ(rows.size(), sent.size()) << reply.body;
    for (size_t i = 0; i < rows.size(); ++i) {
      auto it = refused[id].find(sent[i].id);
      if (it == refused[id].end()) {
        ASSERT_FALSE(rows[i].contains("error")) << id << " row " << i << ": " << rows[i].dump();
        EXPECT_EQ(rows[i]["id"], sent[i].id);
        EXPECT_EQ(rows[i]["score"].get<double>(), *sent[i].x + 10);
        continue;
      }
      ASSERT_TRUE(rows[i].contains("error")) << id << " row " << i << " should be refused: " << rows[i].dump();
      const json& e = rows[i]["error"];
      EXPECT_EQ(e["node"], it->second) << e.dump();
      EXPECT_EQ(e["code"], "DATA_ERROR") << e.dump();
      const std::string reason = e["reason"].get<std::string>();
      EXPECT_TRUE(it->second == "gate" ? Contains(reason, "id " + std::to_string(sent[i].id) + " is a multiple of 3")
                                       : Contains(reason, "feature \"x\" is null"))
          << reason;
    }
  }
  ASSERT_EXIT_CODE(Terminate(*p), 0);

  // One dead letter per refused row, in its request's name.
  std::map<std::string, std::map<int64_t, std::string>> lettered;
  for (const auto& line : ReadJsonLines("run/dead_letter.jsonl")) {
    ASSERT_TRUE(line.contains("request_id")) << line.dump();
    const std::string rid = line["request_id"].get<std::string>();
    const int64_t id = line["row"]["id"].get<int64_t>();
    EXPECT_TRUE(lettered[rid].emplace(id, line["node"].get<std::string>()).second) << "row " << id << " twice";
  }
  EXPECT_EQ(lettered, refused);
  EXPECT_EQ(ReadJson("report.json")["dead_letters"]["rows"], 8);
}

}  // namespace
}  // namespace trestle::clitest
