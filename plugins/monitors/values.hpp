#pragma once
// Typed loops over a column's non-null values without a per-row type switch.

#include <cstdint>

#include <trestle/column.hpp>

namespace monitors {

/// Calls f(row, value) for every non-null row of a numeric column (any type but utf8;
/// bool as 0/1, timestamps as microseconds), in row order.
template <typename F>
void for_each_number(const trestle::Column& c, F&& f) {
  const int64_t n = c.size();
  const bool nulls = c.validity_buffer() != nullptr && c.null_count() > 0;
  auto loop = [&](auto read) {
    for (int64_t r = 0; r < n; ++r)
      if (!nulls || c.is_valid(r)) f(r, static_cast<double>(read(r)));
  };
  switch (c.type()) {
    case trestle::Type::Bool: loop([&](int64_t r) { return c.bool_at(r) ? 1.0 : 0.0; }); break;
    case trestle::Type::Int32: {
      const int32_t* v = c.data<int32_t>();
      loop([v](int64_t r) { return v[r]; });
      break;
    }
    case trestle::Type::Int64:
    case trestle::Type::TimestampUs: {
      const int64_t* v = c.data<int64_t>();
      loop([v](int64_t r) { return v[r]; });
      break;
    }
    case trestle::Type::Float32: {
      const float* v = c.data<float>();
      loop([v](int64_t r) { return v[r]; });
      break;
    }
    case trestle::Type::Float64: {
      const double* v = c.data<double>();
      loop([v](int64_t r) { return v[r]; });
      break;
    }
    case trestle::Type::Utf8: break;
  }
}

}  // namespace monitors
