#pragma once
// Guesses a column's type from sampled text values (CSV): int64 when every value is an
// integer, else float64 when every value is a number (nan/inf count), else bool when
// every value is true/false, else timestamp when every value is an ISO-8601
// date-time, else utf8. A column without a single value is utf8.

#include <string_view>

#include <trestle/types.hpp>

namespace trestle_io {

class TypeGuess {
 public:
  /// One non-null value of the column.
  void observe(std::string_view value);
  trestle::Type result() const;

 private:
  bool seen_ = false;
  bool int_ = true;
  bool float_ = true;
  bool bool_ = true;
  bool ts_ = true;
};

}  // namespace trestle_io
