// `trestle serve` end to end: every refusal of a single request (400 naming the field,
// 413, 431, 429, 504) and a pipeline failure (500).

#include <thread>

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

TEST_F(ServeTest, BadRequestsAre400AndTheMessageNamesTheField) {
  WritePipeline();
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  struct Bad {
    std::string body, headers, names;
  };
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::vector<Bad> cases = {
      {R"({"inputs": [)", "", "malformed JSON at byte"},
      {"[1, 2]", "", "a JSON object with \"inputs\""},
      {"{}", "", "neither \"inputs\""},
      {R"({"inputs": [], "instances": []})", "", "both \"inputs\""},
      {R"({"instances": [{"id": 1}], "typo": 1})", "", "typo: unknown top-level key"},
      {R"({"instances": [{"id": 1}], "inputs_": 1, "timeout_ms": 5})", "", "inputs_"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "FP64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[0].datatype: FP64 does not fit column \"id\""},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FLOAT", "data": [1]}]})",
       "", "inputs[1].datatype: \"FLOAT\" is not a KServe v2 datatype"},
      {R"({"inputs": [{"name": "id", "shape": [2], "datatype": "INT64", "data": [1, "abc"]},
                      {"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
       "", "inputs[0].data[1]"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT8", "data": [300]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[0].data[0]"},
      {R"({"inputs": [{"name": "id", "shape": [2, 2], "datatype": "INT64", "data": [1, 2, 3, 4]},
                      {"name": "x", "shape": [2], "datatype": "FP64", "data": [1, 2]}]})",
       "", "inputs[0].shape: expected [n] or [n, 1]"},
      {R"({"inputs": [{"name": "id", "shape": [3], "datatype": "INT64", "data": [1, 2]},
                      {"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]})",
       "", "inputs[0].data: 2 values, but shape [3] holds 3"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]}]})", "",
       "inputs: input \"x\" is missing"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]},
                      {"name": "y", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[2].name: unknown input \"y\""},
      {R"({"inputs": [{"name": "id", "shape": [2], "datatype": "INT64", "data": [1, 2]},
                      {"name": "x", "shape": [3], "datatype": "FP64", "data": [1, 2, 3]}]})",
       "", "inputs[1].shape: 3 rows, but inputs[0] has 2"},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1]},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}],
           "outputs": [{"name": "nope"}]})",
       "", "outputs[0].name: unknown output \"nope\""},
      {R"({"inputs": [{"name": "id", "shape": [1], "datatype": "INT64", "data": [1], "parameters": {"binary_data_size": 8}},
                      {"name": "x", "shape": [1], "datatype": "FP64", "data": [1]}]})",
       "", "inputs[0].parameters.binary_data_size: not supported"},
      {R"({"instances": [{"id": 1, "x": 1}, {"id": 2, "y": 1}]})", "", "instances[1]: unknown column \"y\""},
      {R"({"instances": [{"id": "seven", "x": 1}]})", "", "instances[0].id"},
      {R"({"instances": [{"x": 1}]})", "", "instances[0]: \"id\" is missing"},
      {R"({"instances": []})", "", "instances: expected a non-empty array"},
      {R"({"instances": [{"id": 1}], "timeout_ms": 0})", "", "timeout_ms: expected a positive integer"},
      {Instances(Rows(1, 1)), "X-Request-Timeout-Ms: soon\r\n", "x-request-timeout-ms: \"soon\""},
      {"{\"instances\": " + deep + "}", "", "nested deeper than 64 levels"},
  };
  for (const Bad& c : cases) {
    Reply r = Infer(c.body, c.headers);
    EXPECT_EQ(r.status, 400) << c.body << "\n" << r.Describe();
    EXPECT_TRUE(Contains(r.Error(), c.names)) << "the message should name " << c.names << ": " << r.body;
  }
  // Nothing of them reached the graph; the server still answers.
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 400), static_cast<double>(cases.size()));
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", {{"pipeline", "srv"}, {"node", "gate"}}), 0);
  ExpectScored(Infer(Instances(Rows(1, 2), "after")), Rows(1, 2), "after", 10);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

TEST_F(ServeTest, TooLargeBodiesAndRequestsAre413AndTooLargeHeaders431) {
  WritePipeline("{}", "", "", "serve: {max_body_bytes: 4096, max_batch_rows: 8}\n");
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  // A body over serve.max_body_bytes.
  std::string big = Instances(Rows(0, 8));
  big.insert(big.size() - 1, ", \"pad\": \"" + std::string(5000, 'p') + "\"");
  Reply body = Infer(big);
  EXPECT_EQ(body.status, 413) << body.Describe();
  // A small body with more rows than a batch holds: the message names the limit.
  Reply rows = Infer(Instances(Rows(0, 9), "nine"));
  EXPECT_EQ(rows.status, 413) << rows.Describe();
  EXPECT_TRUE(Contains(rows.Error(), "9 rows") && Contains(rows.Error(), "max_batch_rows")) << rows.body;
  EXPECT_EQ(rows.Header("x-request-id"), "nine");
  // Request headers over 16 KiB.
  Reply headers = Infer(Instances(Rows(0, 1)), "X-Padding: " + std::string(20 << 10, 'h') + "\r\n");
  EXPECT_EQ(headers.status, 431) << headers.Describe();
  Reply fine = Call(port_, "GET", "/v2/health/live", "", "X-Padding: " + std::string(10 << 10, 'h') + "\r\n");
  EXPECT_EQ(fine.status, 200) << "10 KiB of headers are within the limit: " << fine.Describe();

  // The server goes on; a request of max_batch_rows rows is fine.
  ExpectScored(Infer(Instances(Rows(0, 8), "eight")), Rows(0, 8), "eight", 10);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 413), 1) << "the rows' 413 is counted (the body's is the HTTP server's)";
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", {{"pipeline", "srv"}, {"node", "gate"}}), 8);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
}

TEST_F(ServeTest, AFullQueueIs429WithRetryAfterAndItsRowsNeverRun) {
  // One batch at a time, 300 ms each; 2 rows per batch and 2 rows may wait: of 16
  // simultaneous 2-row requests one runs, one waits, the others find the queue full.
  WritePipeline("{sleep_ms: 300}", "max_inflight_batches: 1");
  auto p = Serve({"--max-batch-rows", "2", "--max-queue-rows", "2", "--max-queue-delay-us", "0"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  constexpr int kClients = 16;
  std::vector<Reply> replies(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] { replies[c] = Infer(Instances(Rows(c * 10, 2), "q" + std::to_string(c))); });
  for (auto& t : clients) t.join();
  int ok = 0, full = 0;
  for (int c = 0; c < kClients; ++c) {
    const Reply& r = replies[c];
    if (r.status == 200) {
      ++ok;
      ExpectScored(r, Rows(c * 10, 2), "q" + std::to_string(c), 10);
    } else {
      ASSERT_EQ(r.status, 429) << r.Describe();
      ++full;
      const std::string retry = r.Header("retry-after");
      EXPECT_FALSE(retry.empty()) << "a 429 without Retry-After";
      EXPECT_TRUE(!retry.empty() && retry.find_first_not_of("0123456789") == std::string::npos) << retry;
      EXPECT_TRUE(Contains(r.Error(), "queue is full")) << r.body;
      EXPECT_EQ(r.Header("x-request-id"), "q" + std::to_string(c));
    }
  }
  EXPECT_GE(ok, 2);
  EXPECT_GE(full, 1);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 429), full);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  EXPECT_EQ(ReportNode(ReadJson("report.json"), "gate")["rows_in"], 2 * ok) << "a refused request's rows ran";
}

TEST_F(ServeTest, ADeadlineThatPassesInTheQueueIs504AndTheRequestNeverRuns) {
  // One batch at a time, a second each; requests without a deadline of their own get 50 ms.
  WritePipeline("{sleep_ms: 1000}", "max_inflight_batches: 1");
  auto p = Serve({"--request-timeout-ms", "50", "--max-queue-delay-us", "0"});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  Reply slow;
  std::thread slow_client([&] { slow = Infer(Instances(Rows(1, 3), "slow", {{"timeout_ms", 60000}})); });
  // Once the slow request is in the graph, the next ones wait behind it.
  ASSERT_TRUE(WaitUntil(
      [&] {
        prom_test::Exposition x = Scrape();
        return Gauge(x, "trestle_serving_outstanding_requests") == 1 && Gauge(x, "trestle_serving_queued_rows") == 0;
      },
      seconds(30)));
  Reply by_body, by_parameter, by_default;
  std::thread a([&] { by_body = Infer(Instances(Rows(100, 3), "h", {{"timeout_ms", 50}})); });
  std::thread b([&] { by_parameter = Infer(V2(Rows(200, 3), "v", {{"parameters", {{"timeout_ms", 50}}}})); });
  std::thread c([&] { by_default = Infer(Instances(Rows(300, 3), "d")); });
  a.join();
  b.join();
  c.join();
  Reply by_http_header = Infer(Instances(Rows(400, 3), "x"), "X-Request-Timeout-Ms: 50\r\n");
  // The slow one may be done by now: then this one ran at once. Either way it is answered.
  for (const Reply* r : {&by_body, &by_parameter, &by_default}) {
    EXPECT_EQ(r->status, 504) << r->Describe();
    EXPECT_TRUE(Contains(r->Error(), "deadline of 50 ms") && Contains(r->Error(), "not run")) << r->body;
  }
  slow_client.join();
  ExpectScored(slow, Rows(1, 3), "slow", 10);
  EXPECT_TRUE(by_http_header.status == 504 || by_http_header.status == 200) << by_http_header.Describe();
  const int64_t ran_http_header = by_http_header.status == 200 ? 3 : 0;

  // A request with a generous deadline behind nothing runs.
  ExpectScored(Infer(Instances(Rows(500, 2), "late"), "X-Request-Timeout-Ms: 60000\r\n"), Rows(500, 2), "late", 10);
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(Requests(x, "", 504), by_http_header.status == 504 ? 4 : 3);
  EXPECT_EQ(Requests(x, "7", 200), by_http_header.status == 200 ? 3 : 2);
  EXPECT_EQ(x.Get("trestle_model_predictions_total", {{"pipeline", "srv"}, {"node", "score"}, {"version", "7"}}).value_or(-1),
            5 + ran_http_header);
  ASSERT_EXIT_CODE(Terminate(*p), 0);
  nlohmann::json report = ReadJson("report.json");
  EXPECT_EQ(ReportNode(report, "gate")["rows_in"], 5 + ran_http_header) << "an expired request's rows ran";
  ASSERT_EQ(report["models"].size(), 1u);
  EXPECT_EQ(report["models"][0]["versions"][0]["rows"], 5 + ran_http_header);
}

TEST_F(ServeTest, APipelineFailureAnswers500AndEndsTheRun) {
  // The gate's DATA_ERROR fails the run (on_error: fail).
  WritePipeline("{data_error_id: 5}", "", ", on_error: fail");
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));
  ExpectScored(Infer(Instances(Rows(0, 2), "fine")), Rows(0, 2), "fine", 10);
  Reply failed = Infer(Instances(Rows(3, 4), "fails"));
  EXPECT_EQ(failed.status, 500) << failed.Describe();
  EXPECT_TRUE(Contains(failed.Error(), "scripted bad batch at id 5")) << failed.body;
  EXPECT_EQ(failed.Header("x-request-id"), "fails");
  ProcessResult r = p->Wait();
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_EQ(ReadJson("report.json")["status"], "failed");
}

}  // namespace
}  // namespace trestle::clitest
