#pragma once
// CsvRowConverter: a CSV record's fields to typed values appended to one ColumnBuilder
// per column, or the reason the record is dead-lettered. Read-only once made, so that
// the serial reader and every parallel chunk parser share one (each with its own cells
// and builders).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <trestle/sdk.hpp>

#include "csv_reader.h"

namespace trestle_io {

/// The `null_values` option: the texts read as null.
class NullValues {
 public:
  NullValues() = default;
  explicit NullValues(std::vector<std::string> values);
  /// Whether `v` is one of them, as it is (callers trim). Most values have a length no
  /// null value has: decided without comparing (inline, as it is asked for every field).
  bool contains(std::string_view v) const {
    if (v.size() < 64 ? !((lengths_ >> v.size()) & 1) : !long_value_) return false;
    return contains_slow(v);
  }

 private:
  bool contains_slow(std::string_view v) const;

  std::vector<std::string> values_;
  uint64_t lengths_ = 0;     // bit n set: some null value has n bytes (n < 64)
  bool long_value_ = false;  // some null value has 64 bytes or more
};

class CsvRowConverter {
 public:
  /// One field's value while a record is converted.
  struct Cell {
    bool null = false;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    float f = 0;
    std::string_view s;  ///< into the record
  };

  CsvRowConverter() = default;
  /// `inferred[c]` is 1 where column c's type was inferred (misfit messages say so).
  CsvRowConverter(trestle::Schema schema, std::vector<uint8_t> inferred, NullValues nulls);

  const trestle::Schema& schema() const { return schema_; }
  size_t columns() const { return types_.size(); }
  /// One empty builder per column.
  std::vector<trestle::ColumnBuilder> make_builders() const;
  std::vector<Cell> make_cells() const { return std::vector<Cell>(types_.size()); }

  /// Whether `rec` becomes a row: it has no structural error, one field per column and
  /// every field parses as its column's type (then `cells` hold the values). Otherwise
  /// false, with the dead letter's reason in `reason`.
  bool accept(const CsvRecord& rec, std::vector<Cell>& cells, std::string* reason) const;
  /// Appends the values accept() left in `cells` to `builders`, one per column.
  void append(const std::vector<Cell>& cells, std::vector<trestle::ColumnBuilder>& builders) const;

 private:
  trestle::Schema schema_;
  std::vector<trestle::Type> types_;
  std::vector<uint8_t> inferred_;
  NullValues nulls_;
};

}  // namespace trestle_io
