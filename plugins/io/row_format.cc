#include "row_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "timestamp_text.hpp"

namespace trestle_io {
namespace {

template <typename T>
void append_integer(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// precision 0: the shortest text that reads back to the same T (so a float32 value is
// not widened to double first, which would print the widening's extra digits).
template <typename T>
void append_float(std::string& out, T v, int precision) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  char buf[64];
  auto r = precision > 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision)
                         : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
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
  const int p32 = std::min(format.float_precision, 9);  // 0 stays 0: shortest
  for (int64_t r = begin; r < end; ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      if (c > 0) out += d;
      const trestle::Column& col = cols[c];
      if (col.is_null(r)) continue;
      switch (col.type()) {
        case trestle::Type::Bool: out += col.bool_at(r) ? "true" : "false"; break;
        case trestle::Type::Int32: append_integer(out, col.i32(r)); break;
        case trestle::Type::Int64: append_integer(out, col.i64(r)); break;
        case trestle::Type::Float32: append_float(out, col.f32(r), p32); break;
        case trestle::Type::Float64: append_float(out, col.f64(r), p64); break;
        case trestle::Type::TimestampUs: trestle_support::append_timestamp(out, col.ts(r)); break;
        case trestle::Type::Utf8: append_csv_string(out, col.str(r), d); break;
      }
    }
    out += '\n';
  }
}

void append_jsonl_rows(std::string& out, const trestle::Batch& batch, int64_t begin, int64_t end,
                       trestle_support::JsonStats* stats) {
  const trestle_support::JsonRowWriter writer(batch.schema());
  for (int64_t r = begin; r < end; ++r) {
    writer.append_row(out, batch, r, stats);
    out += '\n';
  }
}

}  // namespace trestle_io
