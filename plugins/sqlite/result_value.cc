#include "result_value.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <trestle/spec.hpp>

#include "timestamp_text.hpp"

namespace trestle_sqlite {
namespace {

std::string excerpt(std::string_view v) {
  constexpr size_t kMax = 100;
  if (v.size() <= kMax) return trestle::detail::json_quote(std::string(v));
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
  return trestle::detail::json_quote(std::string(v.substr(0, cut))) + "...";
}

// The shortest text that reads back to the same double: the dead letter's JSON holds
// the stored value exactly, and a message shows 0.1 as 0.1, not 0.10000000000000001.
std::string number_text(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// What a value of another storage class is, for a message.
std::string describe(sqlite3_stmt* s, int col) {
  switch (sqlite3_column_type(s, col)) {
    case SQLITE_INTEGER: return "the integer " + std::to_string(sqlite3_column_int64(s, col));
    case SQLITE_FLOAT: return "the real " + number_text(sqlite3_column_double(s, col));
    case SQLITE_TEXT: {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
      return "the text " + excerpt(std::string_view(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, col))));
    }
    case SQLITE_BLOB: return "a blob of " + std::to_string(sqlite3_column_bytes(s, col)) + " bytes";
    default: return "null";
  }
}

std::string not_a(sqlite3_stmt* s, int col, const char* what) { return describe(s, col) + " is not " + what; }

bool integral_in(double d, double lo, double hi_exclusive) { return std::trunc(d) == d && d >= lo && d < hi_exclusive; }

bool timestamp_text(std::string_view v, int64_t* micros) {
  if (v.size() == 10) return trestle_support::parse_timestamp(std::string(v) + " 00:00:00", micros);
  if (v.size() == 16) return trestle_support::parse_timestamp(std::string(v) + ":00", micros);
  return trestle_support::parse_timestamp(v, micros);
}

}  // namespace

std::string read_cell(sqlite3_stmt* s, int col, trestle::Type t, Cell* out) {
  *out = Cell{};
  const int storage = sqlite3_column_type(s, col);
  if (storage == SQLITE_NULL) {
    out->null = true;
    return {};
  }
  switch (t) {
    case trestle::Type::Int32:
    case trestle::Type::Int64: {
      const bool i32 = t == trestle::Type::Int32;
      const double lo = i32 ? -2147483648.0 : -9223372036854775808.0;
      const double hi = i32 ? 2147483648.0 : 9223372036854775808.0;
      if (storage == SQLITE_INTEGER) {
        out->i = sqlite3_column_int64(s, col);
        if (!i32 || (out->i >= std::numeric_limits<int32_t>::min() && out->i <= std::numeric_limits<int32_t>::max()))
          return {};
        return describe(s, col) + " is out of the int32 range";
      }
      if (storage == SQLITE_FLOAT) {
        double d = sqlite3_column_double(s, col);
        if (integral_in(d, lo, hi)) {
          out->i = static_cast<int64_t>(d);
          return {};
        }
        return not_a(s, col, i32 ? "an int32 (not integral or out of range)" : "an int64 (not integral or out of range)");
      }
      return not_a(s, col, i32 ? "an int32" : "an int64");
    }
    case trestle::Type::Float32:
    case trestle::Type::Float64:
      if (storage != SQLITE_INTEGER && storage != SQLITE_FLOAT)
        return not_a(s, col, t == trestle::Type::Float32 ? "a float32" : "a float64");
      out->d = storage == SQLITE_INTEGER ? static_cast<double>(sqlite3_column_int64(s, col)) : sqlite3_column_double(s, col);
      if (t == trestle::Type::Float32 && std::isfinite(out->d) && !std::isfinite(static_cast<float>(out->d)))
        return describe(s, col) + " is out of the float32 range";
      return {};
    case trestle::Type::Bool:
      if (storage == SQLITE_INTEGER) {
        out->i = sqlite3_column_int64(s, col);
        if (out->i == 0 || out->i == 1) return {};
      }
      return not_a(s, col, "a bool (0 or 1)");
    case trestle::Type::Utf8: {
      if (storage == SQLITE_BLOB) return not_a(s, col, "utf8 text");
      // Numbers become text as SQLite prints them; sqlite3_column_text converts.
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
      out->text = std::string_view(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, col)));
      if (!valid_utf8(out->text)) return "a text that is not valid UTF-8 (" + excerpt(out->text) + ")";
      return {};
    }
    case trestle::Type::TimestampUs: {
      if (storage != SQLITE_TEXT) return not_a(s, col, "an ISO-8601 timestamp text");
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, col));
      std::string_view v(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, col)));
      if (timestamp_text(v, &out->i)) return {};
      return not_a(s, col, "an ISO-8601 timestamp (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|+HH:MM])");
    }
  }
  return "unknown column type";
}

std::string row_as_json(sqlite3_stmt* s) {
  std::string o = "{";
  const int n = sqlite3_column_count(s);
  for (int c = 0; c < n; ++c) {
    if (c) o += ',';
    const char* name = sqlite3_column_name(s, c);
    o += trestle::detail::json_quote(name ? name : "");
    o += ':';
    switch (sqlite3_column_type(s, c)) {
      case SQLITE_NULL: o += "null"; break;
      case SQLITE_INTEGER: o += std::to_string(sqlite3_column_int64(s, c)); break;
      case SQLITE_FLOAT: {
        double d = sqlite3_column_double(s, c);
        o += std::isfinite(d) ? number_text(d) : trestle::detail::json_quote(number_text(d));
        break;
      }
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
        o += trestle::detail::json_quote(std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s, c))));
        break;
      }
      default: {
        // A blob as X'hex' (SQL's literal), cut after 64 bytes.
        const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, c));
        const int len = sqlite3_column_bytes(s, c);
        std::string hex = "X'";
        static const char kHex[] = "0123456789ABCDEF";
        for (int k = 0; k < len && k < 64; ++k) hex += kHex[p[k] >> 4], hex += kHex[p[k] & 15];
        hex += len > 64 ? "'..." : "'";
        o += trestle::detail::json_quote(hex);
      }
    }
  }
  return o + "}";
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return false;
    if (i + n >= s.size()) return false;  // the sequence runs past the end
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace trestle_sqlite
