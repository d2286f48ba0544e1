#pragma once
/// HttpSession: one connection of HttpServer (http_server.h), which describes its
/// states and time limits. Internal to core/observe.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "observe/http_server.h"
#include "observe/http_server_impl.h"

namespace trestle::core {

namespace beast = boost::beast;
namespace http = beast::http;

/// One client connection: wait for a request, read it, hand it to the handler, write
/// the answer, repeat while it keeps alive. Lives as long as one of its operations is
/// pending or, while its request waits for the answer, by holding itself; touched on the
/// server thread only.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
  using Clock = std::chrono::steady_clock;

 public:
  HttpSession(tcp::socket socket, HttpServer::Impl* server);
  ~HttpSession();

  // The open count is published after the idle one, so that stats() never shows a
  // just-accepted connection as open and busy.
  void Start();

  /// Closes the connection now and frees its place; pending operations end with
  /// operation_aborted, an answer still awaited will find nobody. Idempotent. May
  /// destroy the session (when only its wait for an answer kept it).
  void Close();

  /// The handler's answer to request `seq`, on the server thread.
  void Respond(uint64_t seq, HttpResponse response, bool abandoned);

 private:
  // Idle (evictable) from accept or the end of a response until a complete request
  // header, and again while closing; busy in between.
  void SetIdle(bool idle);

  void Unregister();

  // Stops waiting for an answer; returns the hold that kept the session meanwhile.
  std::shared_ptr<HttpSession> EndWait();

  // The wait for the first byte of a request runs under the header deadline (first
  // request) or the idle timeout (later ones), as the caller set it.
  void WaitForRequest();

  void BeginRequest();

  static bool ExpectsContinue(const http::request<http::string_body>& req);

  void ReadBody();

  void OnReadError(beast::error_code ec);

  // Hands the complete request to the handler. From here until the answer the session
  // holds itself: no operation is pending on it.
  void Dispatch();

  void Write(HttpResponse r, unsigned version, bool keep_alive, bool head);

  // Sends FIN, then reads and drops what the client still sends (briefly, and at most
  // kDrainBytes): closing with unread data would send a reset that can destroy the
  // response before the client reads it. A closing connection is idle: a new one may
  // take its place.
  void CloseGracefully();
  void Drain();
  static constexpr size_t kDrainBytes = 1 << 20;
  static constexpr size_t kFirstRead = 1024;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpServer::Impl* server_;
  std::list<HttpSession*>::iterator open_it_;
  std::optional<std::list<HttpSession*>::iterator> idle_it_;  ///< set while idle
  bool closed_ = false;
  bool first_request_ = true;
  Clock::time_point header_deadline_;   ///< the request header must be complete by then
  Clock::time_point request_deadline_;  ///< the request must be complete by then
  std::optional<http::request_parser<http::string_body>> parser_;
  // The request being answered: what its response needs, and names for log lines.
  uint64_t seq_ = 0;  ///< numbers the requests; an answer for another one is stale
  std::shared_ptr<HttpSession> awaiting_self_;  ///< set while the answer to seq_ is awaited
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  std::string method_, target_;
  http::response<http::string_body> response_;
  std::array<char, 4096> discard_;
  size_t drained_ = 0;
};

}  // namespace trestle::core
