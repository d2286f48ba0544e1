#include "config/scalar_text.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace trestle::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t SkipDigits(std::string_view s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

// The YAML 1.2 core-schema float/int syntax, decimal only. std::from_chars alone would
// also accept "inf", "nan" and hex floats.
bool LooksDecimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_end = SkipDigits(s, i);
  bool int_digits = int_end > i;
  i = int_end;
  bool frac_digits = false;
  if (i < s.size() && s[i] == '.') {
    size_t frac_end = SkipDigits(s, i + 1);
    frac_digits = frac_end > i + 1;
    i = frac_end;
  }
  if (!int_digits && !frac_digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_end = SkipDigits(s, i);
    if (exp_end == i) return false;
    i = exp_end;
  }
  return i == s.size();
}

}  // namespace

std::optional<double> ParseNumber(std::string_view text) {
  if (!LooksDecimal(text)) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  size_t start = !digits.empty() && digits.front() == '-' ? 1 : 0;
  if (digits.size() > start && SkipDigits(digits, start) == digits.size()) {
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
    return value;
  }
  std::optional<double> number = ParseNumber(text);
  // 2^63 is exactly representable; anything at or above it does not fit.
  constexpr double kLimit = 9223372036854775808.0;
  if (!number || std::trunc(*number) != *number || *number >= kLimit || *number < -kLimit) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*number);
}

std::optional<bool> ParseBool(std::string_view text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

std::string FormatNumber(double value) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < kExact) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buf, ptr);
}

}  // namespace trestle::core
