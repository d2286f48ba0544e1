#pragma once
/// Dense feature assembly for model plugins: copies named feature columns of a batch
/// into one row-major matrix (rows x features), the layout XGBoost, LibTorch and ONNX
/// take as input. One pass per column, no allocation per row; the caller owns the
/// output buffer and may reuse it across batches.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "trestle/batch.hpp"
#include "trestle/error.hpp"
#include "trestle/schema.hpp"

namespace trestle {

/// The input column index of each feature, in the model's feature order. Throws
/// InvalidArgument naming the first feature the schema lacks or holds as text.
inline std::vector<size_t> feature_columns(const Schema& input, const std::vector<std::string>& features) {
  std::vector<size_t> index;
  index.reserve(features.size());
  for (const auto& f : features) {
    input.require_numeric(f);
    index.push_back(static_cast<size_t>(input.index_of(f)));
  }
  return index;
}

/// Fills `out` (resized to rows * columns.size()) with batch column columns[j] in
/// column j of each row; bool reads as 0/1, nulls become NaN. T is float or double.
template <typename T>
void to_row_major(const Batch& batch, const std::vector<size_t>& columns, std::vector<T>& out) {
  const auto rows = static_cast<size_t>(batch.num_rows());
  const size_t width = columns.size();
  out.resize(rows * width);
  if (out.empty()) return;  // no rows: out.data() may be null
  constexpr T kMissing = std::numeric_limits<T>::quiet_NaN();
  for (size_t j = 0; j < width; ++j) {
    const Column& c = batch.column(columns[j]);
    T* dst = out.data() + j;
    auto copy = [&](auto read) {
      for (size_t r = 0; r < rows; ++r) dst[r * width] = static_cast<T>(read(static_cast<int64_t>(r)));
    };
    switch (c.type()) {
      case Type::Bool: copy([&](int64_t r) { return c.bool_at(r) ? 1 : 0; }); break;
      case Type::Int32: copy([&](int64_t r) { return c.i32(r); }); break;
      case Type::Int64:
      case Type::TimestampUs: copy([&](int64_t r) { return c.i64(r); }); break;
      case Type::Float32: copy([&](int64_t r) { return c.f32(r); }); break;
      case Type::Float64: copy([&](int64_t r) { return c.f64(r); }); break;
      case Type::Utf8: throw InvalidArgument("a utf8 column cannot be a model feature");
    }
    if (c.null_count() > 0)
      for (size_t r = 0; r < rows; ++r)
        if (c.is_null(static_cast<int64_t>(r))) dst[r * width] = kMissing;
  }
}

/// For each row of a row-major matrix `width` features wide: the index of its first
/// NaN or infinite feature, or -1 when all are finite. For models that cannot take
/// missing values and reject such rows.
template <typename T>
std::vector<int32_t> first_non_finite(const std::vector<T>& matrix, size_t width) {
  const size_t rows = width == 0 ? 0 : matrix.size() / width;
  std::vector<int32_t> bad(rows, -1);
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < width; ++j)
      if (!std::isfinite(matrix[r * width + j])) {
        bad[r] = static_cast<int32_t>(j);
        break;
      }
  return bad;
}

}  // namespace trestle
