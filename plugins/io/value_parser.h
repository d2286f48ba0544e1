#pragma once
// Text to typed values, shared by type inference and the sources. Locale-independent
// (std::from_chars); none allocates.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trestle_io {

/// Without leading and trailing spaces and tabs. Inline: the sources call it for every
/// field, and most fields have nothing to trim.
inline std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

/// A decimal integer with an optional sign ("-12", "+7", "007"); false on overflow.
bool parse_int64(std::string_view s, int64_t* out);
/// A decimal or exponent number, or nan/inf/infinity in any case with an optional
/// sign; false when out of range or not a number.
bool parse_float64(std::string_view s, double* out);
bool parse_float32(std::string_view s, float* out);
/// true/false in any case, or 1/0.
bool parse_bool(std::string_view s, bool* out);

}  // namespace trestle_io
