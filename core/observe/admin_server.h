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
/// touches the data path. Slow or broken clients are cut off: every read and write has
/// a time limit, requests have a size limit, and connections a count limit.

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
  struct Options {
    std::function<std::string()> metrics;  ///< the exposition; called on the server's thread
    std::function<Readiness()> readiness;  ///< called on the server's thread
    std::chrono::milliseconds io_timeout{10'000};  ///< per request read and response write
    size_t max_request_bytes = 8192;               ///< request line and headers (and body)
    int max_connections = 64;                      ///< more are closed at once
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

 private:
  friend class AdminSession;
  struct Impl;
  Options options_;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::string bound_;
};

}  // namespace trestle::core
