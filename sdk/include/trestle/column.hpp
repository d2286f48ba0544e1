#pragma once
/// Column: an immutable, shared view of one Arrow array of an ABI 1 type. Copying a
/// Column shares its buffers (it keeps their owner alive); nothing is copied.
///
/// Reading is by row index in [0, size()); typed accessors do not check the type on
/// every call, so call the one that matches type() (or use as_double for numbers).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "trestle/error.hpp"
#include "trestle/types.hpp"

namespace trestle {

class Column {
 public:
  /// Buffers as Arrow lays them out: `validity` (bitmap, may be null when there are no
  /// nulls), `values` (bitmap for bool, fixed-width values, or int32 offsets for utf8),
  /// `data` (utf8 bytes). `offset` is in elements. `owner` keeps all of them alive.
  Column(Type type, int64_t length, int64_t offset, int64_t null_count, const uint8_t* validity,
         const void* values, const char* data, std::shared_ptr<const void> owner)
      : type_(type), length_(length), offset_(offset), null_count_(null_count), validity_(validity),
        values_(values), data_(data), owner_(std::move(owner)) {}
  Column() = default;

  /// A column without nulls that takes ownership of `values`; for the fixed-width types
  /// whose C++ type is T (int32_t, int64_t for int64 and timestamps, float, double).
  template <typename T>
  static Column from_values(Type type, std::vector<T> values) {
    static constexpr T kNone{};
    auto owner = std::make_shared<std::vector<T>>(std::move(values));
    const void* data = owner->empty() ? &kNone : static_cast<const void*>(owner->data());
    const auto rows = static_cast<int64_t>(owner->size());
    return Column(type, rows, 0, 0, nullptr, data, nullptr, std::move(owner));
  }

  Type type() const { return type_; }
  int64_t size() const { return length_; }
  int64_t offset() const { return offset_; }

  bool is_valid(int64_t i) const {
    if (validity_ == nullptr) return true;
    int64_t b = i + offset_;
    return (validity_[b >> 3] >> (b & 7)) & 1;
  }
  bool is_null(int64_t i) const { return !is_valid(i); }
  int64_t null_count() const {
    if (null_count_ < 0) {
      int64_t n = 0;
      for (int64_t i = 0; i < length_; ++i) n += is_null(i) ? 1 : 0;
      null_count_ = n;
    }
    return null_count_;
  }

  bool bool_at(int64_t i) const {
    int64_t b = i + offset_;
    return (static_cast<const uint8_t*>(values_)[b >> 3] >> (b & 7)) & 1;
  }
  int32_t i32(int64_t i) const { return static_cast<const int32_t*>(values_)[i + offset_]; }
  int64_t i64(int64_t i) const { return static_cast<const int64_t*>(values_)[i + offset_]; }
  float f32(int64_t i) const { return static_cast<const float*>(values_)[i + offset_]; }
  double f64(int64_t i) const { return static_cast<const double*>(values_)[i + offset_]; }
  /// Microseconds since the Unix epoch.
  int64_t ts(int64_t i) const { return i64(i); }
  std::string_view str(int64_t i) const {
    const int32_t* o = static_cast<const int32_t*>(values_) + offset_;
    return std::string_view(data_ + o[i], static_cast<size_t>(o[i + 1] - o[i]));
  }
  /// Any numeric type as double (bool as 0/1); throws DataError for utf8.
  double as_double(int64_t i) const {
    switch (type_) {
      case Type::Bool: return bool_at(i) ? 1.0 : 0.0;
      case Type::Int32: return i32(i);
      case Type::Int64:
      case Type::TimestampUs: return static_cast<double>(i64(i));
      case Type::Float32: return f32(i);
      case Type::Float64: return f64(i);
      case Type::Utf8: break;
    }
    throw DataError("a utf8 column cannot be read as a number");
  }
  /// Start of the fixed-width values of this column (offset applied). Not for bool/utf8.
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(values_) + offset_;
  }

  /// A view of rows [start, start + n); shares buffers.
  Column slice(int64_t start, int64_t n) const {
    Column c = *this;
    c.offset_ = offset_ + start;
    c.length_ = n;
    c.null_count_ = validity_ ? -1 : 0;
    return c;
  }

  // Raw access for export to Arrow.
  const uint8_t* validity_buffer() const { return validity_; }
  const void* values_buffer() const { return values_; }
  const char* data_buffer() const { return data_; }
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  Type type_ = Type::Float64;
  int64_t length_ = 0;
  int64_t offset_ = 0;
  mutable int64_t null_count_ = 0;
  const uint8_t* validity_ = nullptr;
  const void* values_ = nullptr;
  const char* data_ = nullptr;
  std::shared_ptr<const void> owner_;
};

namespace detail {
inline void set_bit(std::vector<uint8_t>& bits, int64_t i, bool v) {
  size_t byte = static_cast<size_t>(i >> 3);
  if (bits.size() <= byte) bits.resize(byte + 1, 0);
  if (v) bits[byte] = static_cast<uint8_t>(bits[byte] | (1u << (i & 7)));
  else bits[byte] = static_cast<uint8_t>(bits[byte] & ~(1u << (i & 7)));
}

/// Storage a builder hands over to the Column it finishes.
struct BuiltBuffers {
  std::vector<uint8_t> validity;
  std::vector<uint8_t> values;  // raw bytes (bitmap for bool, offsets for utf8)
  std::string data;
};
}  // namespace detail

/// Appends values of one type, then finish() makes an immutable Column. Amortised O(1)
/// per append; call reserve() when the size is known. Nulls allocate the validity
/// bitmap lazily, so a column without nulls has none.
class ColumnBuilder {
 public:
  explicit ColumnBuilder(Type type, int64_t reserve_rows = 0) : type_(type), b_(std::make_shared<detail::BuiltBuffers>()) {
    reserve(reserve_rows);
    if (type_ == Type::Utf8) push_raw<int32_t>(0);
  }

  void reserve(int64_t rows) {
    if (rows <= 0) return;
    size_t w = type_ == Type::Bool ? 0 : width();
    b_->values.reserve(static_cast<size_t>(rows + 1) * w + static_cast<size_t>(rows) / 8 + 1);
  }
  Type type() const { return type_; }
  int64_t size() const { return length_; }

  void append_null() {
    if (b_->validity.empty()) {
      for (int64_t i = 0; i < length_; ++i) detail::set_bit(b_->validity, i, true);
    }
    detail::set_bit(b_->validity, length_, false);
    ++null_count_;
    append_placeholder();
  }
  void append_bool(bool v) { mark_valid(); detail::set_bit(b_->values, length_, v); ++length_; }
  void append_i32(int32_t v) { mark_valid(); push_raw(v); ++length_; }
  void append_i64(int64_t v) { mark_valid(); push_raw(v); ++length_; }
  void append_f32(float v) { mark_valid(); push_raw(v); ++length_; }
  void append_f64(double v) { mark_valid(); push_raw(v); ++length_; }
  void append_ts(int64_t micros) { append_i64(micros); }
  void append_str(std::string_view v) {
    mark_valid();
    b_->data.append(v.data(), v.size());
    push_raw(static_cast<int32_t>(b_->data.size()));
    ++length_;
  }
  /// Copies row `i` of `c` (same type) including its null-ness.
  void append_from(const Column& c, int64_t i) {
    if (c.is_null(i)) return append_null();
    switch (type_) {
      case Type::Bool: return append_bool(c.bool_at(i));
      case Type::Int32: return append_i32(c.i32(i));
      case Type::Int64:
      case Type::TimestampUs: return append_i64(c.i64(i));
      case Type::Float32: return append_f32(c.f32(i));
      case Type::Float64: return append_f64(c.f64(i));
      case Type::Utf8: return append_str(c.str(i));
    }
  }

  /// The finished column; the builder is empty afterwards.
  Column finish() {
    if (type_ == Type::Bool) {
      if (b_->values.size() * 8 < static_cast<size_t>(length_)) b_->values.resize(static_cast<size_t>((length_ + 7) / 8), 0);
    } else {
      b_->values.resize(used_);
    }
    if (!b_->validity.empty()) b_->validity.resize(static_cast<size_t>((length_ + 7) / 8), 0);
    auto owner = std::move(b_);
    Column c(type_, length_, 0, null_count_, owner->validity.empty() ? nullptr : owner->validity.data(),
             owner->values.empty() ? static_cast<const void*>(&kEmpty) : owner->values.data(),
             type_ == Type::Utf8 ? owner->data.data() : nullptr, owner);
    b_ = std::make_shared<detail::BuiltBuffers>();
    length_ = 0;
    null_count_ = 0;
    used_ = 0;
    if (type_ == Type::Utf8) push_raw<int32_t>(0);
    return c;
  }

 private:
  static constexpr int64_t kEmpty = 0;
  size_t width() const {
    switch (type_) {
      case Type::Int32:
      case Type::Float32:
      case Type::Utf8: return 4;
      default: return 8;
    }
  }
  // Fixed-width values go to values[0, used_); the vector's size runs ahead of used_ in
  // doubling steps, so that an append is a bounds check and a copy.
  template <typename T>
  void push_raw(T v) {
    std::vector<uint8_t>& values = b_->values;
    if (values.size() - used_ < sizeof(T)) grow(sizeof(T));
    std::memcpy(values.data() + used_, &v, sizeof(T));
    used_ += sizeof(T);
  }
  void grow(size_t n) {
    std::vector<uint8_t>& values = b_->values;
    values.resize(std::max({used_ + n, values.capacity(), values.size() * 2, size_t{64}}));
  }
  void mark_valid() {
    if (!b_->validity.empty()) detail::set_bit(b_->validity, length_, true);
  }
  void append_placeholder() {
    switch (type_) {
      case Type::Bool: detail::set_bit(b_->values, length_, false); break;
      case Type::Int32: push_raw<int32_t>(0); break;
      case Type::Float32: push_raw<float>(0); break;
      case Type::Utf8: push_raw(static_cast<int32_t>(b_->data.size())); break;
      default: push_raw<int64_t>(0); break;
    }
    ++length_;
  }

  Type type_;
  int64_t length_ = 0;
  int64_t null_count_ = 0;
  size_t used_ = 0;  // bytes of b_->values in use (all of them for bool)
  std::shared_ptr<detail::BuiltBuffers> b_;
};

}  // namespace trestle
