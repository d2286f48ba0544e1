// HttpServer over real loopback HTTP: answers from other threads, responders dropped,
// used twice or after the server stopped, request and response fields, size limits,
// keep-alive, and the two ways to stop (at once, or by no longer accepting).
#include "observe/http_server.h"

#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "http_get.h"

namespace trestle::core {
namespace {

using namespace std::chrono_literals;

// Polls `done` until it holds or `guard` (a hang guard, not a speed check) passes.
bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds guard = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + guard;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// Nothing to read and no end of stream on `fd` right now.
bool NothingToRead(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

HttpResponse Text(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Requests the handler parks, for the test to answer (or drop) later from its own thread.
class Parked {
 public:
  void Park(HttpRequest request, HttpResponder responder) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.emplace_back(std::move(request), std::move(responder));
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }
  bool WaitFor(size_t n) {
    return WaitUntil([&] { return size() >= n; });
  }
  std::pair<HttpRequest, HttpResponder> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    auto item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

 private:
  std::mutex mu_;
  std::deque<std::pair<HttpRequest, HttpResponder>> items_;
};

// A worker thread that answers each request it is given after `delay`, with
// "PATH answered", the way a model server answers from its batching thread.
class DelayedAnswerer {
 public:
  explicit DelayedAnswerer(std::chrono::milliseconds delay) : delay_(delay), thread_([this] { Run(); }) {}
  ~DelayedAnswerer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Give(HttpRequest request, HttpResponder responder) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(request), std::move(responder));
    }
    cv_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto [request, responder] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      std::this_thread::sleep_for(delay_);
      responder.Send(Text(request.path + " answered"));
      lock.lock();
    }
  }

  const std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<HttpRequest, HttpResponder>> queue_;
  bool done_ = false;
  std::thread thread_;
};

// Time limits long enough never to fire during a test.
HttpServer::Options Patient() {
  HttpServer::Options o;
  o.header_timeout = 60s;
  o.idle_timeout = 60s;
  o.io_timeout = 60s;
  o.name = "test endpoint";
  return o;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServer::Options o) {
    server = std::make_unique<HttpServer>(std::move(o));
    Status s = server->Start(AdminAddress{"127.0.0.1", 0});
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_NE(server->port(), 0);
  }
  // The handler parks every request in `parked`.
  void StartParking(HttpServer::Options o = Patient()) {
    o.handler = [this](HttpRequest request, HttpResponder responder) {
      parked.Park(std::move(request), std::move(responder));
    };
    Start(std::move(o));
  }
  uint16_t port() const { return server->port(); }

  Parked parked;  // declared before the server: its responders outlive it
  std::unique_ptr<HttpServer> server;
};

TEST_F(HttpServerTest, AnswersFromAnotherThreadAfterADelay) {
  DelayedAnswerer worker(50ms);
  HttpServer::Options o = Patient();
  o.handler = [&worker](HttpRequest request, HttpResponder responder) {
    worker.Give(std::move(request), std::move(responder));
  };
  Start(std::move(o));
  constexpr int kClients = 4;
  std::vector<http_test::HttpResponse> got(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i)
    clients.emplace_back([&, i] { got[i] = http_test::HttpGet(port(), "/c" + std::to_string(i)); });
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(got[i].status, 200) << got[i].error;
    EXPECT_EQ(got[i].body, "/c" + std::to_string(i) + " answered");
    EXPECT_EQ(got[i].headers["content-type"], "text/plain; charset=utf-8");
    EXPECT_EQ(got[i].headers["server"], "trestle");
  }
  EXPECT_TRUE(WaitUntil([&] { return server->stats().waiting == 0 && server->stats().open == 0; }));
}

TEST_F(HttpServerTest, TheWaitForAnAnswerIsNotLimitedByTheIoTimeout) {
  DelayedAnswerer worker(400ms);
  HttpServer::Options o = Patient();
  o.io_timeout = 100ms;
  o.handler = [&worker](HttpRequest request, HttpResponder responder) {
    worker.Give(std::move(request), std::move(responder));
  };
  Start(std::move(o));
  auto r = http_test::HttpGet(port(), "/slow");
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "/slow answered");
  EXPECT_EQ(server->stats().timed_out, 0u);
}

TEST_F(HttpServerTest, AResponderDroppedWithoutSendAnswers500) {
  HttpServer::Options o = Patient();
  o.handler = [](HttpRequest, HttpResponder) {};
  Start(std::move(o));
  auto r = http_test::HttpGet(port(), "/x");
  EXPECT_EQ(r.status, 500) << r.error;
  EXPECT_EQ(r.body, "internal error: no response\n");

  // Dropped later on another thread: the same.
  StartParking();
  std::optional<http_test::HttpResponse> late;
  std::thread client([&] { late = http_test::HttpGet(port(), "/y"); });
  ASSERT_TRUE(parked.WaitFor(1));
  std::thread([&] { parked.Take(); }).join();
  client.join();
  EXPECT_EQ(late->status, 500) << late->error;
  EXPECT_EQ(late->body, "internal error: no response\n");

  // No handler at all.
  Start(Patient());
  EXPECT_EQ(http_test::HttpGet(port(), "/z").status, 500);
}

TEST_F(HttpServerTest, OnlyTheFirstSendCounts) {
  StartParking();
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("GET", "/first"));
  ASSERT_TRUE(parked.WaitFor(1));
  auto parked_first = parked.Take();
  HttpResponder& responder = parked_first.second;
  // Two threads race to answer; one wins, the other's Send() does nothing.
  std::atomic<bool> go{false};
  std::thread a([&] {
    while (!go) std::this_thread::yield();
    responder.Send(Text("from a"));
  });
  std::thread b([&] {
    while (!go) std::this_thread::yield();
    responder.Send(Text("from b"));
  });
  go = true;
  a.join();
  b.join();
  responder.Send(Text("third"));
  auto first = c.Read();
  EXPECT_EQ(first.status, 200) << first.error;
  EXPECT_TRUE(first.body == "from a" || first.body == "from b") << first.body;
  // The connection goes on with the next request; nothing else came before its answer.
  ASSERT_TRUE(c.Send("GET", "/second"));
  ASSERT_TRUE(parked.WaitFor(1));
  auto second_request = parked.Take();
  EXPECT_EQ(second_request.first.path, "/second");
  second_request.second.Send(Text("second"));
  second_request.second.Send(Text("again"));
  auto second = c.Read();
  EXPECT_EQ(second.status, 200) << second.error;
  EXPECT_EQ(second.body, "second");
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(NothingToRead(c.fd())) << "a second answer was sent";
}

TEST_F(HttpServerTest, TheRequestArrivesWhole) {
  std::mutex mu;
  std::optional<HttpRequest> seen;
  HttpServer::Options o = Patient();
  o.max_body_bytes = 1000;
  o.handler = [&](HttpRequest request, HttpResponder responder) {
    HttpResponse r = Text(request.method_string + " " + request.body, 201);
    r.content_type = "application/json";
    r.headers.emplace_back("X-Echo", "1");
    r.headers.emplace_back("Content-Length", "9999");  // the server's own: ignored
    r.headers.emplace_back("X-Bad", "a\r\nInjected: yes");  // a line break: ignored
    {
      std::lock_guard<std::mutex> lock(mu);
      seen = std::move(request);
    }
    responder.Send(std::move(r));
  };
  Start(std::move(o));
  const std::string body = R"({"inputs": [1, 2, 3]})" + std::string(900, ' ');
  const auto before = std::chrono::steady_clock::now();
  auto r = http_test::HttpRequest(port(), "POST", "/v2/models/m/infer?verbose=1&x=2",
                                  "Content-Type: application/json\r\nX-Multi: a\r\nx-multi: b\r\nContent-Length: " +
                                      std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(r.status, 201) << r.error << r.raw;
  EXPECT_EQ(r.body, "POST " + body);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["x-echo"], "1");
  EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
  EXPECT_EQ(r.headers.count("x-bad"), 0u);
  EXPECT_EQ(r.headers.count("injected"), 0u);

  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->method, HttpMethod::kPost);
    EXPECT_EQ(seen->target, "/v2/models/m/infer?verbose=1&x=2");
    EXPECT_EQ(seen->path, "/v2/models/m/infer");
    EXPECT_EQ(seen->query, "verbose=1&x=2");
    EXPECT_EQ(seen->body, body);
    EXPECT_EQ(seen->headers["content-type"], "application/json");
    EXPECT_EQ(seen->headers["x-multi"], "a, b");
    EXPECT_EQ(seen->headers["connection"], "close");
    EXPECT_EQ(seen->version, 11u);
    EXPECT_FALSE(seen->keep_alive);
    EXPECT_TRUE(seen->received >= before);
  }

  // Other methods, and HEAD gets the length but no body.
  EXPECT_EQ(http_test::HttpRequest(port(), "PATCH", "/p").body, "PATCH ");
  auto head = http_test::HttpRequest(port(), "HEAD", "/h");
  EXPECT_EQ(head.status, 201);
  EXPECT_EQ(head.headers["content-length"], "5");  // "HEAD "
  EXPECT_EQ(head.raw.substr(head.raw.size() - 4), "\r\n\r\n") << head.raw;
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen->method, HttpMethod::kHead);
}

TEST_F(HttpServerTest, ABodyOverTheLimitIs413AndClosesTheConnection) {
  HttpServer::Options o = Patient();
  o.max_body_bytes = 100;
  o.handler = [](HttpRequest request, HttpResponder responder) { responder.Send(Text(request.body)); };
  Start(std::move(o));
  EXPECT_EQ(http_test::HttpPost(port(), "/", std::string(100, 'a')).body, std::string(100, 'a'));
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.Send("POST", "/", std::string(101, 'a')));
  auto r = c.Read();
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(r.body, "request body too large\n");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, AHeaderOverTheLimitIs431AndClosesTheConnection) {
  HttpServer::Options o = Patient();
  o.max_header_bytes = 512;
  o.handler = [](HttpRequest, HttpResponder responder) { responder.Send(Text("fine")); };
  Start(std::move(o));
  EXPECT_EQ(http_test::HttpRequest(port(), "GET", "/", "X-Pad: " + std::string(300, 'p') + "\r\n").body, "fine");
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.Send("GET", "/", "", "X-Pad: " + std::string(600, 'p') + "\r\n"));
  auto r = c.Read();
  EXPECT_EQ(r.status, 431) << r.error;
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, AClientThatExpectsContinueIsToldToGoOn) {
  HttpServer::Options o = Patient();
  o.handler = [](HttpRequest request, HttpResponder responder) { responder.Send(Text(request.body)); };
  Start(std::move(o));
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.Send("POST", "/", "", "Expect: 100-continue\r\nContent-Length: 5\r\n"));
  auto go_on = c.Read();
  EXPECT_EQ(go_on.status, 100) << go_on.error << go_on.raw;
  ASSERT_TRUE(http_test::SendAll(c.fd(), "hello"));
  auto r = c.Read();
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.body, "hello");
}

TEST_F(HttpServerTest, KeepAliveServesRequestsOneAfterAnother) {
  DelayedAnswerer worker(20ms);
  HttpServer::Options o = Patient();
  o.handler = [&worker](HttpRequest request, HttpResponder responder) {
    worker.Give(std::move(request), std::move(responder));
  };
  Start(std::move(o));
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.Send("GET", "/one"));
  auto one = c.Read();
  EXPECT_EQ(one.body, "/one answered") << one.error;
  EXPECT_EQ(one.headers.count("connection"), 0u) << "kept alive";
  ASSERT_TRUE(c.Send("POST", "/two", "body"));
  auto two = c.Read();
  EXPECT_EQ(two.body, "/two answered") << two.error;
  // Pipelined: the second is read once the first is answered, and answered after it.
  ASSERT_TRUE(c.Send("GET", "/three"));
  ASSERT_TRUE(c.Send("GET", "/four"));
  EXPECT_EQ(c.Read().body, "/three answered");
  EXPECT_EQ(c.Read().body, "/four answered");
  EXPECT_EQ(server->stats().open, 1);
}

TEST_F(HttpServerTest, AResponseCanCloseTheConnectionAndCarryHeaders) {
  HttpServer::Options o = Patient();
  o.handler = [](HttpRequest, HttpResponder responder) {
    HttpResponse r = Text("busy\n", 503);
    r.headers.emplace_back("Retry-After", "1");
    r.close = true;
    responder.Send(std::move(r));
  };
  Start(std::move(o));
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.Send("GET", "/"));
  auto r = c.Read();
  EXPECT_EQ(r.status, 503) << r.error;
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.ClosedByServer());
}

TEST_F(HttpServerTest, AnExceptionFromTheHandlerAnswers500) {
  std::mutex mu;
  HttpResponder kept;
  HttpServer::Options o = Patient();
  o.handler = [&](HttpRequest request, HttpResponder responder) {
    if (request.path == "/ok") return responder.Send(Text("ok"));
    {
      std::lock_guard<std::mutex> lock(mu);
      kept = std::move(responder);
    }
    throw std::runtime_error("boom");
  };
  Start(std::move(o));
  http_test::KeepAliveConnection c(port());
  ASSERT_TRUE(c.Send("GET", "/throw"));
  auto r = c.Read();
  EXPECT_EQ(r.status, 500) << r.error;
  EXPECT_EQ(r.body, "internal error\n");
  EXPECT_TRUE(c.ClosedByServer());
  {
    std::lock_guard<std::mutex> lock(mu);
    kept.Send(Text("too late"));  // finds nobody waiting
  }
  EXPECT_EQ(http_test::HttpGet(port(), "/ok").body, "ok");
}

TEST_F(HttpServerTest, AConnectionWaitingForItsAnswerIsBusy) {
  HttpServer::Options o = Patient();
  o.max_connections = 1;
  StartParking(std::move(o));
  http_test::KeepAliveConnection waiting(port());
  ASSERT_TRUE(waiting.Send("GET", "/wait"));
  ASSERT_TRUE(parked.WaitFor(1));
  auto st = server->stats();
  EXPECT_EQ(st.open, 1);
  EXPECT_EQ(st.idle, 0);
  EXPECT_EQ(st.waiting, 1);
  // Not evicted for a newcomer: the newcomer is refused.
  http_test::KeepAliveConnection over(port());
  ASSERT_TRUE(over.connected());
  EXPECT_TRUE(over.ClosedByServer());
  EXPECT_TRUE(WaitUntil([&] { return server->stats().refused == 1; }));
  parked.Take().second.Send(Text("done"));
  EXPECT_EQ(waiting.Read().body, "done");
  EXPECT_TRUE(WaitUntil([&] { return server->stats().waiting == 0 && server->stats().idle == 1; }));
}

TEST_F(HttpServerTest, StopWithAnAnswerPendingReturnsAndALaterSendDoesNothing) {
  StartParking();
  std::optional<http_test::HttpResponse> a, b;
  std::thread client_a([&] { a = http_test::HttpGet(port(), "/a"); });
  std::thread client_b([&] { b = http_test::HttpGet(port(), "/b"); });
  ASSERT_TRUE(parked.WaitFor(2));
  EXPECT_EQ(server->stats().waiting, 2);
  auto first = parked.Take();
  auto second = parked.Take();
  // A sender on another thread races Stop(): its answer either makes it or finds nobody.
  std::atomic<bool> go{false};
  std::thread racer([&] {
    while (!go) std::this_thread::yield();
    first.second.Send(Text("raced"));
  });
  go = true;
  server->Stop();  // returns although two responders are alive (a hang here fails by the test time-out)
  racer.join();
  client_a.join();
  client_b.join();
  for (const auto* r : {&*a, &*b}) {
    EXPECT_TRUE(r->status == 0 || r->body == "raced") << r->status << " " << r->body;
  }
  const auto* unanswered = second.first.path == "/a" ? &*a : &*b;
  EXPECT_EQ(unanswered->status, 0) << "answered although nobody sent an answer";
  EXPECT_EQ(server->stats().open, 0);
  // After Stop(): Send on another thread, and a responder destroyed after the server.
  std::thread([&] { second.second.Send(Text("after stop")); }).join();
  HttpResponder survivor = std::move(first.second);
  server.reset();
  std::thread([r = std::move(survivor)]() mutable { r.Send(Text("after the server")); }).join();
}

TEST_F(HttpServerTest, StopAcceptingRefusesNewConnectionsAndAnswersTheOpenOnes) {
  HttpServer::Options o = Patient();
  o.handler = [this](HttpRequest request, HttpResponder responder) {
    if (request.path == "/slow") return parked.Park(std::move(request), std::move(responder));
    responder.Send(Text("fast"));
  };
  Start(std::move(o));
  http_test::KeepAliveConnection in_flight(port()), idle(port());
  ASSERT_TRUE(in_flight.Send("GET", "/fast"));
  auto fast = in_flight.Read();
  EXPECT_EQ(fast.body, "fast") << fast.error;
  EXPECT_EQ(fast.headers.count("connection"), 0u) << "kept alive";
  ASSERT_TRUE(in_flight.Send("GET", "/slow"));
  ASSERT_TRUE(parked.WaitFor(1));
  ASSERT_TRUE(WaitUntil([&] { return server->stats().open == 2; }));

  server->StopAccepting();
  EXPECT_TRUE(WaitUntil([&] {
    const int fd = http_test::ConnectLoopback(port(), 1000);
    if (fd >= 0) ::close(fd);
    return fd < 0;
  })) << "still accepting";

  // The request received before is answered, from another thread; the connection ends.
  std::thread([&] { parked.Take().second.Send(Text("slow")); }).join();
  auto slow = in_flight.Read();
  EXPECT_EQ(slow.status, 200) << slow.error;
  EXPECT_EQ(slow.body, "slow");
  EXPECT_EQ(slow.headers["connection"], "close");
  EXPECT_TRUE(in_flight.ClosedByServer());
  // A connection open from before is still served, its answer with Connection: close.
  ASSERT_TRUE(idle.Send("GET", "/fast"));
  auto late = idle.Read();
  EXPECT_EQ(late.body, "fast") << late.error;
  EXPECT_EQ(late.headers["connection"], "close");
  EXPECT_TRUE(idle.ClosedByServer());
  server->StopAccepting();  // again: nothing changes
  server->Stop();
  server->StopAccepting();  // after Stop(): nothing
}

// With the listener closed and the only connection waiting for its answer, nothing is
// pending on the server's loop; the answer must still go out (a drain depends on it).
TEST_F(HttpServerTest, AnAnswerAfterStopAcceptingGoesOutWhenNothingElseIsPending) {
  StartParking();
  http_test::KeepAliveConnection waiting(port());
  ASSERT_TRUE(waiting.Send("GET", "/late"));
  ASSERT_TRUE(parked.WaitFor(1));
  server->StopAccepting();
  ASSERT_TRUE(WaitUntil([&] {
    const int fd = http_test::ConnectLoopback(port(), 1000);
    if (fd >= 0) ::close(fd);
    return fd < 0;
  })) << "still accepting";
  std::this_thread::sleep_for(100ms);  // time for a loop without work to have ended
  std::thread([&] { parked.Take().second.Send(Text("late")); }).join();
  auto late = waiting.Read();
  EXPECT_EQ(late.status, 200) << late.error;
  EXPECT_EQ(late.body, "late");
  EXPECT_EQ(late.headers["connection"], "close");
}

TEST_F(HttpServerTest, StartTwiceIsAnErrorAndTheNameIsInMessages) {
  StartParking();
  Status again = server->Start(AdminAddress{"127.0.0.1", 0});
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.message(), "test endpoint already started on " + server->bound_address());
  HttpServer::Options o;
  o.name = "serving front";
  HttpServer second(std::move(o));
  Status busy = second.Start(AdminAddress{"127.0.0.1", port()});
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.message().rfind("serving front: cannot bind 127.0.0.1:" + std::to_string(port()), 0), 0u)
      << busy.message();
}

}  // namespace
}  // namespace trestle::core
