// The admin endpoint over real loopback HTTP: routes, status codes, readiness, limits,
// slow clients, and a clean stop.
#include "observe/admin_server.h"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "http_get.h"
#include "observe/prometheus.h"

namespace trestle::core {
namespace {

using http_test::HttpGet;
using http_test::HttpRequest;
using namespace std::chrono_literals;

AdminAddress Loopback0() { return AdminAddress{"127.0.0.1", 0}; }

bool WaitFor200(uint16_t port) {
  for (int i = 0; i < 100; ++i) {
    if (HttpGet(port, "/healthz").status == 200) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

class AdminServerTest : public ::testing::Test {
 protected:
  void Start(AdminServer::Options o = {}) {
    if (!o.metrics) o.metrics = [this] { return "# TYPE x_total counter\nx_total " + std::to_string(++scrapes) + "\n"; };
    if (!o.readiness) o.readiness = [this] { return readiness(); };
    server = std::make_unique<AdminServer>(std::move(o));
    Status s = server->Start(Loopback0());
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_NE(server->port(), 0);
  }
  Readiness readiness() {
    std::lock_guard<std::mutex> l(mu);
    return ready;
  }
  void SetReady(Readiness r) {
    std::lock_guard<std::mutex> l(mu);
    ready = std::move(r);
  }

  std::atomic<int> scrapes{0};
  std::mutex mu;
  Readiness ready{false, "starting"};
  std::unique_ptr<AdminServer> server;
};

TEST_F(AdminServerTest, Routes) {
  Start();
  EXPECT_EQ(server->bound_address(), "127.0.0.1:" + std::to_string(server->port()));
  auto m = HttpGet(server->port(), "/metrics");
  EXPECT_EQ(m.status, 200) << m.error << m.raw;
  EXPECT_EQ(m.headers["content-type"], kPrometheusContentType);
  EXPECT_EQ(m.body, "# TYPE x_total counter\nx_total 1\n");
  EXPECT_TRUE(m.error.empty()) << m.error;
  EXPECT_EQ(HttpGet(server->port(), "/metrics?name[]=x").body, "# TYPE x_total counter\nx_total 2\n");

  auto h = HttpGet(server->port(), "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "ok\n");

  auto r = HttpGet(server->port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "starting\n");
  SetReady({true, ""});
  r = HttpGet(server->port(), "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
  SetReady({false, "draining"});
  r = HttpGet(server->port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "draining\n");

  auto nf = HttpGet(server->port(), "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(HttpGet(server->port(), "/").status, 404);
  EXPECT_EQ(HttpGet(server->port(), "/metrics/").status, 404);

  auto post = HttpRequest(server->port(), "POST", "/metrics", "Content-Length: 3\r\n\r\nabc");
  EXPECT_EQ(post.status, 405) << post.raw;
  EXPECT_EQ(post.headers["allow"], "GET");
  EXPECT_EQ(HttpRequest(server->port(), "DELETE", "/healthz").status, 405);
  EXPECT_EQ(HttpRequest(server->port(), "HEAD", "/healthz").status, 405);
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  Start();
  int fd = http_test::ConnectLoopback(server->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(http_test::SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                                     "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool timed_out = false;
  std::string raw = http_test::ReadToEof(fd, &timed_out);
  ::close(fd);
  EXPECT_FALSE(timed_out) << "the connection was not closed after Connection: close";
  size_t count = 0;
  for (size_t p = raw.find("HTTP/1.1 "); p != std::string::npos; p = raw.find("HTTP/1.1 ", p + 1)) ++count;
  EXPECT_EQ(count, 3u) << raw;
  EXPECT_NE(raw.find("x_total 1"), std::string::npos) << raw;
  EXPECT_NE(raw.find("503 Service Unavailable"), std::string::npos) << raw;
}

TEST_F(AdminServerTest, OversizedAndBrokenRequestsAreRefused) {
  AdminServer::Options o;
  o.max_request_bytes = 1024;
  Start(std::move(o));
  auto big = HttpRequest(server->port(), "GET", "/metrics", "X-Big: " + std::string(4000, 'a') + "\r\n");
  EXPECT_EQ(big.status, 431) << big.error << big.raw.substr(0, 200);
  auto body = HttpRequest(server->port(), "POST", "/metrics", "Content-Length: 5000\r\n\r\n" + std::string(5000, 'b'));
  EXPECT_EQ(body.status, 413) << body.error << body.raw.substr(0, 200);

  int fd = http_test::ConnectLoopback(server->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(http_test::SendAll(fd, "this is not http\r\n\r\n"));
  auto bad = http_test::ParseResponse(http_test::ReadToEof(fd));
  ::close(fd);
  EXPECT_EQ(bad.status, 400) << bad.raw;
  // The server still serves.
  EXPECT_EQ(HttpGet(server->port(), "/healthz").status, 200);
}

TEST_F(AdminServerTest, SilentClientsNeitherBlockOthersNorStayForever) {
  AdminServer::Options o;
  o.io_timeout = 300ms;
  Start(std::move(o));
  int silent = http_test::ConnectLoopback(server->port(), 5000);
  ASSERT_GE(silent, 0);
  // Half a request, then nothing.
  ASSERT_TRUE(http_test::SendAll(silent, "GET /metrics HTTP/1.1\r\nHost"));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(HttpGet(server->port(), "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 250ms) << "a silent client held up another";
  bool timed_out = false;
  std::string got = http_test::ReadToEof(silent, &timed_out);
  ::close(silent);
  EXPECT_FALSE(timed_out) << "the silent client was not cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(AdminServerTest, ConnectionLimit) {
  AdminServer::Options o;
  o.max_connections = 2;
  Start(std::move(o));
  int a = http_test::ConnectLoopback(server->port());
  int b = http_test::ConnectLoopback(server->port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::this_thread::sleep_for(200ms);
  int c = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(c, 0);
  bool timed_out = false;
  EXPECT_EQ(http_test::ReadToEof(c, &timed_out), "");
  EXPECT_FALSE(timed_out) << "the connection over the limit was not closed";
  ::close(c);
  ::close(a);
  ::close(b);
  // Freed connections make room again.
  EXPECT_TRUE(WaitFor200(server->port()));
}

TEST_F(AdminServerTest, StopClosesIdleConnectionsAndJoins) {
  Start();
  const uint16_t port = server->port();
  int idle = http_test::ConnectLoopback(port);
  ASSERT_GE(idle, 0);
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  bool timed_out = false;
  http_test::ReadToEof(idle, &timed_out);
  EXPECT_FALSE(timed_out) << "an idle connection survived Stop()";
  ::close(idle);
  EXPECT_LT(http_test::ConnectLoopback(port), 0) << "still listening after Stop()";
  server->Stop();  // idempotent
  server.reset();
}

TEST_F(AdminServerTest, BusyPortIsAnError) {
  Start();
  AdminServer second({});
  Status s = second.Start(AdminAddress{"127.0.0.1", server->port()});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot bind 127.0.0.1:" + std::to_string(server->port())), std::string::npos)
      << s.message();
}

TEST(AdminAddressTest, Parses) {
  auto a = ParseAdminAddress("127.0.0.1:9464");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 9464);
  a = ParseAdminAddress(":0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  a = ParseAdminAddress("0.0.0.0:65535");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 65535);
  a = ParseAdminAddress("[::1]:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 8080);
  a = ParseAdminAddress("localhost:1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "localhost");
}

TEST(AdminAddressTest, ErrorsNameTheWrongPart) {
  auto msg = [](const std::string& text) { return ParseAdminAddress(text).status().message(); };
  EXPECT_EQ(msg("x:y"), "port \"y\" is not a number");
  EXPECT_EQ(msg("127.0.0.1:-1"), "port \"-1\" is not a number");
  EXPECT_EQ(msg("127.0.0.1:70000"), "port 70000 is out of range (0 to 65535)");
  EXPECT_EQ(msg("127.0.0.1:99999999999"), "port 99999999999 is out of range (0 to 65535)");
  EXPECT_EQ(msg("127.0.0.1"), "no port; expected HOST:PORT, e.g. 127.0.0.1:9464");
  EXPECT_EQ(msg("127.0.0.1:"), "port is missing; expected HOST:PORT, e.g. 127.0.0.1:9464");
  EXPECT_EQ(msg(""), "is empty; expected HOST:PORT, e.g. 127.0.0.1:9464");
  EXPECT_EQ(msg("::1:80"), "host \"::1\" has a \":\"; an IPv6 address goes in brackets, e.g. [::1]:9464");
  EXPECT_EQ(msg("[::1"), "\"[\" without \"]\"; expected [IPv6]:PORT, e.g. [::1]:9464");
  EXPECT_EQ(msg("[::1]"), "no port after \"]\"; expected [IPv6]:PORT, e.g. [::1]:9464");
}

}  // namespace
}  // namespace trestle::core
