#pragma once
/// What the parts of HttpServer (http_server.h) share on the inside: the gate from
/// responders to the server's thread, what a responder holds, and the running server's
/// state. Internal to core/observe.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "observe/http_server.h"

namespace trestle::core {

namespace net = boost::asio;
using tcp = net::ip::tcp;

/// A response the server makes itself (an error): no caching, and the connection closes.
HttpResponse ServerError(int status, std::string body);

/// The way from responders on any thread to the server's thread. It outlives the server
/// (responders share it); `ioc` is cleared, under `mu`, before the io_context goes, so a
/// Send() either reaches a live io_context or does nothing.
struct HttpGate {
  std::mutex mu;
  net::io_context* ioc = nullptr;  ///< guarded by mu
};

struct HttpResponder::Pending {
  Pending(std::shared_ptr<HttpGate> g, std::weak_ptr<HttpSession> s, uint64_t n)
      : gate(std::move(g)), session(std::move(s)), seq(n) {}
  /// Posts `response` to the server's thread, which writes it if the connection still
  /// waits for the answer to request `seq`.
  void Deliver(HttpResponse response, bool abandoned);

  const std::shared_ptr<HttpGate> gate;
  // Weak: a responder must not keep a connection (whose socket belongs to the server's
  // thread) alive, nor destroy one on another thread.
  const std::weak_ptr<HttpSession> session;
  const uint64_t seq;
  std::atomic<bool> sent{false};
};

struct HttpServer::Impl {
  explicit Impl(const Options& o)
      : options(o),
        max_connections(static_cast<size_t>(std::max(1, o.max_connections))),
        buffer_bytes(o.max_header_bytes + std::max(o.max_header_bytes, std::min<size_t>(o.max_body_bytes, 64 << 10))) {
    gate->ioc = &ioc;
  }

  void Accept();
  void Admit(tcp::socket socket);
  bool ConnectionWaiting();  ///< a client waits to be accepted
  bool EvictLongestIdle();   ///< false: no connection is idle
  void ReportLimit();
  void CloseListener();  ///< on the server thread
  void Shutdown();       ///< on the server thread (or after it ended)

  const Options& options;
  const size_t max_connections;
  // The read buffer's limit: a whole request header must fit, with room to spare for
  // body bytes (which the parser moves on into the request) and pipelined requests.
  const size_t buffer_bytes;
  const std::shared_ptr<HttpGate> gate = std::make_shared<HttpGate>();
  // The registries are declared before ioc: sessions whose handlers are still queued when
  // the loop ends are destroyed with ioc and take themselves off these lists then.
  std::list<HttpSession*> open;  ///< every open connection; server thread only
  std::list<HttpSession*> idle;  ///< the evictable ones, longest idle first; server thread only
  std::atomic<int> open_count{0}, idle_count{0}, waiting_count{0};  ///< for stats()
  std::atomic<uint64_t> evicted{0}, refused{0}, timed_out{0};
  std::chrono::steady_clock::time_point next_limit_report{};  ///< server thread only
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer retry{ioc};  ///< backs off after a failed accept (e.g. out of descriptors)
  /// Keeps run() going while nothing is pending on the loop, e.g. after StopAccepting()
  /// with every connection waiting for its answer; released by Shutdown().
  net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
  bool accepting = true;         ///< until StopAccepting(); server thread only
  bool stopping = false;         ///< server thread only
  std::thread thread;
};

}  // namespace trestle::core
