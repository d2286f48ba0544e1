#include "text.hpp"

#include <charconv>
#include <cstdio>
#include <system_error>

namespace features {
namespace {

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// from_chars takes no '+'; accept one in front of a digit or a dot.
std::string_view drop_plus(std::string_view s) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  return s;
}

template <typename T>
ParseStatus from_text(std::string_view s, T& out) {
  s = drop_plus(trim(s));
  if (s.empty()) return ParseStatus::Syntax;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range && end == s.data() + s.size()) return ParseStatus::Range;
  if (ec != std::errc() || end != s.data() + s.size()) return ParseStatus::Syntax;
  return ParseStatus::Ok;
}

bool equals_lower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

int64_t days_in_month(int64_t y, int64_t m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Reads exactly n digits at s[pos...] and advances pos.
bool digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool at(std::string_view s, size_t pos, char c) { return pos < s.size() && s[pos] == c; }

}  // namespace

ParseStatus parse_int64(std::string_view s, int64_t& out) { return from_text(s, out); }
ParseStatus parse_double(std::string_view s, double& out) { return from_text(s, out); }
ParseStatus parse_float(std::string_view s, float& out) { return from_text(s, out); }

bool parse_bool(std::string_view s, bool& out) {
  s = trim(s);
  if (s == "1" || equals_lower(s, "true")) return out = true, true;
  if (s == "0" || equals_lower(s, "false")) return out = false, true;
  return false;
}

bool parse_timestamp(std::string_view s, int64_t& micros) {
  s = trim(s);
  size_t p = 0;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
  if (!digits(s, p, 4, y) || !at(s, p++, '-') || !digits(s, p, 2, mo) || !at(s, p++, '-') || !digits(s, p, 2, d)) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return false;
  if (p < s.size()) {
    char sep = s[p++];
    if (sep != 'T' && sep != 't' && sep != ' ') return false;
    if (!digits(s, p, 2, h) || !at(s, p++, ':') || !digits(s, p, 2, mi)) return false;
    if (at(s, p, ':')) {
      ++p;
      if (!digits(s, p, 2, sec)) return false;
      if (at(s, p, '.') || at(s, p, ',')) {
        size_t start = ++p;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') frac = frac * 10 + (s[p++] - '0');
        size_t n = p - start;
        if (n == 0 || n > 6) return false;
        for (; n < 6; ++n) frac *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return false;
  }
  int64_t offset = 0;  // seconds east of UTC
  if (p < s.size()) {
    char z = s[p++];
    if (z == 'Z' || z == 'z') {
      if (p != s.size()) return false;
    } else if (z == '+' || z == '-') {
      int64_t oh, om = 0;
      if (!digits(s, p, 2, oh)) return false;
      if (at(s, p, ':')) ++p;
      if (p < s.size() && !digits(s, p, 2, om)) return false;
      if (p != s.size() || oh > 23 || om > 59) return false;
      offset = (z == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      return false;
    }
  }
  int64_t seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
  micros = seconds * 1000000 + frac;
  return true;
}

std::string_view format_int(int64_t v, char* buf) {
  auto r = std::to_chars(buf, buf + kTextBuffer, v);
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

// Shortest round-trip text in the value's own type: a float is not widened first, so
// 0.1f is "0.1" (widened and printed with 9 digits it was "0.100000001").
std::string_view format_double(double v, char* buf) {
  auto r = std::to_chars(buf, buf + kTextBuffer, v);
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

std::string_view format_float(float v, char* buf) {
  auto r = std::to_chars(buf, buf + kTextBuffer, v);
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

std::string number_text(double v) {
  char buf[kTextBuffer];
  int n = std::snprintf(buf, sizeof buf, "%g", v);
  return std::string(buf, static_cast<size_t>(n));
}

std::string_view format_timestamp(int64_t micros, char* buf) {
  constexpr int64_t kDay = 86400LL * 1000000LL;
  int64_t days = micros / kDay, rest = micros % kDay;
  if (rest < 0) rest += kDay, --days;
  int64_t y, m, d;
  civil_from_days(days, y, m, d);
  int64_t secs = rest / 1000000, frac = rest % 1000000;
  int n = std::snprintf(buf, kTextBuffer, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(y),
                        static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  if (frac != 0) n += std::snprintf(buf + n, kTextBuffer - static_cast<size_t>(n), ".%06lld", static_cast<long long>(frac));
  return std::string_view(buf, static_cast<size_t>(n));
}

}  // namespace features
