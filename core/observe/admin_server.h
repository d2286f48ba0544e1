#pragma once
/// AdminServer: the admin HTTP/1.1 endpoint of a run (DESIGN.md "Observability").
///   GET /metrics  the Prometheus text exposition (the `metrics` callback)
///   GET /healthz  200 "ok" while the process lives
///   GET /readyz   200 "ready" when the `readiness` callback says so, else 503 with its
///                 reason ("starting", "draining", "failed", ...)
/// Anything else is 404; a method other than GET is 405.
///
/// It is an HttpServer (observe/http_server.h) with these three routes: a thread of its
/// own, asynchronous, knowing nothing of the runner but the two callbacks, never touching
/// the data path. Slow or broken clients are cut off by the time limits, requests have a
/// size limit and connections a count limit; at the count limit a new connection takes
/// the place of the longest-idle one, so idle clients, however many, cannot keep a probe
/// of /healthz or /readyz from an answer (the details are HttpServer's).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "observe/http_server.h"

namespace trestle::core {

/// What /readyz answers.
struct Readiness {
  bool ready = false;
  std::string reason;  ///< the 503 body when not ready
};

class AdminServer {
 public:
  /// Copied into the server at construction; the callbacks are kept until the server is
  /// destroyed and are only called on the server's thread between Start() and Stop().
  struct Options {
    std::function<std::string()> metrics;  ///< the exposition; called on the server's thread
    std::function<Readiness()> readiness;  ///< called on the server's thread
    /// From accepting a connection (or, on a kept-alive one, from the first byte of a
    /// later request) to a complete request line and headers; else closed, no response.
    std::chrono::milliseconds header_timeout{5'000};
    /// On a kept-alive connection, from the end of a response to the first byte of the
    /// next request; else closed.
    std::chrono::milliseconds idle_timeout{5'000};
    /// A request, from its first byte to the end of its body, and separately the write of
    /// its response; else closed.
    std::chrono::milliseconds io_timeout{10'000};
    size_t max_request_bytes = 8192;  ///< request line and headers (431), and body (413)
    /// Open connections at most (values below 1 count as 1). At the limit a new connection
    /// closes the longest-idle one (see HttpServer) or, when every open one is busy with a
    /// request, is closed itself.
    int max_connections = 256;
  };

  /// Counters of the running server (all 0 before Start() and after Stop()).
  using Stats = HttpServer::Stats;

  explicit AdminServer(Options options);
  ~AdminServer();  ///< Stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Binds `address`, starts the server thread and logs "admin endpoint listening on
  /// HOST:PORT". Fails (nothing started) when the host does not resolve or the address
  /// cannot be bound.
  Status Start(const AdminAddress& address) { return http_.Start(address); }
  /// Closes the listener and every connection and joins the thread. Idempotent.
  void Stop() { http_.Stop(); }

  /// The bound port (the ephemeral one when asked for port 0); 0 before Start().
  uint16_t port() const { return http_.port(); }
  /// "127.0.0.1:9464" / "[::1]:9464": what was bound.
  const std::string& bound_address() const { return http_.bound_address(); }
  /// A snapshot of the counters; callable from any thread.
  Stats stats() const { return http_.stats(); }

 private:
  void Handle(const HttpRequest& request, HttpResponder responder) const;

  const Options options_;
  HttpServer http_;  ///< after options_: its handler reads them
};

}  // namespace trestle::core
