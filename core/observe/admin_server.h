#pragma once
/// AdminServer: the admin HTTP/1.1 endpoint of a run (DESIGN.md "Observability").
///   GET /metrics  the Prometheus text exposition (the `metrics` callback)
///   GET /healthz  200 "ok" while the process lives
///   GET /readyz   200 "ready" when the `readiness` callback says so, else 503 with its
///                 reason ("starting", "draining", "failed", ...)
/// Anything else is 404; a method other than GET is 405.
///
/// It runs on a thread of its own (Boost.Asio/Beast, asynchronous, one connection never
/// waits for another), knows nothing of the runner but the two callbacks, and never
/// touches the data path. Slow or broken clients are cut off: a connection must send a
/// request header within `header_timeout`, a kept-alive one must start its next request
/// within `idle_timeout`, each request must arrive and each response be taken within
/// `io_timeout`, requests have a size limit, and connections a count limit.
///
/// At the count limit a new connection is still served: it takes the place of the
/// connection idle longest, one that has not sent a complete request header (a kept-alive
/// connection between requests, one that has sent nothing or only part of a header, or
/// one closing). Only when every open connection is in the middle of a request or its
/// response is the new one closed. So idle clients, however many, cannot keep a probe of
/// /healthz or /readyz from an answer. When the process runs out of file descriptors
/// while a client waits to be accepted, the server closes its longest-idle connection to
/// free one, and retries accepting a little later.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace trestle::core {

/// Where to listen. `host` is an IP address or a name to resolve.
struct AdminAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  ///< 0: any free port (the bound one is AdminServer::port())
};

/// Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (host 127.0.0.1). The error names the
/// part that is wrong, e.g. `port "y" is not a number`.
Result<AdminAddress> ParseAdminAddress(const std::string& text);

/// What /readyz answers.
class AdminSession;

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
    /// closes the longest-idle one (see the class comment) or, when every open one is busy
    /// with a request, is closed itself.
    int max_connections = 256;
  };

  /// Counters of the running server (all 0 before Start() and after Stop()).
  struct Stats {
    int open = 0;            ///< connections open now
    int idle = 0;            ///< of those, the evictable ones (no complete request header yet, or closing)
    uint64_t evicted = 0;    ///< idle connections closed to make room (connection limit, or out of descriptors)
    uint64_t refused = 0;    ///< new connections closed because every open one was busy
    uint64_t timed_out = 0;  ///< connections closed by one of the three time limits
  };

  explicit AdminServer(Options options);
  ~AdminServer();  ///< Stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Binds `address`, starts the server thread and logs "admin endpoint listening on
  /// HOST:PORT". Fails (nothing started) when the host does not resolve or the address
  /// cannot be bound.
  Status Start(const AdminAddress& address);
  /// Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

  /// The bound port (the ephemeral one when asked for port 0); 0 before Start().
  uint16_t port() const { return port_; }
  /// "127.0.0.1:9464" / "[::1]:9464": what was bound.
  const std::string& bound_address() const { return bound_; }
  /// A snapshot of the counters; callable from any thread, but not concurrently with
  /// Start() or Stop().
  Stats stats() const;

 private:
  friend class AdminSession;
  struct Impl;
  Options options_;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::string bound_;
};

}  // namespace trestle::core
