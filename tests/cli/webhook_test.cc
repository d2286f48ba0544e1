// webhook_sink end to end: `trestle run` POSTs the rows of a `sequence` source to an HTTP
// server that this test process runs on 127.0.0.1 (the scripted server of the plugin's
// own tests), through failures that the sink and the engine retry.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../plugins/webhook/tests/http_test_server.hpp"
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using webhook_test::Reply;
using webhook_test::Request;
using webhook_test::TestServer;

constexpr const char* kToken = "whk-7c1e55b0d9a2";

class WebhookTest : public CliTest {
 protected:
  // seq (`rows` rows, batches of 100) -> hook (webhook_sink to `url` with `options`
  // added, plus node keys `extra`).
  void WritePipeline(int rows, const std::string& url, const std::string& options, const std::string& extra = "") {
    std::string yaml = "pipeline: webhook\nnodes:\n"
                       "  - name: seq\n    type: sequence\n    options: {rows: " +
                       std::to_string(rows) +
                       "}\n"
                       "  - name: hook\n    type: webhook_sink\n    inputs: [seq]\n"
                       "    options: {url: \"" +
                       url + "\", bearer_token: \"${HOOK_TOKEN}\", backoff_ms: 10" +
                       (options.empty() ? "" : ", " + options) + "}\n";
    if (!extra.empty()) yaml += "    " + extra + "\n";
    yaml += "execution: {batch_rows: 100}\n";
    Write("p.yaml", yaml);
  }

  ProcessResult Run(std::vector<std::string> args = {"run", "p.yaml", "--run-dir", "run", "--report", "r.json"}) {
    ProcessOptions o;
    o.env["HOOK_TOKEN"] = kToken;
    return Trestle(std::move(args), o);
  }

  // The ids of every request answered 2xx, in order of arrival.
  static std::vector<int64_t> DeliveredIds(const std::vector<Request>& requests) {
    std::vector<int64_t> ids;
    for (const auto& r : requests) {
      if (r.status < 200 || r.status >= 300) continue;
      nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
      if (body.is_discarded() || !body.contains("rows")) {
        ADD_FAILURE() << "not a {\"rows\": [...]} body: " << r.body;
        continue;
      }
      for (const auto& row : body["rows"]) ids.push_back(row["id"].get<int64_t>());
    }
    return ids;
  }

  static std::vector<int64_t> Range(int64_t n) {
    std::vector<int64_t> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(i);
    return v;
  }

  // The token shows nowhere: not in the output, the report or the run directory's files.
  void ExpectTokenHidden(const ProcessResult& r) {
    EXPECT_FALSE(Contains(r.out, kToken)) << r.out;
    EXPECT_FALSE(Contains(r.err, kToken)) << r.err;
    if (Exists("r.json")) {
      EXPECT_FALSE(Contains(Read("r.json"), kToken));
    }
    for (const auto& name : List("run")) {
      if (std::filesystem::is_regular_file(Path("run/" + name))) {
        EXPECT_FALSE(Contains(Read("run/" + name), kToken)) << name;
      }
    }
  }
};

TEST_F(WebhookTest, EveryRowArrivesExactlyOnceThroughRetries) {
  // 1000 rows in batches of 100, 64 rows a request: 20 requests, and 3 failures that the
  // sink retries.
  std::vector<Reply> script(12, Reply::Status(200));
  script[1] = Reply::Status(503, "warming up");
  script[5] = Reply::Status(500);
  script[9] = Reply::Status(429).Header("Retry-After", "0");
  TestServer server(script);
  WritePipeline(1000, server.url("/alerts"), "batch_rows: 64");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);

  std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 23u);
  EXPECT_EQ(DeliveredIds(requests), Range(1000)) << "every row once, in source order";
  std::map<std::string, int> answered_2xx;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& q = requests[i];
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.target, "/alerts");
    EXPECT_EQ(q.header("authorization"), std::string("Bearer ") + kToken);
    EXPECT_EQ(q.header("content-type"), "application/json");
    if (q.status == 200) ++answered_2xx[q.header("idempotency-key")];
    if (q.status != 200) {
      ASSERT_LT(i + 1, requests.size());
      EXPECT_EQ(requests[i + 1].body, q.body) << "a retry sends the same body";
      EXPECT_EQ(requests[i + 1].header("idempotency-key"), q.header("idempotency-key"));
    }
  }
  EXPECT_EQ(answered_2xx.size(), 20u) << "one key per request";
  for (const auto& [key, n] : answered_2xx) EXPECT_EQ(n, 1) << key;

  nlohmann::json report = ReadJson("r.json");
  nlohmann::json hook = ReportNode(report, "hook");
  EXPECT_EQ(hook["rows_in"], 1000);
  EXPECT_EQ(hook["rows_out"], 1000);
  EXPECT_EQ(hook["retries"], 0) << "the sink retried; the engine did not need to";
  EXPECT_EQ(hook["metrics"]["rows_delivered"], 1000) << hook.dump();
  EXPECT_EQ(hook["metrics"]["requests"], 23) << hook.dump();
  EXPECT_EQ(hook["metrics"]["retries"], 3) << hook.dump();
  EXPECT_EQ(report["accounting"]["balanced"], true);
  ExpectTokenHidden(r);
}

TEST_F(WebhookTest, TheEngineRetryResumesAPartlyDeliveredBatch) {
  // The sink gives up at once (max_attempts 1); the node's retry calls write() again
  // and the sink sends only what was not delivered, under the same key.
  std::vector<Reply> script(4, Reply::Status(200));
  script[1] = Reply::Status(503);  // the second request of the first batch
  TestServer server(script);
  WritePipeline(200, server.url(), "batch_rows: 20, max_attempts: 1",
                "retry: {max_attempts: 3, initial_backoff_ms: 10}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  std::vector<Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 11u);  // 5 + 5 requests and one retried
  EXPECT_EQ(DeliveredIds(requests), Range(200));
  EXPECT_EQ(requests[1].header("idempotency-key"), requests[2].header("idempotency-key"));
  EXPECT_EQ(requests[1].body, requests[2].body);
  nlohmann::json hook = ReportNode(ReadJson("r.json"), "hook");
  EXPECT_EQ(hook["retries"], 1);
  EXPECT_EQ(hook["rows_out"], 200);
  EXPECT_TRUE(Contains(r.err, "UNAVAILABLE")) << r.err;
}

TEST_F(WebhookTest, RefusedRequestsAreDeadLetteredNamingTheStatus) {
  std::vector<Reply> script(10, Reply::Status(400, "{\"error\":\"unknown field id\"}"));
  TestServer server(script);
  WritePipeline(150, server.url(), "");
  // Every row is refused: the run fails (execution.max_dead_letter_share) ...
  ProcessResult failed = Run();
  ASSERT_EXIT_CODE(failed, 1);
  EXPECT_TRUE(Contains(failed.out, "150 of the 150 rows read were dead-lettered")) << failed.out;
  EXPECT_EQ(server.count(), 2u) << "one request per batch; a 400 is not retried";
  // ... unless the pipeline allows it; either way every row is a dead letter.
  std::string yaml = Read("p.yaml");
  yaml.replace(yaml.find("execution: {batch_rows: 100}"), 28, "execution: {batch_rows: 100, max_dead_letter_share: 1}");
  Write("p.yaml", yaml);
  std::filesystem::remove_all(Path("run"));
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(server.count(), 4u);
  std::vector<nlohmann::json> dl = ReadJsonLines("run/dead_letter.jsonl");
  ASSERT_EQ(dl.size(), 150u);
  for (const auto& d : dl) {
    EXPECT_EQ(d["node"], "hook");
    EXPECT_EQ(d["code"], "DATA_ERROR");
    EXPECT_TRUE(Contains(d["reason"].get<std::string>(),
                         "POST " + server.url() + " answered 400 Bad Request: {\"error\":\"unknown field id\"}"))
        << d.dump();
  }
  nlohmann::json report = ReadJson("r.json");
  EXPECT_EQ(ReportNode(report, "hook")["dead_lettered"], 150);
  EXPECT_EQ(report["accounting"]["balanced"], true);
  ExpectTokenHidden(r);
}

TEST_F(WebhookTest, ARefusalFailsTheRunUnderOnErrorFail) {
  TestServer server({Reply::Status(401, "bad token " + std::string(kToken))});
  WritePipeline(10, server.url(), "", "on_error: fail");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err + r.out, "answered 401 Unauthorized: bad token <secret>")) << r.Describe();
  ExpectTokenHidden(r);
}

TEST_F(WebhookTest, AnUnreachableEndpointFailsTheRunAsUnavailable) {
  const std::string url = "http://127.0.0.1:" + std::to_string(webhook_test::UnusedPort()) + "/hook";
  WritePipeline(10, url, "max_attempts: 2", "retry: {max_attempts: 2, initial_backoff_ms: 10}");
  ProcessResult r = Run();
  ASSERT_EXIT_CODE(r, 1);
  const std::string all = r.err + r.out;
  EXPECT_TRUE(Contains(all, "UNAVAILABLE")) << r.Describe();
  EXPECT_TRUE(Contains(all, "POST " + url + " failed after 2 attempts")) << r.Describe();
  EXPECT_TRUE(Contains(all, "Connection refused")) << r.Describe();
  EXPECT_EQ(ReadJson("r.json")["error"]["code"], "UNAVAILABLE");
  ExpectTokenHidden(r);
}

TEST_F(WebhookTest, ValidateRefusesHttpsAndBadUrlsNamingTheOption) {
  WritePipeline(10, "https://alerts.example.com/hook", "");
  ProcessResult r = Run({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err + r.out, "option \"url\" = \"https://alerts.example.com/hook\": https is not supported"))
      << r.Describe();

  WritePipeline(10, "http://alerts.example.com:99999/hook", "");
  r = Run({"validate", "p.yaml"});
  ASSERT_EXIT_CODE(r, 78);
  EXPECT_TRUE(Contains(r.err + r.out, "option \"url\"")) << r.Describe();
  EXPECT_TRUE(Contains(r.err + r.out, "port 99999 is outside 1-65535")) << r.Describe();
  EXPECT_FALSE(Contains(r.err + r.out, kToken)) << r.Describe();
}

}  // namespace
}  // namespace trestle::clitest
