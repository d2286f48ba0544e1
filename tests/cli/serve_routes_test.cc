// `trestle serve` end to end, conformance: every route of KServe v2 REST and its
// methods, the metadata, readiness, request ids and 404 errors.

#include "serve_fixture.h"

namespace trestle::clitest {
namespace {

TEST_F(ServeTest, EveryRouteAnswersAsKServeV2Says) {
  WritePipeline();
  auto p = Serve({});
  ASSERT_TRUE(p);
  ASSERT_TRUE(WaitReady(*p));

  Reply live = Call(port_, "GET", "/v2/health/live");
  EXPECT_EQ(live.status, 200) << live.Describe();
  EXPECT_EQ(live.Header("content-type"), "application/json");
  EXPECT_EQ(live.Json(), json({{"live", true}}));
  Reply ready = Call(port_, "GET", "/v2/health/ready");
  EXPECT_EQ(ready.Json(), json({{"ready", true}}));

  Reply server = Call(port_, "GET", "/v2");
  ASSERT_EQ(server.status, 200) << server.Describe();
  EXPECT_EQ(server.Json()["name"], "trestle");
  EXPECT_TRUE(server.Json()["version"].is_string()) << server.body;
  EXPECT_TRUE(server.Json()["extensions"].is_array()) << server.body;

  // Model metadata: the request is the source's columns, the response the response
  // node's input, with v2 datatypes; the version is the model file's.
  const json expected_metadata = {
      {"name", "srv"},
      {"versions", {"7"}},
      {"platform", "trestle"},
      {"inputs", {{{"name", "id"}, {"datatype", "INT64"}, {"shape", {-1}}}, {{"name", "x"}, {"datatype", "FP64"}, {"shape", {-1}}}}},
      {"outputs",
       {{{"name", "id"}, {"datatype", "INT64"}, {"shape", {-1}}},
        {{"name", "x"}, {"datatype", "FP64"}, {"shape", {-1}}},
        {{"name", "score"}, {"datatype", "FP64"}, {"shape", {-1}}}}}};
  for (const char* path : {"/v2/models/srv", "/v2/models/srv/versions/7"}) {
    Reply m = Call(port_, "GET", path);
    ASSERT_EQ(m.status, 200) << path << " " << m.Describe();
    EXPECT_EQ(m.Json(), expected_metadata) << path;
  }
  for (const char* path : {"/v2/models/srv/ready", "/v2/models/srv/versions/7/ready"}) {
    Reply m = Call(port_, "GET", path);
    EXPECT_EQ(m.status, 200) << path << " " << m.Describe();
    EXPECT_EQ(m.Json(), json({{"name", "srv"}, {"ready", true}})) << path;
  }

  // HEAD is GET without the body.
  Reply head = Call(port_, "HEAD", "/v2/health/live");
  EXPECT_EQ(head.status, 200) << head.Describe();
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.Header("content-length"), std::to_string(live.body.size()));

  // Inference on both routes, both forms; the request id from the body, the header, or made up.
  ExpectScored(Infer(Instances(Rows(1, 3), "abc")), Rows(1, 3), "abc", 10, "instances");
  ExpectScored(Call(port_, "POST", "/v2/models/srv/versions/7/infer", V2(Rows(10, 2), "v2-id")), Rows(10, 2), "v2-id", 10,
               "versioned v2");
  Reply by_header = Infer(Instances(Rows(20, 1)), "X-Request-Id: from-header\r\n");
  ExpectScored(by_header, Rows(20, 1), "from-header", 10, "header id");
  Reply made_up = Infer(Instances(Rows(30, 1)));
  ASSERT_EQ(made_up.status, 200) << made_up.Describe();
  EXPECT_FALSE(made_up.Header("x-request-id").empty());
  EXPECT_EQ(made_up.Json()["model_name"], "srv");
  EXPECT_EQ(made_up.Json()["model_version"], "7");
  // v2: the outputs asked for, in that order, with their datatypes; [n, 1] and nested data.
  const std::string nested = R"({"id": "n", "inputs": [
      {"name": "x", "shape": [2, 1], "datatype": "FP64", "data": [[1.5], [2.5]]},
      {"name": "id", "shape": [2], "datatype": "INT32", "data": [5, 6]}],
      "outputs": [{"name": "score"}, {"name": "id"}]})";
  Reply picked = Infer(nested);
  ASSERT_EQ(picked.status, 200) << picked.Describe();
  const json outputs = picked.Json()["outputs"];
  ASSERT_EQ(outputs.size(), 2u) << picked.body;
  EXPECT_EQ(outputs[0], json({{"name", "score"}, {"datatype", "FP64"}, {"shape", {2}}, {"data", {11.5, 12.5}}}));
  EXPECT_EQ(outputs[1], json({{"name", "id"}, {"datatype", "INT64"}, {"shape", {2}}, {"data", {5, 6}}}));
  EXPECT_FALSE(picked.Json().contains("parameters")) << picked.body;

  // 404: unknown models, versions and routes, each naming what is unknown.
  struct NotFound {
    std::string method, path, names;
  };
  for (const NotFound& c : std::vector<NotFound>{{"GET", "/v2/models/nope", "\"nope\""},
                                                {"GET", "/v2/models/nope/ready", "\"nope\""},
                                                {"POST", "/v2/models/nope/infer", "\"nope\""},
                                                {"GET", "/v2/models/srv/versions/8", "\"8\""},
                                                {"GET", "/v2/models/srv/versions/8/ready", "\"8\""},
                                                {"POST", "/v2/models/srv/versions/8/infer", "\"8\""},
                                                {"GET", "/v2/models/srv/explain", "/v2/models/srv/explain"},
                                                {"GET", "/v2/models/srv/versions/7/ready/now", "/v2/models/srv/versions/7/ready/now"},
                                                {"GET", "/v2/models", "/v2/models"},
                                                {"GET", "/v2/health/dead", "/v2/health/dead"},
                                                {"GET", "/v3/models/srv", "/v3/models/srv"},
                                                {"GET", "/", "/"}}) {
    Reply r = Call(port_, c.method, c.path, c.method == "POST" ? Instances(Rows(1, 1)) : "");
    EXPECT_EQ(r.status, 404) << c.method << " " << c.path << ": " << r.Describe();
    EXPECT_TRUE(Contains(r.Error(), c.names)) << c.method << " " << c.path << ": " << r.body;
  }

  // 405, with the methods the route takes in Allow.
  struct WrongMethod {
    std::string method, path, allow;
  };
  for (const WrongMethod& c : std::vector<WrongMethod>{{"POST", "/v2/health/live", "GET"},
                                                      {"POST", "/v2/health/ready", "GET"},
                                                      {"POST", "/v2", "GET"},
                                                      {"POST", "/v2/models/srv", "GET"},
                                                      {"POST", "/v2/models/srv/ready", "GET"},
                                                      {"POST", "/v2/models/srv/versions/7", "GET"},
                                                      {"POST", "/metrics", "GET"},
                                                      {"GET", "/v2/models/srv/infer", "POST"},
                                                      {"HEAD", "/v2/models/srv/infer", "POST"},
                                                      {"PUT", "/v2/models/srv/infer", "POST"},
                                                      {"GET", "/v2/models/srv/versions/7/infer", "POST"},
                                                      {"PUT", "/v2/health/live", "GET"},
                                                      {"DELETE", "/v2/models/srv", "GET"},
                                                      {"DELETE", "/metrics", "GET"}}) {
    Reply r = Call(port_, c.method, c.path);
    EXPECT_EQ(r.status, 405) << c.method << " " << c.path << ": " << r.Describe();
    const std::string allow = r.Header("allow");
    EXPECT_TRUE(Contains(allow, c.allow) && !Contains(allow, c.allow == "GET" ? "POST" : "GET"))
        << c.method << " " << c.path << ": Allow: \"" << allow << "\", the route takes " << c.allow;
  }

  // /metrics: one valid exposition of the run's families and the serving ones.
  prom_test::Exposition x = Scrape();
  EXPECT_EQ(x.Get("trestle_up", {}), 1);
  EXPECT_EQ(Requests(x, "7", 200), 5);
  EXPECT_EQ(x.Get("trestle_serving_request_rows_count", {{"model", "srv"}}), 5);
  EXPECT_EQ(x.Get("trestle_serving_request_rows_sum", {{"model", "srv"}}), 3 + 2 + 1 + 1 + 2);
  EXPECT_EQ(Gauge(x, "trestle_serving_queued_rows"), 0);
  EXPECT_EQ(Gauge(x, "trestle_serving_outstanding_requests"), 0);
  EXPECT_EQ(x.Get("trestle_node_rows_in_total", {{"pipeline", "srv"}, {"node", "score"}}), 9);
  Reply metrics = Call(port_, "GET", "/metrics");
  EXPECT_TRUE(Contains(metrics.Header("content-type"), "text/plain")) << metrics.Header("content-type");

  ProcessResult r = Terminate(*p);
  ASSERT_EXIT_CODE(r, 0);
  nlohmann::json report = ReadJson("report.json");
  EXPECT_EQ(report["status"], "succeeded") << report.dump();
  EXPECT_EQ(ReportNode(report, "score")["rows_in"], 9);
  EXPECT_EQ(report["accounting"]["balanced"], true) << report["accounting"].dump();
}

}  // namespace
}  // namespace trestle::clitest
