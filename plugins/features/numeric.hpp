#pragma once
// Numeric columns as `impute` and `scale` read them: int32, int64, float32 or float64,
// read as double with the typed accessor of the column's type (chosen once per column,
// not per row).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <trestle/sdk.hpp>

namespace features {

/// The field `name`, which must be int32, int64, float32 or float64; throws
/// InvalidArgument naming the column and its type otherwise.
inline const trestle::Field& require_number(const trestle::Schema& in, const std::string& name) {
  const trestle::Field& f = in.require(name);
  using trestle::Type;
  if (f.type != Type::Int32 && f.type != Type::Int64 && f.type != Type::Float32 && f.type != Type::Float64)
    throw trestle::InvalidArgument("requires column \"" + name + "\" to be a number (int32, int64, float32 or float64), but the input has it as " +
                                   trestle::type_name(f.type));
  return f;
}

/// Calls value(row, double) for every non-null row of `c` and null(row) for every null.
template <typename Value, typename Null>
void for_each_number(const trestle::Column& c, Value&& value, Null&& null) {
  auto loop = [&](auto read) {
    for (int64_t r = 0; r < c.size(); ++r) {
      if (c.is_null(r)) null(r);
      else value(r, read(r));
    }
  };
  switch (c.type()) {
    case trestle::Type::Int32: return loop([&](int64_t r) { return static_cast<double>(c.i32(r)); });
    case trestle::Type::Int64: return loop([&](int64_t r) { return static_cast<double>(c.i64(r)); });
    case trestle::Type::Float32: return loop([&](int64_t r) { return static_cast<double>(c.f32(r)); });
    case trestle::Type::Float64: return loop([&](int64_t r) { return c.f64(r); });
    default: throw trestle::Internal(std::string("a ") + trestle::type_name(c.type()) + " column is not a number");
  }
}

/// A float64 column without nulls that takes over `values` (no copy).
inline trestle::Column f64_column(std::vector<double> values) {
  static constexpr double kNone = 0;
  auto owner = std::make_shared<std::vector<double>>(std::move(values));
  const void* data = owner->empty() ? &kNone : static_cast<const void*>(owner->data());
  auto rows = static_cast<int64_t>(owner->size());
  return trestle::Column(trestle::Type::Float64, rows, 0, 0, nullptr, data, nullptr, std::move(owner));
}

}  // namespace features
