#pragma once
// The tests' own HTTP/1.1 client for `trestle serve` (serve_*_test.cc): requests over
// loopback on kept-alive connections, one per client thread.

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace trestle::clitest {

struct Reply {
  int status = 0;         ///< 0: no response; `error` says why
  std::string error;
  bool refused = false;   ///< connect() was refused (nobody listens)
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  /// The error message of a {"error": ...} body ("" when there is none).
  std::string Error() const {
    nlohmann::json j = Json();
    return j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
  }
  std::string Describe() const {
    return status == 0 ? "no response: " + error : std::to_string(status) + " " + body.substr(0, 800);
  }
};

/// One client connection to 127.0.0.1:port, kept alive across requests (it connects when
/// it has none). A request is sent once and never retried. Every socket call is bounded
/// by `timeout_ms`.
class Connection {
 public:
  explicit Connection(uint16_t port, int timeout_ms = 60'000) : port_(port), timeout_ms_(timeout_ms) {}
  ~Connection() { Close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// `headers`: extra header lines, each ending in "\r\n".
  Reply Request(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& headers = "", bool close = false);

  bool open() const { return fd_ >= 0; }

  void Close();

 private:
  bool Connect(Reply* r);
  bool SendAll(const std::string& data);
  bool Receive(Reply* r);
  Reply Read(bool head);

  const uint16_t port_;
  const int timeout_ms_;
  int fd_ = -1;
  std::string pending_;
};

/// One request on a connection of its own (Connection: close).
Reply Call(uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
           const std::string& headers = "");

}  // namespace trestle::clitest
