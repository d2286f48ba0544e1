#pragma once
// The value conversions of `cast`, one template per (from, to) pair of column types so
// that the per-row loop has no dispatch: the pair is chosen once per column.
//
//   numbers and bool   among each other; bool <-> number only as 0/1; to an integer
//                      only when whole and in range; float64 -> float32 only in range
//   utf8 -> anything   parsed (see text.hpp); utf8 -> integer also takes "3.0", "1e3"
//   anything -> utf8   formatted: true/false, integers, the shortest text that reads
//                      back to the same float64 / float32, ISO-8601 timestamps
//   timestamp          <-> int32/int64 as microseconds since the Unix epoch, <-> utf8

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <trestle/sdk.hpp>

#include "text.hpp"

namespace features {

/// Why a value did not convert.
enum class Fail { None, Syntax, NotWhole, NotFinite, Range, NotZeroOne };

/// True when `cast` converts from `from` to `to` at all (values may still fail).
inline bool castable(trestle::Type from, trestle::Type to) {
  using trestle::Type;
  if (from == to || from == Type::Utf8 || to == Type::Utf8) return true;
  if (from == Type::TimestampUs) return to == Type::Int32 || to == Type::Int64;
  if (to == Type::TimestampUs) return from == Type::Int32 || from == Type::Int64;
  return true;
}

struct Micros {
  int64_t us;
};

/// Native value type, typed read and append of each column type.
template <trestle::Type T>
struct Cell;
#define FEATURES_CELL(TYPE, NATIVE, READ, APPEND)                                                  \
  template <>                                                                                      \
  struct Cell<trestle::Type::TYPE> {                                                               \
    using V = NATIVE;                                                                              \
    static V read(const trestle::Column& c, int64_t r) { return READ; }                           \
    static void append(trestle::ColumnBuilder& b, V v) { APPEND; }                                 \
  };
FEATURES_CELL(Bool, bool, c.bool_at(r), b.append_bool(v))
FEATURES_CELL(Int32, int32_t, c.i32(r), b.append_i32(v))
FEATURES_CELL(Int64, int64_t, c.i64(r), b.append_i64(v))
FEATURES_CELL(Float32, float, c.f32(r), b.append_f32(v))
FEATURES_CELL(Float64, double, c.f64(r), b.append_f64(v))
FEATURES_CELL(Utf8, std::string_view, c.str(r), b.append_str(v))
FEATURES_CELL(TimestampUs, Micros, Micros{c.ts(r)}, b.append_ts(v.us))
#undef FEATURES_CELL

/// A number (or bool) as number type D.
template <typename D, typename S>
Fail to_number(S v, D& out) {
  if constexpr (std::is_same_v<D, bool>) {
    if (v == S(0)) out = false;
    else if (v == S(1)) out = true;
    else return Fail::NotZeroOne;
  } else if constexpr (std::is_integral_v<D>) {
    if constexpr (std::is_same_v<S, bool>) {
      out = v ? 1 : 0;
    } else if constexpr (std::is_integral_v<S>) {
      if (!std::in_range<D>(v)) return Fail::Range;
      out = static_cast<D>(v);
    } else {
      const double d = v;
      const double limit = std::ldexp(1.0, std::numeric_limits<D>::digits);  // exact
      if (!std::isfinite(d)) return Fail::NotFinite;
      if (std::trunc(d) != d) return Fail::NotWhole;
      if (d < -limit || d >= limit) return Fail::Range;
      out = static_cast<D>(d);
    }
  } else {
    if constexpr (std::is_same_v<D, float> && std::is_same_v<S, double>)
      if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) return Fail::Range;
    out = static_cast<D>(v);
  }
  return Fail::None;
}

inline std::string_view to_text(bool v, char*) { return v ? "true" : "false"; }
inline std::string_view to_text(int32_t v, char* buf) { return format_int(v, buf); }
inline std::string_view to_text(int64_t v, char* buf) { return format_int(v, buf); }
inline std::string_view to_text(float v, char* buf) { return format_float(v, buf); }
inline std::string_view to_text(double v, char* buf) { return format_double(v, buf); }
inline std::string_view to_text(Micros v, char* buf) { return format_timestamp(v.us, buf); }
inline std::string_view to_text(std::string_view v, char*) { return v; }

template <typename D>
Fail from_text(std::string_view s, D& out) {
  if constexpr (std::is_same_v<D, bool>) {
    return parse_bool(s, out) ? Fail::None : Fail::Syntax;
  } else if constexpr (std::is_same_v<D, Micros>) {
    return parse_timestamp(s, out.us) ? Fail::None : Fail::Syntax;
  } else if constexpr (std::is_integral_v<D>) {
    int64_t i;
    ParseStatus st = parse_int64(s, i);
    if (st == ParseStatus::Ok) return to_number(i, out);
    if (st == ParseStatus::Range) return Fail::Range;
    double d;
    st = parse_double(s, d);  // "3.0", "1e3"
    if (st != ParseStatus::Ok) return st == ParseStatus::Range ? Fail::Range : Fail::Syntax;
    return to_number(d, out);
  } else {
    ParseStatus st;
    if constexpr (std::is_same_v<D, float>) st = parse_float(s, out);
    else st = parse_double(s, out);
    return st == ParseStatus::Ok ? Fail::None : st == ParseStatus::Range ? Fail::Range : Fail::Syntax;
  }
}

/// Converts one value from column type S to column type D; `buf` (kTextBuffer chars)
/// holds formatted text, so a utf8 result is valid until the next call.
template <trestle::Type S, trestle::Type D>
Fail convert(typename Cell<S>::V v, typename Cell<D>::V& out, char* buf) {
  using trestle::Type;
  if constexpr (S == D) {
    out = v;
    return Fail::None;
  } else if constexpr (D == Type::Utf8) {
    out = to_text(v, buf);
    return Fail::None;
  } else if constexpr (S == Type::Utf8) {
    return from_text(v, out);
  } else if constexpr (D == Type::TimestampUs) {
    if constexpr (S == Type::Int32 || S == Type::Int64) out = Micros{v};
    return Fail::None;  // other sources are refused by castable()
  } else if constexpr (S == Type::TimestampUs) {
    return to_number(v.us, out);
  } else {
    return to_number(v, out);
  }
}

/// Why, for a reject reason or log line.
inline std::string fail_text(Fail f, trestle::Type to) {
  using trestle::Type;
  switch (f) {
    case Fail::Syntax:
      if (to == Type::Bool) return "not true, false, 1 or 0";
      if (to == Type::TimestampUs) return "not an ISO-8601 timestamp";
      return "not a number";
    case Fail::NotWhole: return "not a whole number";
    case Fail::NotFinite: return "not a finite number";
    case Fail::Range: return std::string("out of range for ") + trestle::type_name(to);
    case Fail::NotZeroOne: return "only 0 and 1 convert to bool";
    case Fail::None: break;
  }
  return "";
}

/// A value as the reason for a reject shows it: strings quoted (and cut at 80 bytes).
template <typename V>
std::string show(V v) {
  char buf[kTextBuffer];
  if constexpr (std::is_same_v<V, std::string_view>) {
    std::string out(1, '"');  // appended piecewise: GCC 12 -Wrestrict misfires on "literal" + string
    out.append(v.substr(0, 80));
    out.append(v.size() > 80 ? "...\"" : "\"");
    return out;
  } else {
    return std::string(to_text(v, buf));
  }
}

}  // namespace features
