#include "config/field_path.h"

#include <charconv>

namespace trestle::core {

std::string JoinPath(std::string_view base, std::string_view key) {
  std::string out(base);
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

std::string IndexPath(std::string_view base, int index) {
  std::string out(base);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

std::string ParentPath(std::string_view path) {
  if (path.empty()) return {};
  if (path.back() == ']') {
    size_t open = path.rfind('[');
    if (open != std::string_view::npos) return std::string(path.substr(0, open));
  }
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos) return {};
  return std::string(path.substr(0, dot));
}

bool PathIsUnder(std::string_view path, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (path.size() < prefix.size() || path.substr(0, prefix.size()) != prefix) return false;
  if (path.size() == prefix.size()) return true;
  char next = path[prefix.size()];
  return next == '.' || next == '[';
}

std::optional<int> NodeIndexOf(std::string_view path) {
  constexpr std::string_view kNodes = "nodes[";
  if (path.substr(0, kNodes.size()) != kNodes) return std::nullopt;
  const char* begin = path.data() + kNodes.size();
  const char* end = path.data() + path.size();
  int index = 0;
  auto [ptr, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || ptr == begin || ptr == end || *ptr != ']' || index < 0) {
    return std::nullopt;
  }
  return index;
}

}  // namespace trestle::core
