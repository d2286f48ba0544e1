#pragma once
// Single values as text: the parsing and formatting rules that `cast` and `filter`
// share. Parsers ignore ASCII whitespace around the value; an empty value is invalid.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace features {

enum class ParseStatus { Ok, Syntax, Range };

/// A decimal integer with an optional sign ("-12", "+7").
ParseStatus parse_int64(std::string_view s, int64_t& out);
/// A decimal or scientific number, "nan", "inf" or "infinity", with an optional sign.
ParseStatus parse_double(std::string_view s, double& out);
ParseStatus parse_float(std::string_view s, float& out);
/// "true" / "false" (any case), "1" / "0".
bool parse_bool(std::string_view s, bool& out);
/// ISO-8601: "2024-03-01", "2024-03-01T12:30", "2024-03-01 12:30:05.25", with an
/// optional zone "Z", "+02:00", "-0530" or "+02". Without a zone the time is taken as
/// UTC; with one it is converted to UTC. At most 6 fraction digits (microseconds).
bool parse_timestamp(std::string_view s, int64_t& micros_since_epoch);

/// Formatters write into `buf` (at least kTextBuffer chars) and return a view of it.
constexpr size_t kTextBuffer = 64;
std::string_view format_int(int64_t v, char* buf);
/// The shortest text that reads back to the same double (std::to_chars): 0.1 is "0.1",
/// 1e300 "1e+300"; NaN and infinities as "nan", "inf", "-inf".
std::string_view format_double(double v, char* buf);
/// The shortest text that reads back to the same float, in float: 0.1f is "0.1".
std::string_view format_float(float v, char* buf);
/// A number for a message: printf("%g").
std::string number_text(double v);
/// "2024-03-01T12:30:05", with ".ffffff" when there are microseconds; UTC, no zone.
std::string_view format_timestamp(int64_t micros_since_epoch, char* buf);

}  // namespace features
