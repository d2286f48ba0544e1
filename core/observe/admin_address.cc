#include <string>

#include "observe/http_server.h"

namespace trestle::core {

namespace {

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Result<AdminAddress> ParseAdminAddress(const std::string& text) {
  if (text.empty()) return InvalidArgument("is empty; expected HOST:PORT, e.g. 127.0.0.1:9464");
  AdminAddress a;
  std::string host, port;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos) return InvalidArgument("\"[\" without \"]\"; expected [IPv6]:PORT, e.g. [::1]:9464");
    host = text.substr(1, close - 1);
    if (host.empty()) return InvalidArgument("the address in brackets is empty");
    if (close + 1 >= text.size() || text[close + 1] != ':')
      return InvalidArgument("no port after \"]\"; expected [IPv6]:PORT, e.g. [::1]:9464");
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) return InvalidArgument("no port; expected HOST:PORT, e.g. 127.0.0.1:9464");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return InvalidArgument("host \"" + host + "\" has a \":\"; an IPv6 address goes in brackets, e.g. [::1]:9464");
  }
  if (port.empty()) return InvalidArgument("port is missing; expected HOST:PORT, e.g. 127.0.0.1:9464");
  if (!AllDigits(port)) return InvalidArgument("port \"" + port + "\" is not a number");
  if (port.size() > 5 || std::stoi(port) > 65535)
    return InvalidArgument("port " + port + " is out of range (0 to 65535)");
  a.port = static_cast<uint16_t>(std::stoi(port));
  if (!host.empty()) a.host = host;
  return a;
}

}  // namespace trestle::core
