#pragma once
// A small synchronous HTTP/1.1 client for POSTing JSON: Boost.Beast and Asio (headers
// only), plain TCP (no TLS), one connection kept alive between requests. Every request
// has a deadline that covers resolving, connecting, sending and reading the response.
// Beast's stream timeouts apply to asynchronous operations only, so each request runs
// its asynchronous chain on a private io_context until it completes or the deadline
// passes.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace trestle_webhook {

/// An http:// URL split into what a request needs.
struct Url {
  std::string host;         ///< name or address; an IPv6 address without brackets
  uint16_t port = 80;
  std::string host_header;  ///< the Host header: host[:port] as written (IPv6 in brackets)
  std::string target;       ///< path and query, starting with '/'

  /// "http://" + host_header + target.
  std::string text() const { return "http://" + host_header + target; }
};

/// Parses `text` as http://host[:port][/path][?query]. On failure returns false and
/// sets `error` to why (without the option name). An https:// URL is refused: TLS would
/// need OpenSSL's libssl, which this plugin does not link (it links only libcrypto).
bool parse_http_url(const std::string& text, Url* url, std::string* error);

/// What one request came to.
struct HttpResult {
  bool responded = false;   ///< a status line and headers were read
  int status = 0;
  std::string reason;       ///< the reason phrase, e.g. "Service Unavailable"
  std::string body;         ///< the response body, at most kBodyLimit bytes of it
  std::string retry_after;  ///< the Retry-After header, empty when absent
  std::string error;        ///< when !responded: what failed, e.g. "connecting to h:80: Connection refused"
  bool timed_out = false;   ///< when !responded: the deadline passed
  bool reused_connection = false;  ///< sent on a kept-alive connection
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  /// Response bodies longer than this are cut (the client only quotes their start).
  static constexpr size_t kBodyLimit = 64 * 1024;

  HttpClient(Url url, std::chrono::milliseconds timeout, std::string user_agent);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// POSTs `body` with `headers` (besides Host, User-Agent, Content-Type:
  /// application/json and Content-Length) and reads the response. Never throws for
  /// network trouble: that comes back as !responded. A kept-alive connection the server
  /// has closed meanwhile is replaced once, transparently.
  HttpResult post(const std::string& body, const Headers& headers);
  /// Closes the kept-alive connection, if any.
  void close();
  /// Connections opened so far (for tests and counters).
  int64_t connections_opened() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trestle_webhook
