// Values of a request into columns (infer_values.h).

#include "serve/infer_values.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <string_view>

#include "serve/infer_codec.h"
#include "store/run_store.h"  // ParseIsoTimeMicros

namespace trestle::core::infer {
namespace {

constexpr V2Type kV2Types[] = {
    {"BOOL", V2Kind::kBool},
    {"UINT8", V2Kind::kInt, 0, 0xff},
    {"UINT16", V2Kind::kInt, 0, 0xffff},
    {"UINT32", V2Kind::kInt, 0, 0xffffffffu},
    {"UINT64", V2Kind::kInt, 0, std::numeric_limits<uint64_t>::max()},
    {"INT8", V2Kind::kInt, -128, 127},
    {"INT16", V2Kind::kInt, -32768, 32767},
    {"INT32", V2Kind::kInt, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()},
    {"INT64", V2Kind::kInt, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()},
    {"FP16", V2Kind::kFloat, 0, 0, 65504.0},
    {"FP32", V2Kind::kFloat, 0, 0, FLT_MAX},
    {"FP64", V2Kind::kFloat, 0, 0, DBL_MAX},
    {"BYTES", V2Kind::kBytes},
};

// An integer read from JSON as sign and magnitude, so that all of int64 and uint64 fit.
struct WideInt {
  bool negative = false;
  uint64_t magnitude = 0;

  bool Within(int64_t lo, uint64_t hi) const {
    if (!negative) return magnitude <= hi;
    if (lo >= 0) return false;
    return magnitude <= static_cast<uint64_t>(-(lo + 1)) + 1;
  }
  int64_t AsInt64() const {  // only once Within(int64's range)
    return negative ? -static_cast<int64_t>(magnitude - 1) - 1 : static_cast<int64_t>(magnitude);
  }
  double AsDouble() const { return negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude); }
};

}  // namespace

const V2Type* FindV2Type(const std::string& name) {
  for (const auto& t : kV2Types)
    if (name == t.name) return &t;
  return nullptr;
}

std::optional<Accept> Fit(const V2Type& dt, trestle::Type column) {
  switch (column) {
    case trestle::Type::Float32:
    case trestle::Type::Float64:
      if (dt.kind == V2Kind::kFloat) return Accept::kNumber;
      if (dt.kind == V2Kind::kInt) return Accept::kInteger;
      return std::nullopt;
    case trestle::Type::Int32:
    case trestle::Type::Int64:
      if (dt.kind == V2Kind::kInt) return Accept::kInteger;
      return std::nullopt;
    case trestle::Type::Bool:
      if (dt.kind == V2Kind::kBool) return Accept::kBool;
      return std::nullopt;
    case trestle::Type::Utf8:
      if (dt.kind == V2Kind::kBytes) return Accept::kString;
      return std::nullopt;
    case trestle::Type::TimestampUs:
      if (dt.kind == V2Kind::kBytes) return Accept::kIsoTime;
      if (std::string_view(dt.name) == "INT64") return Accept::kInteger;
      return std::nullopt;
  }
  return std::nullopt;
}

std::string DatatypeAdvice(trestle::Type column) {
  if (column == trestle::Type::TimestampUs) return "use BYTES (ISO-8601 text) or INT64 (microseconds)";
  return std::string("use ") + V2Datatype(column);
}

Accept InstanceAccept(trestle::Type t) {
  switch (t) {
    case trestle::Type::Bool: return Accept::kBool;
    case trestle::Type::Int32:
    case trestle::Type::Int64: return Accept::kInteger;
    case trestle::Type::Float32:
    case trestle::Type::Float64: return Accept::kNumber;
    case trestle::Type::Utf8: return Accept::kString;
    case trestle::Type::TimestampUs: return Accept::kIsoTimeOrInteger;
  }
  return Accept::kString;
}

std::optional<std::string> ColumnSink::Append(const Json& v) {
  if (v.is_null()) {
    if (!field_.nullable) return "null, but " + what_ + " is not nullable";
    builder_.append_null();
    return std::nullopt;
  }
  switch (accept_) {
    case Accept::kBool:
      if (!v.is_boolean()) return Expect("true or false", v);
      builder_.append_bool(v.get<bool>());
      return std::nullopt;
    case Accept::kString:
      if (!v.is_string()) return Expect("a string", v);
      builder_.append_str(v.get_ref<const std::string&>());
      return std::nullopt;
    case Accept::kNumber: return AppendNumber(v);
    case Accept::kInteger: return AppendInteger(v);
    case Accept::kIsoTime:
      if (!v.is_string()) return Expect("an ISO-8601 time string", v);
      return AppendIsoTime(v);
    case Accept::kIsoTimeOrInteger:
      if (v.is_string()) return AppendIsoTime(v);
      if (v.is_number_integer()) return AppendInteger(v);
      return Expect("an ISO-8601 time string or integer microseconds", v);
  }
  return "unsupported column type";
}

std::string ColumnSink::Expect(const char* kind, const Json& v) const {
  return std::string("expected ") + kind + " for " + what_ + ", got " + Describe(v);
}

std::string ColumnSink::OutOfRange(const Json& v, const std::string& of) const {
  return Describe(v) + " is out of range for " + of;
}

std::string ColumnSink::ColumnName() const { return std::string(type_name(field_.type)) + " column " + Quote(field_.name); }

std::optional<std::string> ColumnSink::AppendNumber(const Json& v) {
  if (!v.is_number()) return Expect("a number", v);
  const double d = v.get<double>();
  if (declared_ != nullptr && std::fabs(d) > declared_->max_abs) return OutOfRange(v, what_);
  if (field_.type == trestle::Type::Float32) {
    if (std::fabs(d) > FLT_MAX) return OutOfRange(v, ColumnName());
    builder_.append_f32(static_cast<float>(d));
  } else {
    builder_.append_f64(d);
  }
  return std::nullopt;
}

std::optional<std::string> ColumnSink::AppendInteger(const Json& v) {
  WideInt w;
  if (v.is_number_unsigned()) {
    w.magnitude = v.get<uint64_t>();
  } else if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    w.negative = i < 0;
    w.magnitude = w.negative ? static_cast<uint64_t>(-(i + 1)) + 1 : static_cast<uint64_t>(i);
  } else if (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>() &&
             std::fabs(v.get<double>()) >= 0x1p63) {
    // An integer literal beyond uint64 arrives as a double: say so rather than
    // "expected an integer".
    return OutOfRange(v, what_);
  } else {
    return Expect("an integer", v);
  }
  if (declared_ != nullptr && !w.Within(declared_->lo, declared_->hi)) return OutOfRange(v, what_);
  switch (field_.type) {
    case trestle::Type::Int32:
      if (!w.Within(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()))
        return OutOfRange(v, ColumnName());
      builder_.append_i32(static_cast<int32_t>(w.AsInt64()));
      return std::nullopt;
    case trestle::Type::Int64:
    case trestle::Type::TimestampUs:
      if (!w.Within(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()))
        return OutOfRange(v, ColumnName());
      builder_.append_i64(w.AsInt64());
      return std::nullopt;
    case trestle::Type::Float32: builder_.append_f32(static_cast<float>(w.AsDouble())); return std::nullopt;
    case trestle::Type::Float64: builder_.append_f64(w.AsDouble()); return std::nullopt;
    case trestle::Type::Bool:
    case trestle::Type::Utf8: break;
  }
  return "unsupported column type";
}

std::optional<std::string> ColumnSink::AppendIsoTime(const Json& v) {
  auto micros = ParseIsoTimeMicros(v.get_ref<const std::string&>());
  if (!micros.ok())
    return Describe(v) + " is not an ISO-8601 time for " + what_ +
           "; e.g. \"2026-12-01T10:00:00Z\", \"2026-12-01 10:00:00\" or \"2026-12-01\"";
  builder_.append_ts(*micros);
  return std::nullopt;
}

}  // namespace trestle::core::infer
