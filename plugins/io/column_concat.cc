#include "column_concat.h"

#include <cstring>
#include <limits>
#include <memory>
#include <string>

namespace trestle_io {
namespace {

struct Buffers {
  std::vector<uint8_t> validity;
  std::vector<uint8_t> values;
  std::string data;
};

void set_bit(uint8_t* bits, int64_t i) { bits[i >> 3] = static_cast<uint8_t>(bits[i >> 3] | (1u << (i & 7))); }

size_t fixed_width(trestle::Type t) {
  switch (t) {
    case trestle::Type::Int32:
    case trestle::Type::Float32: return 4;
    case trestle::Type::Int64:
    case trestle::Type::TimestampUs:
    case trestle::Type::Float64: return 8;
    default: return 0;
  }
}

}  // namespace

trestle::Column concat_columns(const std::vector<trestle::Column>& parts) {
  if (parts.size() == 1) return parts[0];
  if (parts.empty()) throw trestle::Internal("concat_columns: no parts");
  const trestle::Type type = parts[0].type();
  int64_t rows = 0, nulls = 0;
  for (const auto& p : parts) {
    if (p.type() != type) throw trestle::Internal("concat_columns: parts of different types");
    rows += p.size();
    nulls += p.null_count();
  }
  if (rows == 0) return trestle::ColumnBuilder(type).finish();

  auto b = std::make_shared<Buffers>();
  if (nulls > 0) {
    b->validity.assign(static_cast<size_t>((rows + 7) / 8), 0);
    int64_t at = 0;
    for (const auto& p : parts)
      for (int64_t i = 0; i < p.size(); ++i, ++at)
        if (p.is_valid(i)) set_bit(b->validity.data(), at);
  }
  if (type == trestle::Type::Bool) {
    b->values.assign(static_cast<size_t>((rows + 7) / 8), 0);
    int64_t at = 0;
    for (const auto& p : parts)
      for (int64_t i = 0; i < p.size(); ++i, ++at)
        if (p.is_valid(i) && p.bool_at(i)) set_bit(b->values.data(), at);
  } else if (type == trestle::Type::Utf8) {
    // Offsets (int32, one more than rows) rebased onto the joined data.
    b->values.resize(static_cast<size_t>(rows + 1) * sizeof(int32_t));
    auto* out = reinterpret_cast<int32_t*>(b->values.data());
    size_t bytes = 0;
    for (const auto& p : parts) {
      const int32_t* o = static_cast<const int32_t*>(p.values_buffer()) + p.offset();
      bytes += static_cast<size_t>(o[p.size()] - o[0]);
    }
    if (bytes > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
      throw trestle::Internal("concat_columns: more than 2 GiB of text in one column");
    b->data.reserve(bytes);
    int64_t at = 0;
    out[0] = 0;
    for (const auto& p : parts) {
      const int32_t* o = static_cast<const int32_t*>(p.values_buffer()) + p.offset();
      const auto base = static_cast<int32_t>(b->data.size()) - o[0];
      for (int64_t i = 1; i <= p.size(); ++i) out[at + i] = o[i] + base;
      b->data.append(p.data_buffer() + o[0], static_cast<size_t>(o[p.size()] - o[0]));
      at += p.size();
    }
  } else {
    const size_t w = fixed_width(type);
    b->values.resize(static_cast<size_t>(rows) * w);
    size_t at = 0;
    for (const auto& p : parts) {
      const size_t n = static_cast<size_t>(p.size()) * w;
      std::memcpy(b->values.data() + at, static_cast<const uint8_t*>(p.values_buffer()) + p.offset() * w, n);
      at += n;
    }
  }
  const uint8_t* validity = b->validity.empty() ? nullptr : b->validity.data();
  const void* values = b->values.data();
  const char* data = type == trestle::Type::Utf8 ? b->data.data() : nullptr;
  return trestle::Column(type, rows, 0, nulls, validity, values, data, std::move(b));
}

}  // namespace trestle_io
