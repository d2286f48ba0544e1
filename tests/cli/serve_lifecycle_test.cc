// `trestle serve` end to end: the warm-up before the server is ready, and the drain on
// SIGTERM.

#include <signal.h>

#include <thread>

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

// ---------------------------------------------------------------------------------------
// Warm-up

TEST_F(ServeTest, TheWarmupRequestIsAnsweredBeforeTheServerIsReady) {
  WritePipeline("{sleep_ms: 1000}");
  Write("warm.json", Instances(Rows(1, 2)));
  auto p = Serve({"--warmup", "warm.json"});
  ASSERT_TRUE(p);
  // The warm-up takes a second: at first the server is live, not ready, and refuses work.
  Reply live = Call(port_, "GET", "/v2/health/live");
  Reply early = Call(port_, "GET", "/v2/health/ready");
  Reply early_model = Call(port_, "GET", "/v2/models/srv/ready");
  Reply early_infer = Infer(Instances(Rows(5, 1)));
  EXPECT_EQ(live.status, 200) << live.Describe();
  EXPECT_EQ(early.status, 503) << early.Describe();
  const std::string reason = early.Json().value("reason", "");
  EXPECT_TRUE(reason == "warming up" || reason == "starting") << early.body;
  EXPECT_EQ(early_model.status, 503) << early_model.Describe();
  EXPECT_EQ(early_infer.status, 503) << early_infer.Describe();
  EXPECT_TRUE(Contains(early_infer.Error(), "not ready")) << early_infer.body;

  ASSERT_TRUE(WaitReady(*p));
  EXPECT_TRUE(Contains(p->Stderr(), "warm-up request answered")) << p->Stderr();
  ExpectScored(Infer(Instances(Rows(5, 2), "w")), Rows(5, 2), "w", 10);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

TEST_F(ServeTest, AWarmupWhoseRowIsRefusedEndsTheServerWithExit1) {
  WritePipeline("{reject_every: 2}");
  Write("warm.json", Instances({{4, 1.0}}));
  ProcessResult r = Trestle({"serve", "p.yaml", "--listen", "127.0.0.1:0", "--no-admin", "--run-dir", "run", "--warmup",
                             "warm.json"});
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "the warm-up request failed")) << r.err;
  EXPECT_TRUE(Contains(r.err, "\"gate\"") && Contains(r.err, "id 4 is a multiple of 2")) << r.err;
  EXPECT_FALSE(Contains(r.err, "ready: serving version")) << r.err;
}

TEST_F(ServeTest, AWarmupBodyThatCannotBeReadOrParsedIsRefusedBeforeServing) {
  WritePipeline();
  Write("warm.json", R"({"instances": [{"id": 1, "z": 2}]})");
  ProcessResult bad = Trestle({"serve", "p.yaml", "--listen", "127.0.0.1:0", "--no-admin", "--warmup", "warm.json"});
  EXPECT_EXIT_CODE(bad, 78);
  EXPECT_TRUE(Contains(bad.err, "the warm-up request warm.json: instances[0]: unknown column \"z\"")) << bad.err;
  ProcessResult missing = Trestle({"serve", "p.yaml", "--listen", "127.0.0.1:0", "--no-admin", "--warmup", "nope.json"});
  EXPECT_EXIT_CODE(missing, 78);
  EXPECT_TRUE(Contains(missing.err, "the warm-up request nope.json cannot be read")) << missing.err;
}

// ---------------------------------------------------------------------------------------
// Drain

TEST_F(ServeTest, SigtermAnswersTheAdmittedRequestsRefusesNewOnesAndExits0) {
  // One batch (one request) at a time, half a second each.
  WritePipeline("{sleep_ms: 500}", "max_inflight_batches: 1");
  auto p = Serve({"--max-batch-rows", "4", "--max-queue-delay-us", "0"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  Connection kept(port_);
  ASSERT_EQ(kept.Request("GET", "/v2/health/live").status, 200);

  constexpr int kClients = 6;
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] { replies[c] = Infer(Instances(Rows(c * 10, 3), "d" + std::to_string(c))); });
  const bool admitted = WaitUntil(
      [&] { return Gauge(Scrape(), "trestle_serving_outstanding_requests") == kClients; }, seconds(30));
  p->Signal(SIGTERM);
  const bool draining = WaitUntil([&] { return Contains(p->Stderr(), "draining: no new requests"); }, seconds(30));

  // A connection that was open already is still answered, but not ready; a new one finds
  // no listener (or, had it been accepted just before the listener closed, a 503).
  Reply ready = kept.Request("GET", "/v2/health/ready");
  Reply late = kept.Request("POST", InferPath(), Instances(Rows(100, 1), "late"));
  std::this_thread::sleep_for(milliseconds(50));
  Reply fresh = Infer(Instances(Rows(200, 1), "fresh"));
  for (auto& t : clients) t.join();
  ProcessResult r = p->Wait();
  ASSERT_TRUE(admitted);
  ASSERT_TRUE(draining) << r.err;

  EXPECT_EQ(ready.status, 503) << ready.Describe();
  EXPECT_EQ(ready.Json()["reason"], "draining") << ready.body;
  EXPECT_TRUE(late.status == 503 || (late.status == 0 && !kept.open())) << late.Describe();
  EXPECT_TRUE(fresh.refused || fresh.status == 503) << fresh.Describe();
  for (int c = 0; c < kClients; ++c) ExpectScored(replies[c], Rows(c * 10, 3), "d" + std::to_string(c), 10);

  ASSERT_EXIT_CODE(r, 0);
  nlohmann::json report = ReadJson("report.json");
  const std::string status = report["status"].get<std::string>();
  EXPECT_TRUE(status == "succeeded" || status == "drained") << status;
  EXPECT_TRUE(Contains(r.out, "pipeline srv  " + status)) << r.out;
  EXPECT_EQ(ReportNode(report, "gate")["rows_in"], 3 * kClients);
  EXPECT_EQ(report["accounting"]["balanced"], true);
  // The run is in the run store, ended.
  ProcessResult runs = TrestleRaw({"runs", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  json listed = json::parse(runs.out, nullptr, false);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << runs.out;
  EXPECT_EQ(listed[0]["run_id"], report["run_id"]);
  EXPECT_EQ(listed[0]["pipeline"], "srv");
  EXPECT_EQ(listed[0]["status"], status);
  EXPECT_FALSE(listed[0]["ended"].is_null());
}

}  // namespace
}  // namespace trestle::clitest
