#pragma once
// A tiny blocking HTTP/1.1 client over POSIX sockets for the HTTP server tests: one
// request per connection (Connection: close), read to EOF, parse status, headers and
// body; or several requests on one kept-alive connection (KeepAliveConnection). Every
// socket call has a time limit, so a broken server fails a test instead of hanging it.
// Header-only; the CLI test (tests/cli/admin_test.cc) includes it as well.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>

namespace trestle::http_test {

struct HttpResponse {
  int status = 0;           ///< 0: no (parsable) response
  std::string error;        ///< why there is none
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;
  std::string raw;
};

/// A connected socket to 127.0.0.1:port with send/receive time-outs, or -1.
inline int ConnectLoopback(uint16_t port, int timeout_ms = 10000) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

/// Everything until the peer closes (or the receive time-out passes).
inline std::string ReadToEof(int fd, bool* timed_out = nullptr) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (timed_out) *timed_out = n < 0;
    return out;
  }
}

/// Parses the first response in `raw` (body by Content-Length, else the rest).
inline HttpResponse ParseResponse(const std::string& raw) {
  HttpResponse r;
  r.raw = raw;
  const size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos || raw.size() < 12) {
    r.error = "not an HTTP response: \"" + raw.substr(0, 200) + "\"";
    return r;
  }
  r.status = std::atoi(raw.c_str() + 9);
  size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    size_t eol = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, eol - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = line.find_first_not_of(' ', colon + 1);
      r.headers[name] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = eol + 2;
  }
  r.body = raw.substr(end + 4);
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    const size_t len = std::stoul(it->second);
    if (r.body.size() < len) r.error = "body shorter than Content-Length";
    else r.body.resize(len);
  }
  return r;
}

/// `METHOD path` on 127.0.0.1:port, one request, Connection: close. `timeout_ms` bounds
/// the connect and each send and receive.
inline HttpResponse HttpRequest(uint16_t port, const std::string& method, const std::string& path,
                                const std::string& extra_headers = "", int timeout_ms = 10000) {
  HttpResponse r;
  int fd = ConnectLoopback(port, timeout_ms);
  if (fd < 0) {
    r.error = "cannot connect to 127.0.0.1:" + std::to_string(port);
    return r;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n" + extra_headers + "\r\n";
  if (!SendAll(fd, req)) {
    ::close(fd);
    r.error = "send failed";
    return r;
  }
  bool timed_out = false;
  std::string raw = ReadToEof(fd, &timed_out);
  ::close(fd);
  r = ParseResponse(raw);
  if (timed_out && r.error.empty()) r.error = "the server did not close the connection";
  return r;
}

inline HttpResponse HttpGet(uint16_t port, const std::string& path, int timeout_ms = 10000) {
  return HttpRequest(port, "GET", path, "", timeout_ms);
}

/// `POST path` with `body` (and its Content-Length), one request, Connection: close.
inline HttpResponse HttpPost(uint16_t port, const std::string& path, const std::string& body,
                             const std::string& content_type = "application/json", int timeout_ms = 10000) {
  return HttpRequest(port, "POST", path,
                     "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\n\r\n" + body,
                     timeout_ms);
}

/// One kept-alive connection to 127.0.0.1:port: send requests, read their responses one
/// at a time (bytes of a later response that arrive early are kept for the next Read()).
class KeepAliveConnection {
 public:
  explicit KeepAliveConnection(uint16_t port, int timeout_ms = 10000) : fd_(ConnectLoopback(port, timeout_ms)) {}
  ~KeepAliveConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  KeepAliveConnection(const KeepAliveConnection&) = delete;
  KeepAliveConnection& operator=(const KeepAliveConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  /// `METHOD path` without Connection: close; a non-empty body goes with its Content-Length.
  bool Send(const std::string& method, const std::string& path, const std::string& body = "",
            const std::string& extra_headers = "") {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (!body.empty()) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return fd_ >= 0 && SendAll(fd_, req + "\r\n" + body);
  }

  /// The next response (framed by its Content-Length); status 0 with `error` when the
  /// connection closed or the receive time-out passed before it was complete.
  HttpResponse Read() {
    char buf[8192];
    for (;;) {
      const size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        HttpResponse head = ParseResponse(pending_.substr(0, end + 4));
        size_t length = 0;
        if (auto it = head.headers.find("content-length"); it != head.headers.end()) length = std::stoul(it->second);
        if (head.status == 0 || pending_.size() >= end + 4 + length) {
          HttpResponse r = ParseResponse(pending_.substr(0, end + 4 + length));
          pending_.erase(0, std::min(pending_.size(), end + 4 + length));
          return r;
        }
      }
      const ssize_t n = fd_ < 0 ? -1 : ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        HttpResponse r;
        r.raw = pending_;
        r.error = n == 0 ? "the server closed the connection" : "no (complete) response in time";
        return r;
      }
      pending_.append(buf, static_cast<size_t>(n));
    }
  }

  /// True when the server closes the connection with nothing more sent (within the
  /// receive time-out).
  bool ClosedByServer() {
    if (!pending_.empty()) return false;
    char c;
    return fd_ >= 0 && ::recv(fd_, &c, 1, 0) == 0;
  }

 private:
  int fd_;
  std::string pending_;
};

}  // namespace trestle::http_test
