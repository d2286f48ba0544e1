#include "row_json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "timestamp_text.hpp"

namespace trestle_support {
namespace {

template <typename T>
void append_integer(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Shortest round-trip text; ".0" added when it would read as an integer.
template <typename T>
bool append_float(std::string& out, T v) {
  if (!std::isfinite(v)) {
    out += "null";
    return false;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
  if (std::none_of(buf, r.ptr, [](char c) { return c == '.' || c == 'e' || c == 'E'; })) out += ".0";
  return true;
}

}  // namespace

size_t utf8_sequence_length(const unsigned char* p, size_t left) {
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < left && p[i] >= lo && p[i] <= hi;
  };
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no surrogates
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

void append_json_string(std::string& out, std::string_view s, JsonStats* stats) {
  static const char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  out += '"';
  size_t run = 0;  // start of the bytes that go out unchanged
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (size_t len = utf8_sequence_length(p + i, n - i)) {
        i += len;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no valid sequence
          if (stats != nullptr) ++stats->invalid_utf8;
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

JsonRowWriter::JsonRowWriter(const trestle::Schema& schema, TimestampSuffix suffix)
    : z_(suffix == TimestampSuffix::kZ) {
  keys_.resize(schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    keys_[c].assign(1, c == 0 ? '{' : ',');
    append_json_string(keys_[c], schema.field(c).name, nullptr);
    keys_[c] += ':';
  }
}

void JsonRowWriter::append_row(std::string& out, const trestle::Batch& batch, int64_t r, JsonStats* stats) const {
  const auto& cols = batch.columns();
  const size_t ncols = std::min(cols.size(), keys_.size());
  int64_t non_finite = 0;
  if (ncols == 0) out += '{';
  for (size_t c = 0; c < ncols; ++c) {
    out += keys_[c];
    const trestle::Column& col = cols[c];
    if (col.is_null(r)) {
      out += "null";
      continue;
    }
    switch (col.type()) {
      case trestle::Type::Bool: out += col.bool_at(r) ? "true" : "false"; break;
      case trestle::Type::Int32: append_integer(out, col.i32(r)); break;
      case trestle::Type::Int64: append_integer(out, col.i64(r)); break;
      case trestle::Type::Float32: non_finite += append_float(out, col.f32(r)) ? 0 : 1; break;
      case trestle::Type::Float64: non_finite += append_float(out, col.f64(r)) ? 0 : 1; break;
      case trestle::Type::TimestampUs:
        out += '"';
        append_timestamp(out, col.ts(r));
        if (z_) out += 'Z';
        out += '"';
        break;
      case trestle::Type::Utf8: append_json_string(out, col.str(r), stats); break;
    }
  }
  out += '}';
  if (stats != nullptr) stats->non_finite += non_finite;
}

}  // namespace trestle_support
