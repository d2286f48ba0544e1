#include "config/interpolate.h"

#include <cstdlib>

#include "config/diagnostic.h"

namespace trestle::core {
namespace {

bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

}  // namespace

Getenv ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Interpolated Interpolate(std::string_view text, const Getenv& getenv) {
  Interpolated out;
  size_t i = 0;
  while (i < text.size()) {
    size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos || dollar + 1 == text.size()) {
      out.text.append(text.substr(i));
      break;
    }
    out.text.append(text.substr(i, dollar - i));
    char next = text[dollar + 1];
    if (next == '$') {
      out.text += '$';
      i = dollar + 2;
      continue;
    }
    if (next != '{') {
      out.text += '$';
      i = dollar + 1;
      continue;
    }
    size_t close = text.find('}', dollar + 2);
    if (close == std::string_view::npos) {
      out.errors.push_back("unterminated \"${\" (write \"$$\" for a literal \"$\")");
      break;
    }
    std::string_view inner = text.substr(dollar + 2, close - dollar - 2);
    std::optional<std::string_view> fallback;
    size_t sep = inner.find(":-");
    std::string_view name = inner.substr(0, sep);
    if (sep != std::string_view::npos) fallback = inner.substr(sep + 2);
    i = close + 1;
    out.substituted = true;
    if (!IsValidName(name)) {
      out.errors.push_back("invalid variable name " + Quote(name) + " in \"${...}\"");
      continue;
    }
    std::optional<std::string> value = getenv ? getenv(std::string(name)) : std::nullopt;
    if (fallback && (!value || value->empty())) {
      out.text.append(*fallback);
    } else if (value) {
      out.text += *value;
    } else {
      std::string n(name);
      // The run date's variables come from `trestle run --date`, not the environment.
      if (n.rfind("RUN_", 0) == 0)
        out.errors.push_back("variable " + Quote(n) + " is not set: it comes from --date YYYY-MM-DD (or write ${" +
                             n + ":-default} to give a default)");
      else
        out.errors.push_back("environment variable " + Quote(n) + " is not set (write ${" + n +
                             ":-default} to give a default)");
    }
  }
  return out;
}

}  // namespace trestle::core
