#include "value_codec.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include <trestle/error.hpp>

namespace trestle_aggregate {
namespace {

constexpr char kNull = 0x00;
constexpr char kValue = 0x01;

template <typename U>
void put_be(std::string& out, U v) {
  char b[sizeof(U)];
  for (size_t i = 0; i < sizeof(U); ++i) b[i] = static_cast<char>(v >> (8 * (sizeof(U) - 1 - i)));
  out.append(b, sizeof(U));
}

template <typename U>
U get_be(std::string_view& in) {
  if (in.size() < sizeof(U)) throw trestle::Internal("group_aggregate: a value encoding is truncated");
  U v = 0;
  for (size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | static_cast<unsigned char>(in[i]));
  in.remove_prefix(sizeof(U));
  return v;
}

// Floats: one bit pattern per class of equal values, then the sign trick.
template <typename F, typename U>
U float_key(F f) {
  if (std::isnan(f)) f = std::numeric_limits<F>::quiet_NaN();
  if (f == 0) f = 0;  // -0.0 == 0.0: one group
  U bits;
  std::memcpy(&bits, &f, sizeof bits);
  constexpr U sign = U{1} << (8 * sizeof(U) - 1);
  return (bits & sign) ? static_cast<U>(~bits) : static_cast<U>(bits | sign);
}

template <typename F, typename U>
F float_of(U key) {
  constexpr U sign = U{1} << (8 * sizeof(U) - 1);
  U bits = (key & sign) ? static_cast<U>(key & ~sign) : static_cast<U>(~key);
  F f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

void encode_value(const trestle::Column& c, int64_t row, std::string& out) {
  using trestle::Type;
  if (c.is_null(row)) {
    out.push_back(kNull);
    return;
  }
  out.push_back(kValue);
  switch (c.type()) {
    case Type::Bool: out.push_back(c.bool_at(row) ? 1 : 0); return;
    case Type::Int32: put_be<uint32_t>(out, static_cast<uint32_t>(c.i32(row)) ^ 0x80000000u); return;
    case Type::Int64:
    case Type::TimestampUs: put_be<uint64_t>(out, static_cast<uint64_t>(c.i64(row)) ^ (uint64_t{1} << 63)); return;
    case Type::Float32: put_be<uint32_t>(out, float_key<float, uint32_t>(c.f32(row))); return;
    case Type::Float64: put_be<uint64_t>(out, float_key<double, uint64_t>(c.f64(row))); return;
    case Type::Utf8: {
      for (char ch : c.str(row)) {
        out.push_back(ch);
        if (ch == 0) out.push_back(static_cast<char>(0xFF));
      }
      out.push_back(0);
      out.push_back(0);
      return;
    }
  }
}

void decode_value(std::string_view& in, trestle::Type t, trestle::ColumnBuilder& b) {
  using trestle::Type;
  if (in.empty()) throw trestle::Internal("group_aggregate: a value encoding is truncated");
  const char tag = in.front();
  in.remove_prefix(1);
  if (tag == kNull) return b.append_null();
  switch (t) {
    case Type::Bool: {
      if (in.empty()) throw trestle::Internal("group_aggregate: a value encoding is truncated");
      b.append_bool(in.front() != 0);
      in.remove_prefix(1);
      return;
    }
    case Type::Int32: return b.append_i32(static_cast<int32_t>(get_be<uint32_t>(in) ^ 0x80000000u));
    case Type::Int64: return b.append_i64(static_cast<int64_t>(get_be<uint64_t>(in) ^ (uint64_t{1} << 63)));
    case Type::TimestampUs: return b.append_ts(static_cast<int64_t>(get_be<uint64_t>(in) ^ (uint64_t{1} << 63)));
    case Type::Float32: return b.append_f32(float_of<float, uint32_t>(get_be<uint32_t>(in)));
    case Type::Float64: return b.append_f64(float_of<double, uint64_t>(get_be<uint64_t>(in)));
    case Type::Utf8: {
      std::string s;
      for (size_t i = 0;; ++i) {
        if (i + 1 >= in.size()) throw trestle::Internal("group_aggregate: a string encoding is unterminated");
        if (in[i] != 0) {
          s.push_back(in[i]);
          continue;
        }
        if (in[i + 1] == 0) {
          in.remove_prefix(i + 2);
          break;
        }
        s.push_back(0);  // 0x00 0xFF: an escaped zero byte
        ++i;
      }
      return b.append_str(s);
    }
  }
}

}  // namespace trestle_aggregate
