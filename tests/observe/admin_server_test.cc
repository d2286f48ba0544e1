// The admin endpoint over real loopback HTTP: routes, status codes, readiness, limits,
// slow and idle clients, the connection limit and eviction, and a clean stop.
#include "observe/admin_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http_get.h"
#include "observe/prometheus.h"

namespace trestle::core {
namespace {

using http_test::HttpGet;
using http_test::HttpRequest;
using namespace std::chrono_literals;

AdminAddress Loopback0() { return AdminAddress{"127.0.0.1", 0}; }

// Polls `done` until it holds or `guard` (a hang guard, not a speed check) passes.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds guard = 3000ms) {
  const auto end = std::chrono::steady_clock::now() + guard;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Waits at most `guard` for the server to close `fd`: true on end of stream (or a reset,
// which a close can turn into when the client's bytes cross it); what arrived before goes
// to `got`. False if the connection is still open when the guard passes.
bool ClosedByServer(int fd, std::chrono::milliseconds guard = 3000ms, std::string* got = nullptr) {
  timeval tv{static_cast<time_t>(guard.count() / 1000), static_cast<suseconds_t>((guard.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      if (got) got->append(buf, static_cast<size_t>(n));
      continue;
    }
    return n == 0 || errno == ECONNRESET;
  }
}

// Nothing to read and no end of stream on `fd` right now: the server has not closed it.
bool StillOpen(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

// One response on a kept-alive connection (the socket's receive time-out bounds the wait).
http_test::HttpResponse ReadOneResponse(int fd) {
  std::string raw;
  char buf[4096];
  for (;;) {
    if (raw.find("\r\n\r\n") != std::string::npos) {
      auto r = http_test::ParseResponse(raw);
      if (r.error.empty()) return r;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return http_test::ParseResponse(raw);
    raw.append(buf, static_cast<size_t>(n));
  }
}

// Lets the process hold `n` descriptors, raising the soft limit (not past the hard one);
// restores the old limit when it goes.
class DescriptorLimit {
 public:
  DescriptorLimit() { ::getrlimit(RLIMIT_NOFILE, &old_); }
  ~DescriptorLimit() { ::setrlimit(RLIMIT_NOFILE, &old_); }
  bool Allow(rlim_t n) {
    if (old_.rlim_cur != RLIM_INFINITY && old_.rlim_cur >= n) return true;
    if (old_.rlim_max != RLIM_INFINITY && old_.rlim_max < n) return false;
    rlimit raised = old_;
    raised.rlim_cur = n;
    return ::setrlimit(RLIMIT_NOFILE, &raised) == 0;
  }
  bool Set(rlim_t n) {
    rlimit l = old_;
    l.rlim_cur = n;
    return ::setrlimit(RLIMIT_NOFILE, &l) == 0;
  }

 private:
  rlimit old_{};
};

// Time limits long enough never to fire during a test.
AdminServer::Options Patient() {
  AdminServer::Options o;
  o.header_timeout = 60s;
  o.idle_timeout = 60s;
  o.io_timeout = 60s;
  return o;
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

TEST_F(AdminServerTest, HundredsOfIdleConnectionsDoNotKeepProbesFromAnAnswer) {
  constexpr int kIdle = 500;
  DescriptorLimit limit;
  if (!limit.Allow(kIdle + 256 + 200)) GTEST_SKIP() << "cannot raise RLIMIT_NOFILE enough for " << kIdle << " sockets";
  Start(Patient());  // the default connection limit (256); idle sockets must not time out meanwhile
  SetReady({true, ""});
  std::vector<int> idle;
  for (int i = 0; i < kIdle; ++i) {
    const int fd = http_test::ConnectLoopback(server->port(), 3000);
    if (fd < 0) break;
    idle.push_back(fd);
  }
  ASSERT_EQ(idle.size(), static_cast<size_t>(kIdle));
  ASSERT_TRUE(WaitUntil([&] {
    const auto st = server->stats();
    return st.open + static_cast<int>(st.evicted) == kIdle;
  })) << server->stats().open << " open, " << server->stats().evicted << " evicted";
  auto st = server->stats();
  EXPECT_EQ(st.open, 256);
  EXPECT_EQ(st.idle, 256);
  EXPECT_EQ(st.refused, 0u);

  // Each probe takes the place of an idle connection; 3 s is a hang guard only.
  auto h = HttpGet(server->port(), "/healthz", 3000);
  EXPECT_EQ(h.status, 200) << h.error;
  EXPECT_EQ(h.body, "ok\n");
  auto r = HttpGet(server->port(), "/readyz", 3000);
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "ready\n");
  auto m = HttpGet(server->port(), "/metrics", 3000);
  EXPECT_EQ(m.status, 200) << m.error;
  EXPECT_NE(m.body.find("x_total"), std::string::npos) << m.body;

  st = server->stats();
  EXPECT_EQ(st.refused, 0u);
  EXPECT_GE(st.evicted, static_cast<uint64_t>(kIdle - 256 + 1));  // a probe that is done frees its place
  EXPECT_LE(st.open, 256);
  // The first idle connections went first; the newest is still there.
  EXPECT_TRUE(ClosedByServer(idle.front(), 1000ms));
  EXPECT_TRUE(StillOpen(idle.back()));
  for (int fd : idle) ::close(fd);
}

TEST_F(AdminServerTest, SlowlorisIsCutOffAtTheHeaderTimeout) {
  AdminServer::Options o = Patient();
  o.header_timeout = 200ms;
  Start(std::move(o));
  // One client sends nothing at all.
  const int silent = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(silent, 0);
  // Another starts a request and then trickles one header byte at a time, so that no
  // single read ever waits long.
  const int slow = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(slow, 0);
  ASSERT_TRUE(http_test::SendAll(slow, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  bool closed = false;
  std::string got;
  const auto guard = std::chrono::steady_clock::now() + 3s;
  for (int i = 0; std::chrono::steady_clock::now() < guard; ++i) {
    pollfd p{slow, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      closed = ClosedByServer(slow, 1000ms, &got);
      break;
    }
    http_test::SendAll(slow, std::string(1, static_cast<char>('a' + i % 26)));
  }
  EXPECT_TRUE(closed) << "a client trickling its header was not cut off";
  EXPECT_EQ(got, "") << "no response to a request that never arrived";
  std::string silent_got;
  EXPECT_TRUE(ClosedByServer(silent, 3000ms, &silent_got)) << "a client that sent nothing was not cut off";
  EXPECT_EQ(silent_got, "");
  ::close(slow);
  ::close(silent);
  EXPECT_TRUE(WaitUntil([&] { return server->stats().timed_out == 2; })) << server->stats().timed_out;
  EXPECT_EQ(HttpGet(server->port(), "/healthz", 3000).status, 200);
}

TEST_F(AdminServerTest, KeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  AdminServer::Options o = Patient();
  o.idle_timeout = 200ms;
  Start(std::move(o));
  const int fd = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(fd, 0);
  // Two requests (the second pipelined), both answered on this connection, then nothing.
  ASSERT_TRUE(http_test::SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got;
  EXPECT_TRUE(ClosedByServer(fd, 3000ms, &got)) << "an idle kept-alive connection stayed open";
  auto first = http_test::ParseResponse(got);
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_EQ(first.headers.count("connection"), 0u) << "kept alive";
  const size_t second = got.find("HTTP/1.1 ", 1);
  ASSERT_NE(second, std::string::npos) << got;
  auto r = http_test::ParseResponse(got.substr(second));
  EXPECT_EQ(r.status, 503) << r.error;
  EXPECT_EQ(r.headers.count("connection"), 0u) << "kept alive";
  EXPECT_EQ(got.find("HTTP/1.1 ", second + 1), std::string::npos) << got;
  ::close(fd);
  EXPECT_TRUE(WaitUntil([&] { return server->stats().timed_out == 1; })) << server->stats().timed_out;
}

TEST_F(AdminServerTest, TheLongestIdleConnectionMakesRoomAndBusyOnesStay) {
  AdminServer::Options o = Patient();
  o.max_connections = 3;
  Start(std::move(o));
  const uint16_t port = server->port();
  auto opened = [&](int open, int idle) {
    return WaitUntil([&] {
      const auto st = server->stats();
      return st.open == open && st.idle == idle;
    });
  };
  // `busy`, the oldest connection, is in the middle of a request: its body is not all there.
  const int busy = http_test::ConnectLoopback(port, 3000);
  ASSERT_GE(busy, 0);
  ASSERT_TRUE(http_test::SendAll(busy, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab"));
  ASSERT_TRUE(opened(1, 0));
  const int a = http_test::ConnectLoopback(port, 3000);
  ASSERT_GE(a, 0);
  ASSERT_TRUE(opened(2, 1));
  const int b = http_test::ConnectLoopback(port, 3000);
  ASSERT_GE(b, 0);
  ASSERT_TRUE(opened(3, 2));

  // Full: a newcomer takes the place of `a`, idle since it was accepted, not of `busy`.
  const int c = http_test::ConnectLoopback(port, 3000);
  ASSERT_GE(c, 0);
  EXPECT_TRUE(ClosedByServer(a)) << "the longest-idle connection was not evicted";
  EXPECT_TRUE(opened(3, 2));
  EXPECT_TRUE(StillOpen(b));
  EXPECT_TRUE(StillOpen(busy));

  // `b` was accepted before `c` but has just been served: `c` is now the idle one longest.
  ASSERT_TRUE(http_test::SendAll(b, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(ReadOneResponse(b).status, 200);
  ASSERT_TRUE(opened(3, 2));
  const int d = http_test::ConnectLoopback(port, 3000);
  ASSERT_GE(d, 0);
  EXPECT_TRUE(ClosedByServer(c)) << "the connection idle longest was not the one evicted";
  EXPECT_TRUE(opened(3, 2));
  EXPECT_TRUE(StillOpen(b));
  EXPECT_TRUE(StillOpen(busy));

  // `busy` survived it all and gets its answer.
  ASSERT_TRUE(http_test::SendAll(busy, "cdefghij"));
  EXPECT_EQ(ReadOneResponse(busy).status, 405);
  const auto st = server->stats();
  EXPECT_EQ(st.evicted, 2u);
  EXPECT_EQ(st.refused, 0u);
  for (int fd : {busy, a, b, c, d}) ::close(fd);
}

TEST_F(AdminServerTest, ANewConnectionIsRefusedOnlyWhenEveryOpenOneIsBusy) {
  AdminServer::Options o = Patient();
  o.max_connections = 1;
  Start(std::move(o));
  const int busy = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(busy, 0);
  ASSERT_TRUE(http_test::SendAll(busy, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"));
  ASSERT_TRUE(WaitUntil([&] { return server->stats().open == 1 && server->stats().idle == 0; }));
  const int over = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(over, 0);
  std::string got;
  EXPECT_TRUE(ClosedByServer(over, 3000ms, &got)) << "the connection over the limit was not closed";
  EXPECT_EQ(got, "");
  ::close(over);
  EXPECT_TRUE(WaitUntil([&] { return server->stats().refused == 1; }));
  EXPECT_EQ(server->stats().evicted, 0u);
  // The busy one is still served, then idles; now a probe takes its place.
  ASSERT_TRUE(StillOpen(busy));
  ASSERT_TRUE(http_test::SendAll(busy, "cd"));
  EXPECT_EQ(ReadOneResponse(busy).status, 405);
  ASSERT_TRUE(WaitUntil([&] { return server->stats().idle == 1; }));
  EXPECT_EQ(HttpGet(server->port(), "/healthz", 3000).status, 200);
  EXPECT_TRUE(ClosedByServer(busy));
  ::close(busy);
  EXPECT_EQ(server->stats().evicted, 1u);
  EXPECT_EQ(server->stats().refused, 1u);
}

TEST_F(AdminServerTest, OutOfDescriptorsAProbeTakesTheLongestIdleConnectionsPlace) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  // The ASan build's UBSan vptr check probes memory through a pipe of its own: in a
  // process out of descriptors it reports every polymorphic object the server touches
  // (Beast's parser, shared_ptr's control block, ...) as invalid. The g++ build runs it.
  GTEST_SKIP() << "needs descriptors for the sanitizer's own memory probe";
#endif
#endif
  Start(Patient());
  const int idle = http_test::ConnectLoopback(server->port(), 3000);
  ASSERT_GE(idle, 0);
  ASSERT_TRUE(WaitUntil([&] { return server->stats().open == 1; }));
  // Leave the process exactly one descriptor: the probe's socket. The server's accept
  // then fails for want of one until it gives one back.
  const int lowest_free = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(lowest_free, 0);
  ::close(lowest_free);
  http_test::HttpResponse probe;
  {
    DescriptorLimit limit;
    ASSERT_TRUE(limit.Set(static_cast<rlim_t>(lowest_free) + 1));
    probe = HttpGet(server->port(), "/healthz", 3000);
  }
  EXPECT_EQ(probe.status, 200) << probe.error;
  EXPECT_TRUE(ClosedByServer(idle));
  ::close(idle);
  EXPECT_EQ(server->stats().evicted, 1u);
  EXPECT_EQ(HttpGet(server->port(), "/healthz", 3000).status, 200);
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
