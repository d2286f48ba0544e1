#include "serve_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace trestle::clitest {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Reply Connection::Request(const std::string& method, const std::string& path, const std::string& body,
                          const std::string& headers, bool close) {
  Reply r;
  if (fd_ < 0 && !Connect(&r)) return r;
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) + "\r\n";
  if (close) req += "Connection: close\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += headers + "\r\n" + body;
  if (!SendAll(req)) {
    r.error = std::string("send: ") + std::strerror(errno);
    Close();
    return r;
  }
  return Read(method == "HEAD");
}

void Connection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pending_.clear();
}

bool Connection::Connect(Reply* r) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) {
    r->error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    r->refused = errno == ECONNREFUSED;
    r->error = "connect to 127.0.0.1:" + std::to_string(port_) + ": " + std::strerror(errno);
    Close();
    return false;
  }
  return true;
}

bool Connection::SendAll(const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool Connection::Receive(Reply* r) {
  char buf[16384];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n > 0) {
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }
  r->error = n == 0 ? "the server closed the connection" : std::string("recv: ") + std::strerror(errno);
  Close();
  return false;
}

Reply Connection::Read(bool head) {
  Reply r;
  size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos)
    if (!Receive(&r)) return r;
  if (pending_.rfind("HTTP/1.", 0) != 0 || pending_.size() < 12) {
    r.error = "not an HTTP response: " + pending_.substr(0, 200);
    Close();
    return r;
  }
  const int status = std::atoi(pending_.c_str() + 9);
  std::map<std::string, std::string> headers;
  for (size_t pos = pending_.find("\r\n") + 2; pos < end;) {
    const size_t eol = pending_.find("\r\n", pos);
    const std::string line = pending_.substr(pos, eol - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const size_t v = line.find_first_not_of(' ', colon + 1);
      headers[Lower(line.substr(0, colon))] = v == std::string::npos ? "" : line.substr(v);
    }
    pos = eol + 2;
  }
  size_t length = 0;
  if (auto it = headers.find("content-length"); it != headers.end()) length = std::stoul(it->second);
  if (head || status == 204 || status == 304) length = 0;
  while (pending_.size() < end + 4 + length)
    if (!Receive(&r)) {
      r.error = "the body was cut short: " + r.error;
      return r;
    }
  r.status = status;
  r.headers = std::move(headers);
  r.body = pending_.substr(end + 4, length);
  pending_.erase(0, end + 4 + length);
  if (Lower(r.Header("connection")) == "close") Close();
  return r;
}

/// One request on a connection of its own (Connection: close).
Reply Call(uint16_t port, const std::string& method, const std::string& path, const std::string& body,
           const std::string& headers) {
  Connection c(port);
  return c.Request(method, path, body, headers, true);
}

}  // namespace trestle::clitest
