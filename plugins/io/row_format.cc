#include "row_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "timestamp.h"

namespace trestle_io {
namespace {

template <typename T>
void append_integer(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

template <typename T>
void append_general(std::string& out, T v, int precision) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
  out.append(buf, r.ptr);
}

template <typename T>
void append_shortest_json(std::string& out, T v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
  if (std::find_if(buf, r.ptr, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == r.ptr) out += ".0";
}

bool csv_needs_quotes(std::string_view s, char delimiter) {
  if (s.empty() || s == "NA" || s == "null") return true;
  for (char c : s)
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  return false;
}

void append_csv_string(std::string& out, std::string_view s, char delimiter) {
  if (!csv_needs_quotes(s, delimiter)) {
    out.append(s);
    return;
  }
  out += '"';
  size_t from = 0;
  for (size_t q = s.find('"'); q != std::string_view::npos; q = s.find('"', q + 1)) {
    out.append(s.substr(from, q + 1 - from));
    out += '"';
    from = q + 1;
  }
  out.append(s.substr(from));
  out += '"';
}

// Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0.
size_t utf8_sequence(const unsigned char* p, size_t left) {
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < left && p[i] >= lo && p[i] <= hi;
  };
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

void append_csv_header(std::string& out, const trestle::Schema& schema, char delimiter) {
  for (size_t c = 0; c < schema.size(); ++c) {
    if (c > 0) out += delimiter;
    append_csv_string(out, schema.field(c).name, delimiter);
  }
  out += '\n';
}

void append_csv_rows(std::string& out, const trestle::Batch& batch, const CsvFormat& format, int64_t begin,
                     int64_t end) {
  const auto& cols = batch.columns();
  const size_t ncols = cols.size();
  const char d = format.delimiter;
  const int p64 = format.float_precision;
  const int p32 = std::min(format.float_precision, 9);
  for (int64_t r = begin; r < end; ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      if (c > 0) out += d;
      const trestle::Column& col = cols[c];
      if (col.is_null(r)) continue;
      switch (col.type()) {
        case trestle::Type::Bool: out += col.bool_at(r) ? "true" : "false"; break;
        case trestle::Type::Int32: append_integer(out, col.i32(r)); break;
        case trestle::Type::Int64: append_integer(out, col.i64(r)); break;
        case trestle::Type::Float32: append_general(out, col.f32(r), p32); break;
        case trestle::Type::Float64: append_general(out, col.f64(r), p64); break;
        case trestle::Type::TimestampUs: append_timestamp(out, col.ts(r)); break;
        case trestle::Type::Utf8: append_csv_string(out, col.str(r), d); break;
      }
    }
    out += '\n';
  }
}

void append_json_string(std::string& out, std::string_view s, JsonStats* stats) {
  static const char kHex[] = "0123456789abcdef";
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  out += '"';
  size_t run = 0;  // start of bytes that go out unchanged
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (size_t len = utf8_sequence(p + i, n - i)) {
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
          if (stats) ++stats->invalid_utf8;
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, n - run);
  out += '"';
}

void append_jsonl_rows(std::string& out, const trestle::Batch& batch, int64_t begin, int64_t end,
                       JsonStats* stats) {
  const auto& cols = batch.columns();
  const size_t ncols = cols.size();
  // `{"a":` then `,"b":`...: built once per batch.
  std::vector<std::string> keys(ncols);
  for (size_t c = 0; c < ncols; ++c) {
    keys[c].assign(1, c == 0 ? '{' : ',');
    append_json_string(keys[c], batch.schema().field(c).name, nullptr);
    keys[c] += ':';
  }
  int64_t non_finite = 0;
  for (int64_t r = begin; r < end; ++r) {
    if (ncols == 0) out += '{';
    for (size_t c = 0; c < ncols; ++c) {
      out += keys[c];
      const trestle::Column& col = cols[c];
      if (col.is_null(r)) {
        out += "null";
        continue;
      }
      switch (col.type()) {
        case trestle::Type::Bool: out += col.bool_at(r) ? "true" : "false"; break;
        case trestle::Type::Int32: append_integer(out, col.i32(r)); break;
        case trestle::Type::Int64: append_integer(out, col.i64(r)); break;
        case trestle::Type::Float32: {
          float v = col.f32(r);
          if (std::isfinite(v)) append_shortest_json(out, v);
          else out += "null", ++non_finite;
          break;
        }
        case trestle::Type::Float64: {
          double v = col.f64(r);
          if (std::isfinite(v)) append_shortest_json(out, v);
          else out += "null", ++non_finite;
          break;
        }
        case trestle::Type::TimestampUs:
          out += '"';
          append_timestamp(out, col.ts(r));
          out += '"';
          break;
        case trestle::Type::Utf8: append_json_string(out, col.str(r), stats); break;
      }
    }
    out += "}\n";
  }
  if (stats) stats->non_finite += non_finite;
}

}  // namespace trestle_io
