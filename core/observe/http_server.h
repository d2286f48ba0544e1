#pragma once
/// HttpServer: a small asynchronous HTTP/1.1 server for Trestle's own endpoints (the
/// admin endpoint of a run, the serving front of `trestle serve`).
///
/// It runs on a thread of its own (Boost.Asio/Beast; one connection never waits for
/// another) and hands every complete request to one handler together with an
/// HttpResponder. The handler runs on the server's thread and must not block: it answers
/// at once (responder.Send(...)) or passes the responder on, e.g. to a queue that a worker
/// drains, and the worker answers from its own thread later.
///
/// Slow or broken clients are cut off: a connection must send a request header within
/// `header_timeout`, a kept-alive one must start its next request within `idle_timeout`,
/// each request must arrive and each response be taken within `io_timeout`, requests
/// have size limits (431 for the header, 413 for the body; the connection closes after
/// either), and connections a count limit.
///
/// Connection states. A connection is idle (evictable) from its accept, or from the end
/// of a response on a kept-alive connection, until it has sent a complete request
/// header, and again while it closes; busy otherwise — in particular while its request
/// waits for the handler's response (then no read is pending on it and no time limit
/// runs; `io_timeout` starts when the response is being written). Pipelined requests are
/// handled one after another: the next is read only once the previous one is answered.
/// A request sent with `Expect: 100-continue` is told to go on (100 Continue) once its
/// header has been read.
///
/// At the count limit a new connection is still served: it takes the place of the
/// connection idle longest. Only when every open connection is busy is the new one
/// closed. So idle clients, however many, cannot keep a probe from an answer. When the
/// process runs out of file descriptors while a client waits to be accepted, the server
/// closes its longest-idle connection to free one, and retries accepting a little later.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace trestle::core {

/// Where to listen. `host` is an IP address or a name to resolve.
struct AdminAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  ///< 0: any free port (the bound one is HttpServer::port())
};

/// Parses "HOST:PORT", "[IPv6]:PORT" or ":PORT" (host 127.0.0.1). The error names the
/// part that is wrong, e.g. `port "y" is not a number`.
Result<AdminAddress> ParseAdminAddress(const std::string& text);

enum class HttpMethod { kGet, kHead, kPost, kPut, kDelete, kOther };

/// One complete request, as the handler receives it (it owns the copy).
struct HttpRequest {
  HttpMethod method = HttpMethod::kOther;
  std::string method_string;  ///< as sent, e.g. "GET", "PATCH"
  std::string target;         ///< as sent, e.g. "/v2/models/m/infer?x=1"
  std::string path;           ///< the target without its query: "/v2/models/m/infer"
  std::string query;          ///< after the "?", without it; "" when there is none
  std::string body;
  /// Lower-case names; a header sent more than once has its values joined by ", ".
  std::map<std::string, std::string> headers;
  unsigned version = 11;  ///< 10 for HTTP/1.0, 11 for HTTP/1.1
  bool keep_alive = false;  ///< what the client asked for
  std::chrono::steady_clock::time_point received;  ///< when the complete request was read
};

struct HttpResponse {
  int status = 200;  ///< 200..999; anything else is answered with a 500 instead
  std::string body;  ///< not sent for HEAD requests nor with 204 and 304 (Content-Length still is for HEAD)
  std::string content_type = "text/plain; charset=utf-8";
  /// Extra header fields, sent as given (a name may repeat), e.g. {"Retry-After", "1"}.
  /// Content-Length, Transfer-Encoding and Connection belong to the server and are
  /// ignored here, as is any field with a CR or LF in it.
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  ///< close the connection after this response (Connection: close)
};

class HttpSession;

/// The way to answer one request. Movable, not copyable; it may be moved to and used on
/// any thread, and may outlive the connection and the server.
///
/// Send() answers the request: it hands the response to the server's thread, which
/// writes it. Only the first Send() counts; later ones do nothing. A responder destroyed
/// without a Send() answers 500 "internal error: no response" (and the connection
/// closes), so a request is never left hanging. When the connection or the server is gone by then (the client left,
/// Stop() ran), Send() and the destructor do nothing. A responder does not keep the
/// server running: Stop() does not wait for responders.
class HttpResponder {
 public:
  HttpResponder();  ///< answers nothing: Send() does nothing
  ~HttpResponder();  ///< the 500 when nothing was sent
  HttpResponder(HttpResponder&& other) noexcept;
  /// A responder that still owed its answer answers 500 before taking `other`'s place.
  HttpResponder& operator=(HttpResponder&& other) noexcept;
  HttpResponder(const HttpResponder&) = delete;
  HttpResponder& operator=(const HttpResponder&) = delete;

  /// Thread-safe, also against a concurrent Send() on the same responder (only one wins);
  /// not against moving or destroying it at the same time.
  void Send(HttpResponse response);

 private:
  friend class HttpSession;
  struct Pending;  // what it takes to reach the connection (http_server_impl.h)
  explicit HttpResponder(std::unique_ptr<Pending> pending);
  std::unique_ptr<Pending> pending_;
};

class HttpServer {
 public:
  /// Copied into the server at construction and kept until it is destroyed.
  struct Options {
    /// Called on the server's thread for every complete request, between Start() and
    /// Stop(). It must not block (a slow handler holds up every connection): it answers
    /// or passes the responder on. An exception from it answers 500 and closes the
    /// connection (a later Send() of the responder it was given then does nothing); no
    /// handler at all answers every request with a 500. It must not call Stop().
    std::function<void(HttpRequest, HttpResponder)> handler;
    /// From accepting a connection (or, on a kept-alive one, from the first byte of a
    /// later request) to a complete request line and headers; else closed, no response.
    std::chrono::milliseconds header_timeout{5'000};
    /// On a kept-alive connection, from the end of a response to the first byte of the
    /// next request; else closed.
    std::chrono::milliseconds idle_timeout{5'000};
    /// A request, from its first byte to the end of its body, and separately the write of
    /// its response; else closed. The wait for the handler's response is not limited.
    std::chrono::milliseconds io_timeout{10'000};
    size_t max_header_bytes = 8192;  ///< request line and headers; more is answered 431
    size_t max_body_bytes = 8192;    ///< more is answered 413
    /// Open connections at most (values below 1 count as 1). At the limit a new connection
    /// closes the longest-idle one (see the class comment) or, when every open one is busy,
    /// is closed itself.
    int max_connections = 256;
    /// Names the server in log lines and error messages, e.g. "admin endpoint: cannot bind
    /// 127.0.0.1:9464: Address already in use".
    std::string name = "admin endpoint";
  };

  /// Counters of the running server (all 0 before Start() and after Stop()).
  struct Stats {
    int open = 0;            ///< connections open now
    int idle = 0;            ///< of those, the evictable ones (no complete request header yet, or closing)
    int waiting = 0;         ///< of those, the ones whose request waits for the handler's response
    uint64_t evicted = 0;    ///< idle connections closed to make room (connection limit, or out of descriptors)
    uint64_t refused = 0;    ///< new connections closed because every open one was busy
    uint64_t timed_out = 0;  ///< connections closed by one of the three time limits
  };

  explicit HttpServer(Options options);
  ~HttpServer();  ///< Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds `address`, starts the server thread and logs "NAME listening on HOST:PORT".
  /// Fails (nothing started) when the host does not resolve or the address cannot be
  /// bound, or when the server runs already.
  Status Start(const AdminAddress& address);
  /// Closes the listener and every connection at once and joins the thread; then
  /// returns. Requests still waiting for their response get none (their connection just
  /// closes), and a response being written is cut off; their responders stay usable
  /// objects whose Send() does nothing. Idempotent; not from the handler.
  void Stop();
  /// Closes the listener only, for a graceful drain: new connections are refused, the
  /// open ones are still served — requests already received are answered, and so is a
  /// request still arriving on one — but every response from now on carries
  /// `Connection: close`, so each connection ends after its current request (an idle
  /// kept-alive one at its idle timeout at the latest). Thread-safe, also from the handler;
  /// takes effect on the server's thread a moment later. Stop() still ends it all.
  void StopAccepting();

  /// The bound port (the ephemeral one when asked for port 0); 0 before Start(). Not
  /// concurrently with Start().
  uint16_t port() const { return port_; }
  /// "127.0.0.1:9464" / "[::1]:9464": what was bound. Not concurrently with Start().
  const std::string& bound_address() const { return bound_; }
  /// A snapshot of the counters; thread-safe.
  Stats stats() const;

 private:
  friend class HttpSession;
  struct Impl;
  Options options_;
  mutable std::mutex mu_;       ///< guards impl_ (StopAccepting() and stats() from other threads)
  std::unique_ptr<Impl> impl_;  ///< while running
  uint16_t port_ = 0;
  std::string bound_;
};

}  // namespace trestle::core
