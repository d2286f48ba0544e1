#include "type_inference.h"

#include <cstdint>

#include "timestamp_text.hpp"
#include "value_parser.h"

namespace trestle_io {

void TypeGuess::observe(std::string_view value) {
  seen_ = true;
  std::string_view v = trim(value);
  int64_t i;
  double d;
  bool b;
  int64_t t;
  if (int_ && !parse_int64(v, &i)) int_ = false;
  if (float_ && !parse_float64(v, &d)) float_ = false;
  // 1/0 parse as bool too, but an all-0/1 column stays int64 (checked first).
  if (bool_ && (v.size() == 1 || !parse_bool(v, &b))) bool_ = false;
  if (ts_ && !trestle_support::parse_timestamp(v, &t)) ts_ = false;
}

trestle::Type TypeGuess::result() const {
  if (!seen_) return trestle::Type::Utf8;
  if (int_) return trestle::Type::Int64;
  if (float_) return trestle::Type::Float64;
  if (bool_) return trestle::Type::Bool;
  if (ts_) return trestle::Type::TimestampUs;
  return trestle::Type::Utf8;
}

}  // namespace trestle_io
