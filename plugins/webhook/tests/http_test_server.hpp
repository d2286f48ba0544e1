#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for tests of
// webhook_sink, written with POSIX sockets so that it shares no code with the client
// under test. Each connection has its own thread and may carry several requests
// (keep-alive). Request n (0-based, in order of arrival over all connections) gets
// script[n]; requests past the script get 200 OK. Header-only; used by the plugin's tests
// and by tests/cli/webhook_test.cc.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace webhook_test {

/// How the server answers one request.
struct Reply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< besides Content-Length
  int hang_ms = 0;           ///< wait this long before answering (less if the server stops)
  bool close_after = false;  ///< close the connection after answering, without saying so
  bool drop = false;         ///< close the connection without answering

  static Reply Status(int status, std::string body = "") {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  Reply& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  static Reply Hang(int ms) {
    Reply r;
    r.hang_ms = ms;
    return r;
  }
  static Reply Drop() {
    Reply r;
    r.drop = true;
    return r;
  }
};

/// One request as received.
struct Request {
  std::string method, target;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
  std::chrono::steady_clock::time_point at;    ///< when it had fully arrived
  int connection = 0;                          ///< 1 for the first connection accepted...
  int status = 0;                              ///< the status it is answered with; 0 if none

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

inline const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

class TestServer {
 public:
  explicit TestServer(std::vector<Reply> script = {}) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket() failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() { Stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  size_t count() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_.size();
  }
  int connections() const { return connections_.load(); }
  /// Waits until `n` requests have arrived or `timeout` passes; whether they did.
  bool WaitFor(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> l(mu_);
    return cv_.wait_for(l, timeout, [&] { return requests_.size() >= n; });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) return;
      stopped_ = true;
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    cv_.notify_all();
    if (acceptor_.joinable()) acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> handlers;
    {
      std::lock_guard<std::mutex> l(mu_);
      handlers.swap(handlers_);
    }
    for (auto& t : handlers) t.join();
  }

 private:
  bool stopping() const {
    std::lock_guard<std::mutex> l(mu_);
    return stopped_;
  }

  void AcceptLoop() {
    while (!stopping()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> l(mu_);
      if (stopped_) {
        ::close(fd);
        break;
      }
      open_fds_.insert(fd);
      const int id = ++connections_;
      handlers_.emplace_back([this, fd, id] { Serve(fd, id); });
    }
  }

  // Reads more bytes into `buf`; false at end of stream, on error, or when stopping.
  bool ReadSome(int fd, std::string& buf) {
    for (;;) {
      if (stopping()) return false;
      pollfd p{fd, POLLIN, 0};
      int rc = ::poll(&p, 1, 20);
      if (rc == 0) continue;
      if (rc < 0) return false;
      char tmp[8192];
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
      return true;
    }
  }

  void Serve(int fd, int id) {
    std::string buf;
    for (;;) {
      size_t head_end;
      while ((head_end = buf.find("\r\n\r\n")) == std::string::npos)
        if (!ReadSome(fd, buf)) return Close(fd);
      Request req;
      req.connection = id;
      std::string head = buf.substr(0, head_end);
      buf.erase(0, head_end + 4);
      size_t line_end = head.find("\r\n");
      std::string request_line = head.substr(0, line_end);
      size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
      req.method = request_line.substr(0, sp1);
      req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      for (size_t at = line_end; at != std::string::npos && at < head.size();) {
        size_t next = head.find("\r\n", at + 2);
        std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon), value = line.substr(colon + 1);
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          value.erase(0, value.find_first_not_of(' '));
          req.headers[name] = value;
        }
        at = next;
      }
      size_t length = req.headers.count("content-length") ? std::stoul(req.headers["content-length"]) : 0;
      while (buf.size() < length)
        if (!ReadSome(fd, buf)) return Close(fd);
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      req.at = std::chrono::steady_clock::now();

      Reply reply;
      size_t index;
      {
        std::lock_guard<std::mutex> l(mu_);
        index = requests_.size();
        if (index < script_.size()) reply = script_[index];
        requests_.push_back(req);
      }
      cv_.notify_all();
      if (reply.drop) return Close(fd);
      if (reply.hang_ms > 0) {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait_for(l, std::chrono::milliseconds(reply.hang_ms), [&] { return stopped_; });
        if (stopped_) {
          l.unlock();
          return Close(fd);
        }
      }
      std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + ReasonPhrase(reply.status) + "\r\n";
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
      for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
      out += "\r\n" + reply.body;
      {
        std::lock_guard<std::mutex> l(mu_);
        requests_[index].status = reply.status;
      }
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return Close(fd);
        sent += static_cast<size_t>(n);
      }
      if (reply.close_after || req.header("connection") == "close") return Close(fd);
    }
  }

  void Close(int fd) {
    std::lock_guard<std::mutex> l(mu_);
    open_fds_.erase(fd);
    ::close(fd);
  }

  std::vector<Reply> script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::vector<Request> requests_;
  std::set<int> open_fds_;
  std::vector<std::thread> handlers_;
  std::atomic<int> connections_{0};
};

/// A port on 127.0.0.1 where nothing listens: bound to pick it, then closed.
inline uint16_t UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace webhook_test
