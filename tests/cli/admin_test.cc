// The admin endpoint of `trestle run`: an endless pipeline started with
// --admin-addr 127.0.0.1:0 is scraped over real HTTP on loopback while it runs and while
// it drains; the flags' errors and defaults.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "../observe/exposition_parser.h"
#include "../observe/http_get.h"
#include "cli_fixture.h"

namespace trestle::clitest {
namespace {

using http_test::HttpGet;
using prom_test::LabelSet;
using std::chrono::milliseconds;
using std::chrono::seconds;

class AdminTest : public CliTest {
 protected:
  // An endless source behind a transform that takes `sleep_ms` per batch: with 8
  // batches in flight, a drain takes about 8 * sleep_ms.
  void WriteEndless(int sleep_ms, const std::string& execution_extra = "") {
    Write("p.yaml", R"(pipeline: admin
nodes:
  - name: seq
    type: sequence
    options: {rows: 0}
  - name: slow
    type: scripted
    inputs: [seq]
    options: {sleep_ms: )" + std::to_string(sleep_ms) + R"(}
  - name: out
    type: jsonl_sink
    inputs: [slow]
    options: {path: out/rows.jsonl}
execution: {batch_rows: 10, max_inflight_batches: 8)" +
                        execution_extra + "}\n");
  }

  // The port from "admin endpoint listening on 127.0.0.1:PORT"; 0 when not (yet) there.
  static int LoggedPort(const std::string& log) {
    static const std::regex re("admin endpoint listening on 127\\.0\\.0\\.1:([0-9]+)");
    std::smatch m;
    return std::regex_search(log, m, re) ? std::stoi(m[1]) : 0;
  }

  prom_test::Exposition Scrape(uint16_t port) {
    http_test::HttpResponse r = HttpGet(port, "/metrics");
    EXPECT_EQ(r.status, 200) << r.error << r.raw.substr(0, 300);
    EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    prom_test::Exposition x = prom_test::ParseExposition(r.body);
    EXPECT_TRUE(x.errors.empty()) << x.ErrorText() << r.body;
    return x;
  }

  static LabelSet L(const std::string& node) { return {{"pipeline", "admin"}, {"node", node}}; }
};

TEST_F(AdminTest, ScrapesAnEndlessRunAndGoesUnreadyWhileDraining) {
  WriteEndless(300);
  auto p = StartTrestle({"run", "p.yaml", "--run-dir", "run", "--report", "r.json", "--admin-addr", "127.0.0.1:0"});
  ASSERT_TRUE(p);
  int port = 0;
  ASSERT_TRUE(WaitUntil([&] { return (port = LoggedPort(p->Stderr())) > 0; }, seconds(30)))
      << "no listening line: " << p->Stderr();
  ASSERT_GT(port, 0);
  ASSERT_LT(port, 65536);
  const auto admin = static_cast<uint16_t>(port);

  auto health = HttpGet(admin, "/healthz");
  EXPECT_EQ(health.status, 200) << health.error;
  EXPECT_EQ(health.body, "ok\n");
  // Ready once the graph runs.
  http_test::HttpResponse ready;
  EXPECT_TRUE(WaitUntil([&] { return (ready = HttpGet(admin, "/readyz")).status == 200; }, seconds(20)))
      << ready.status << " " << ready.body << p->Stderr();
  EXPECT_EQ(ready.body, "ready\n");

  // Two scrapes: the counters grow.
  ASSERT_TRUE(WaitUntil([&] { return Scrape(admin).Get("trestle_node_rows_out_total", L("slow")).value_or(0) > 0; },
                        seconds(20)));
  prom_test::Exposition first = Scrape(admin);
  std::this_thread::sleep_for(milliseconds(1200));
  prom_test::Exposition second = Scrape(admin);
  for (const char* name : {"trestle_node_rows_out_total", "trestle_node_rows_in_total", "trestle_node_batches_in_total"}) {
    for (const char* node : {"seq", "slow", "out"}) {
      if (std::string(name) != "trestle_node_rows_out_total" && std::string(node) == "seq") continue;
      auto a = first.Get(name, L(node)), b = second.Get(name, L(node));
      ASSERT_TRUE(a && b) << name << " " << node;
      EXPECT_GT(*b, *a) << name << "{node=" << node << "} did not grow";
    }
  }
  EXPECT_GT(*second.Get("trestle_source_rows_read_total", L("seq")), *first.Get("trestle_source_rows_read_total", L("seq")));
  EXPECT_EQ(second.Get("trestle_up", {}), 1);
  EXPECT_EQ(second.Get("trestle_ready", {{"pipeline", "admin"}}), 1);
  // The run id in trestle_run_info is the one in the log.
  auto info = second.All("trestle_run_info");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_TRUE(Contains(p->Stderr(), "run " + info[0].labels["run_id"] + " of pipeline \"admin\""))
      << info[0].labels["run_id"];
  EXPECT_TRUE(IsSha256(info[0].labels["config_hash"])) << info[0].labels["config_hash"];
  // The slow transform's calls are in its latency histogram, around 0.3 s each.
  const double calls = second.Get("trestle_node_batch_duration_seconds_count", L("slow")).value_or(0);
  const double seconds_sum = second.Get("trestle_node_batch_duration_seconds_sum", L("slow")).value_or(0);
  EXPECT_GT(calls, 0);
  EXPECT_NEAR(seconds_sum / calls, 0.3, 0.1);
  EXPECT_EQ(second.Get("trestle_node_batch_duration_seconds_bucket", {{"pipeline", "admin"}, {"node", "slow"}, {"le", "0.1"}}),
            0);
  bool slow_info = false;
  for (const auto& sample : second.All("trestle_node_info")) {
    if (sample.labels.at("node") != "slow") continue;
    slow_info = true;
    EXPECT_EQ(sample.labels.at("type"), "scripted");
    EXPECT_EQ(sample.labels.at("role"), "transform");
    EXPECT_FALSE(sample.labels.at("plugin").empty());
  }
  EXPECT_TRUE(slow_info);

  auto missing = HttpGet(admin, "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(http_test::HttpRequest(admin, "POST", "/metrics").status, 405);

  // Drain: the slow transform keeps it going for a while; readiness goes to 503 at once,
  // liveness and metrics stay.
  p->Signal(SIGTERM);
  http_test::HttpResponse draining;
  EXPECT_TRUE(WaitUntil([&] { return (draining = HttpGet(admin, "/readyz")).status == 503; }, seconds(2)))
      << draining.status << " " << draining.body;
  EXPECT_EQ(draining.body, "draining\n");
  EXPECT_TRUE(p->Running()) << "the drain was over before readiness was checked";
  EXPECT_EQ(HttpGet(admin, "/healthz").status, 200);
  EXPECT_EQ(Scrape(admin).Get("trestle_ready", {{"pipeline", "admin"}}), 0);

  ProcessResult r = p->Wait();
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_EQ(ReadJson("r.json")["status"], "drained");
  // Stopped with the process.
  EXPECT_LT(http_test::ConnectLoopback(admin), 0);
}

TEST_F(AdminTest, FiniteRunWithAnEndpointEndsNormally) {
  Write("p.yaml", R"(pipeline: finite
nodes:
  - name: seq
    type: sequence
    options: {rows: 500}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--admin-addr", ":0"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_GT(LoggedPort(r.err), 0) << r.err;
  EXPECT_EQ(Lines("out/rows.jsonl").size(), 500u);
  // Off for batch runs unless asked for.
  r = Trestle({"run", "p.yaml"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(Contains(r.err, "admin endpoint")) << r.err;
}

TEST_F(AdminTest, ServicePipelinesHaveItByDefault) {
  Write("p.yaml", R"(pipeline: svc
nodes:
  - name: seq
    type: sequence
    options: {rows: 100}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
execution: {service: true}
)");
  ProcessResult r = Trestle({"run", "p.yaml"});
  // 9464 may be taken on a shared machine: either way it was on by default.
  const bool listened = Contains(r.err, "admin endpoint listening on 127.0.0.1:9464");
  const bool busy = Contains(r.err, "admin endpoint: cannot bind 127.0.0.1:9464");
  EXPECT_TRUE(listened || busy) << r.Describe();
  if (listened) {
    EXPECT_EXIT_CODE(r, 0);
  }
  if (busy) {
    EXPECT_EXIT_CODE(r, 1);
    EXPECT_TRUE(Contains(r.err, "--no-admin")) << r.err;
  }
  r = Trestle({"run", "p.yaml", "--no-admin"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_FALSE(Contains(r.err, "admin endpoint")) << r.err;
  r = Trestle({"run", "p.yaml", "--admin-addr", "127.0.0.1:0"});
  ASSERT_EXIT_CODE(r, 0);
  EXPECT_GT(LoggedPort(r.err), 0) << r.err;
  EXPECT_FALSE(Contains(r.err, ":9464")) << r.err;
}

TEST_F(AdminTest, APortInUseFailsTheRunAndTheStoreSaysWhy) {
  Write("p.yaml", R"(pipeline: finite
nodes:
  - name: seq
    type: sequence
    options: {rows: 10}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
)");
  // Hold a port: listen on an ephemeral one.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string addr = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  ProcessResult r = Trestle({"run", "p.yaml", "--admin-addr", addr});
  close(fd);
  EXPECT_EXIT_CODE(r, 1);
  EXPECT_TRUE(Contains(r.err, "cannot bind " + addr)) << r.err;
  EXPECT_FALSE(Exists("out/rows.jsonl"));
  // Recorded as failed, with the reason, not left "running".
  ProcessResult runs = TrestleRaw({"runs", "--format", "json"});
  ASSERT_EXIT_CODE(runs, 0);
  nlohmann::json j = nlohmann::json::parse(runs.out);
  ASSERT_EQ(j.size(), 1u) << runs.out;
  EXPECT_EQ(j[0]["status"], "failed");
  EXPECT_TRUE(Contains(j[0]["error"].get<std::string>(), "cannot bind " + addr)) << j[0].dump();
}

TEST_F(AdminTest, BadFlagsAreUsageErrors) {
  Write("p.yaml", R"(pipeline: finite
nodes:
  - name: seq
    type: sequence
    options: {rows: 5}
  - name: out
    type: jsonl_sink
    inputs: [seq]
    options: {path: out/rows.jsonl}
)");
  ProcessResult r = Trestle({"run", "p.yaml", "--admin-addr", "x:y"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "trestle: --admin-addr \"x:y\": port \"y\" is not a number")) << r.err;
  r = Trestle({"run", "p.yaml", "--admin-addr", "127.0.0.1"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "--admin-addr \"127.0.0.1\": no port")) << r.err;
  r = Trestle({"run", "p.yaml", "--admin-addr", ":0", "--no-admin"});
  EXPECT_EXIT_CODE(r, 2);
  EXPECT_TRUE(Contains(r.err, "--admin-addr and --no-admin exclude each other")) << r.err;
  EXPECT_FALSE(Exists("out/rows.jsonl")) << "nothing runs after a usage error";
}

}  // namespace
}  // namespace trestle::clitest
