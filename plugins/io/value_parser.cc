#include "value_parser.h"

#include <charconv>
#include <system_error>

namespace trestle_io {

namespace {
// from_chars takes no leading '+'; skip it unless a sign follows it.
std::string_view skip_plus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

template <typename T>
bool parse_floating(std::string_view s, T* out) {
  s = skip_plus(s);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out, std::chars_format::general);
  return ec == std::errc() && p == end;
}

bool lower_equals(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}
}  // namespace

bool parse_int64(std::string_view s, int64_t* out) {
  s = skip_plus(s);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out, 10);
  return ec == std::errc() && p == end;
}

bool parse_float64(std::string_view s, double* out) { return parse_floating(s, out); }
bool parse_float32(std::string_view s, float* out) { return parse_floating(s, out); }

bool parse_bool(std::string_view s, bool* out) {
  if (s.size() == 1) {
    if (s[0] == '1') return *out = true, true;
    if (s[0] == '0') return *out = false, true;
    return false;
  }
  if (lower_equals(s, "true")) return *out = true, true;
  if (lower_equals(s, "false")) return *out = false, true;
  return false;
}

}  // namespace trestle_io
