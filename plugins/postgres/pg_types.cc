#include "pg_types.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include <trestle/error.hpp>

namespace trestle_pg {

namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

/// Reads exactly `n` digits at v[*i].
bool digits(std::string_view v, size_t* i, size_t n, int64_t* out) {
  if (*i + n > v.size()) return false;
  int64_t x = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = v[*i + k];
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
  }
  *i += n;
  *out = x;
  return true;
}

/// "YYYY-MM-DD" (at least 4 year digits) at the start of v; *i after it.
bool parse_date_part(std::string_view v, size_t* i, int64_t* days) {
  size_t year_digits = 0;
  while (year_digits < v.size() && v[year_digits] >= '0' && v[year_digits] <= '9') ++year_digits;
  if (year_digits < 4 || year_digits > 6) return false;
  int64_t y, m, d;
  if (!digits(v, i, year_digits, &y) || *i >= v.size() || v[(*i)++] != '-' || !digits(v, i, 2, &m) ||
      *i >= v.size() || v[(*i)++] != '-' || !digits(v, i, 2, &d))
    return false;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, static_cast<int>(m))) return false;
  *days = days_from_civil(y, m, d);
  return true;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
    else return false;
    if (end - p <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((p[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    p += n + 1;
  }
  return true;
}

int64_t utf8_chars(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
}

template <typename T>
void append_int(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <typename F>
void append_float(std::string& out, F v) {
  if (std::isnan(v)) return void(out += "NaN");
  if (std::isinf(v)) return void(out += v > 0 ? "Infinity" : "-Infinity");
  char buf[48];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  out.append(buf, r.ptr);
}

bool parse_float_text(std::string_view v, double* out) {
  if (v == "NaN") return *out = std::numeric_limits<double>::quiet_NaN(), true;
  if (v == "Infinity") return *out = std::numeric_limits<double>::infinity(), true;
  if (v == "-Infinity") return *out = -std::numeric_limits<double>::infinity(), true;
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

std::string quoted(std::string_view v) {
  std::string s = "\"";
  s.append(v.substr(0, 200));
  if (v.size() > 200) s += "...";
  return s + "\"";
}

}  // namespace

std::optional<trestle::Type> source_type_for(Oid oid) {
  switch (oid) {
    case kBoolOid: return trestle::Type::Bool;
    case kInt2Oid:
    case kInt4Oid: return trestle::Type::Int32;
    case kInt8Oid: return trestle::Type::Int64;
    case kFloat4Oid: return trestle::Type::Float32;
    case kFloat8Oid:
    case kNumericOid: return trestle::Type::Float64;
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:
    case kNameOid:
    case kDateOid: return trestle::Type::Utf8;
    case kTimestampOid:
    case kTimestampTzOid: return trestle::Type::TimestampUs;
    default: return std::nullopt;
  }
}

bool append_text_value(trestle::ColumnBuilder& b, trestle::Type t, std::string_view v, std::string* reason) {
  switch (t) {
    case trestle::Type::Bool:
      if (v == "t" || v == "true") return b.append_bool(true), true;
      if (v == "f" || v == "false") return b.append_bool(false), true;
      *reason = quoted(v) + " is not a bool";
      return false;
    case trestle::Type::Int32:
    case trestle::Type::Int64: {
      int64_t x = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), x);
      if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
        *reason = quoted(v) + " is not an integer within int64";
        return false;
      }
      if (t == trestle::Type::Int64) return b.append_i64(x), true;
      if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
        *reason = quoted(v) + " is outside the range of int32";
        return false;
      }
      return b.append_i32(static_cast<int32_t>(x)), true;
    }
    case trestle::Type::Float32:
    case trestle::Type::Float64: {
      double x = 0;
      if (!parse_float_text(v, &x)) {
        *reason = quoted(v) + " is not a number within float64";
        return false;
      }
      if (t == trestle::Type::Float64) return b.append_f64(x), true;
      if (std::isfinite(x) && std::fabs(x) > std::numeric_limits<float>::max()) {
        *reason = quoted(v) + " is outside the range of float32";
        return false;
      }
      return b.append_f32(static_cast<float>(x)), true;
    }
    case trestle::Type::Utf8: return b.append_str(v), true;
    case trestle::Type::TimestampUs: {
      int64_t us = 0;
      if (!parse_timestamp(v, &us)) {
        *reason = quoted(v) + " is not a timestamp between the years 1 and 9999";
        return false;
      }
      return b.append_ts(us), true;
    }
  }
  *reason = "unknown type";
  return false;
}

bool format_timestamp(int64_t micros, std::string& out) {
  int64_t days = micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  int64_t rest = micros - days * kMicrosPerDay;
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  if (y < 1 || y > 9999) return false;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d", static_cast<int>(y), m, d,
                static_cast<int>(rest / 3'600'000'000LL), static_cast<int>(rest / 60'000'000 % 60),
                static_cast<int>(rest / 1'000'000 % 60), static_cast<int>(rest % 1'000'000));
  out += buf;
  return true;
}

bool parse_timestamp(std::string_view v, int64_t* micros) {
  size_t i = 0;
  int64_t days;
  if (!parse_date_part(v, &i, &days)) return false;
  int64_t us = days * kMicrosPerDay;
  if (i < v.size() && (v[i] == ' ' || v[i] == 'T')) {
    ++i;
    int64_t hh, mm, ss;
    if (!digits(v, &i, 2, &hh) || i >= v.size() || v[i++] != ':' || !digits(v, &i, 2, &mm) || i >= v.size() ||
        v[i++] != ':' || !digits(v, &i, 2, &ss) || hh > 24 || mm > 59 || ss > 60)
      return false;
    us += ((hh * 60 + mm) * 60 + ss) * 1'000'000;
    if (i < v.size() && v[i] == '.') {
      ++i;
      int64_t frac = 0, scale = 100'000;
      size_t start = i;
      while (i < v.size() && v[i] >= '0' && v[i] <= '9') {
        frac += (v[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      if (i == start) return false;
      us += frac;
    }
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) {
      int sign = v[i++] == '-' ? -1 : 1;
      int64_t oh = 0, om = 0, os = 0;
      if (!digits(v, &i, 2, &oh)) return false;
      if (i < v.size() && v[i] == ':') {
        ++i;
        if (!digits(v, &i, 2, &om)) return false;
        if (i < v.size() && v[i] == ':') {
          ++i;
          if (!digits(v, &i, 2, &os)) return false;
        }
      }
      us -= sign * ((oh * 60 + om) * 60 + os) * 1'000'000;  // local = UTC + offset
    }
  }
  if (i != v.size()) return false;
  *micros = us;
  return true;
}

std::string quote_ident(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string create_type_for(trestle::Type t) {
  switch (t) {
    case trestle::Type::Bool: return "boolean";
    case trestle::Type::Int32: return "integer";
    case trestle::Type::Int64: return "bigint";
    case trestle::Type::Float32: return "real";
    case trestle::Type::Float64: return "double precision";
    case trestle::Type::Utf8: return "text";
    case trestle::Type::TimestampUs: return "timestamp with time zone";
  }
  return "text";
}

ValueWriter ValueWriter::make(const trestle::Field& in, const TargetColumn& target, const std::string& table) {
  using T = trestle::Type;
  ValueWriter w;
  w.in_ = in.type;
  w.column_ = target.name;
  w.type_ = target.type;
  w.table_ = table;
  w.not_null_ = target.not_null;
  bool ok = false;
  const bool integer = in.type == T::Int32 || in.type == T::Int64;
  const bool floating = in.type == T::Float32 || in.type == T::Float64;
  switch (target.oid) {
    case kBoolOid: w.kind_ = Kind::Bool, ok = in.type == T::Bool; break;
    case kInt2Oid: w.kind_ = Kind::Int2, ok = integer; break;
    case kInt4Oid: w.kind_ = Kind::Int4, ok = integer; break;
    case kInt8Oid: w.kind_ = Kind::Int8, ok = integer; break;
    case kFloat4Oid: w.kind_ = Kind::Float4, ok = floating; break;
    case kFloat8Oid: w.kind_ = Kind::Float8, ok = floating || integer; break;
    case kNumericOid:
      w.kind_ = Kind::Numeric, ok = floating || integer;
      if (target.typmod >= 4) {
        w.numeric_precision_ = ((target.typmod - 4) >> 16) & 0xFFFF;
        w.numeric_scale_ = static_cast<int16_t>((target.typmod - 4) & 0xFFFF);
      }
      break;
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:
      w.kind_ = Kind::Text, ok = in.type == T::Utf8;
      if (target.typmod >= 4) w.max_chars_ = target.typmod - 4;
      w.blank_padded_ = target.oid == kBpcharOid;
      break;
    case kDateOid: w.kind_ = Kind::Date, ok = in.type == T::Utf8; break;
    case kTimestampOid: w.kind_ = Kind::Timestamp, ok = in.type == T::TimestampUs; break;
    case kTimestampTzOid: w.kind_ = Kind::TimestampTz, ok = in.type == T::TimestampUs; break;
    default: ok = false;
  }
  if (!ok)
    throw trestle::InvalidArgument("column \"" + in.name + "\" is " + trestle::type_name(in.type) +
                                   " in the input but " + target.type + " in table " + table +
                                   ", which the sink cannot write it into (cast it upstream or change the column)");
  return w;
}

bool ValueWriter::append_number(double v, std::string& out, std::string* reason) const {
  if (std::isnan(v) || std::isinf(v)) {
    if (kind_ == Kind::Numeric && numeric_precision_ >= 0 && std::isinf(v)) {
      *reason = "column \"" + column_ + "\" is " + type_ + ", which cannot hold " + (v > 0 ? "Infinity" : "-Infinity");
      return false;
    }
    append_float(out, v);
    return true;
  }
  if (kind_ == Kind::Numeric && numeric_precision_ >= 0) {
    const double limit = std::pow(10.0, numeric_precision_ - numeric_scale_) - 0.5 * std::pow(10.0, -numeric_scale_);
    if (std::fabs(v) >= limit) {
      std::string text;
      append_float(text, v);
      *reason = "value " + text + " does not fit column \"" + column_ + "\" of type " + type_;
      return false;
    }
  }
  append_float(out, v);
  return true;
}

bool ValueWriter::append(const trestle::Column& c, int64_t r, std::string& out, std::string* reason) const {
  using T = trestle::Type;
  if (c.is_null(r)) {
    if (not_null_) {
      *reason = "null in column \"" + column_ + "\", which is NOT NULL in table " + table_;
      return false;
    }
    out += "\\N";
    return true;
  }
  auto out_of_range = [&](const std::string& text) {
    *reason = "value " + text + " of column \"" + column_ + "\" is out of the range of its type " + type_ + " in table " +
              table_;
    return false;
  };
  switch (kind_) {
    case Kind::Bool: out += c.bool_at(r) ? 't' : 'f'; return true;
    case Kind::Int2:
    case Kind::Int4:
    case Kind::Int8: {
      int64_t v = in_ == T::Int32 ? c.i32(r) : c.i64(r);
      int64_t lo = kind_ == Kind::Int2 ? std::numeric_limits<int16_t>::min()
                   : kind_ == Kind::Int4 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int64_t>::min();
      int64_t hi = kind_ == Kind::Int2 ? std::numeric_limits<int16_t>::max()
                   : kind_ == Kind::Int4 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max();
      if (v < lo || v > hi) return out_of_range(std::to_string(v));
      append_int(out, v);
      return true;
    }
    case Kind::Float4: {
      double v = in_ == T::Float32 ? c.f32(r) : c.f64(r);
      if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) {
        std::string text;
        append_float(text, v);
        return out_of_range(text);
      }
      append_float(out, static_cast<float>(v));
      return true;
    }
    case Kind::Float8:
    case Kind::Numeric: {
      if (in_ == T::Int32 || in_ == T::Int64) {
        int64_t v = in_ == T::Int32 ? c.i32(r) : c.i64(r);
        if (kind_ == Kind::Numeric && numeric_precision_ >= 0 &&
            std::fabs(static_cast<double>(v)) >= std::pow(10.0, numeric_precision_ - numeric_scale_))
          return out_of_range(std::to_string(v));
        append_int(out, v);
        return true;
      }
      if (in_ == T::Float32) {
        float f = c.f32(r);
        if (kind_ == Kind::Float8 || std::isnan(f)) {
          append_float(out, f);
          return true;
        }
        return append_number(static_cast<double>(f), out, reason);
      }
      return append_number(c.f64(r), out, reason);
    }
    case Kind::Text: {
      std::string_view s = c.str(r);
      if (std::memchr(s.data(), '\0', s.size()) != nullptr) {
        *reason = "column \"" + column_ + "\" holds a NUL byte, which PostgreSQL text cannot store";
        return false;
      }
      if (!valid_utf8(s)) {
        *reason = "column \"" + column_ + "\" is not valid UTF-8";
        return false;
      }
      if (max_chars_ >= 0) {
        std::string_view counted = s;
        if (blank_padded_)
          while (!counted.empty() && counted.back() == ' ') counted.remove_suffix(1);
        int64_t n = utf8_chars(counted);
        if (n > max_chars_) {
          *reason = "value of column \"" + column_ + "\" is " + std::to_string(n) + " characters, longer than its type " +
                    type_ + " in table " + table_ + " allows";
          return false;
        }
      }
      append_escaped(out, s);
      return true;
    }
    case Kind::Date: {
      std::string_view s = c.str(r);
      size_t i = 0;
      int64_t days;
      if (!parse_date_part(s, &i, &days) || i != s.size()) {
        *reason = "column \"" + column_ + "\" is a date in table " + table_ + " but " + quoted(s) +
                  " is not a YYYY-MM-DD date";
        return false;
      }
      out.append(s);
      return true;
    }
    case Kind::Timestamp:
    case Kind::TimestampTz: {
      size_t before = out.size();
      if (!format_timestamp(c.ts(r), out)) {
        out.resize(before);
        return out_of_range(std::to_string(c.ts(r)) + " us since 1970");
      }
      if (kind_ == Kind::TimestampTz) out += "+00";
      return true;
    }
  }
  *reason = "unknown column kind";
  return false;
}

}  // namespace trestle_pg
