#include "csv_row_converter.h"

#include <utility>

#include "schema_option.h"
#include "timestamp_text.hpp"
#include "value_parser.h"

namespace trestle_io {

NullValues::NullValues(std::vector<std::string> values) : values_(std::move(values)) {
  for (const auto& n : values_) {
    if (n.size() < 64) lengths_ |= uint64_t{1} << n.size();
    else long_value_ = true;
  }
}

bool NullValues::contains_slow(std::string_view v) const {
  for (const auto& n : values_)
    if (v == n) return true;
  return false;
}

CsvRowConverter::CsvRowConverter(trestle::Schema schema, std::vector<uint8_t> inferred, NullValues nulls)
    : schema_(std::move(schema)), inferred_(std::move(inferred)), nulls_(std::move(nulls)) {
  for (const auto& f : schema_.fields()) types_.push_back(f.type);
  inferred_.resize(types_.size(), 0);
}

std::vector<trestle::ColumnBuilder> CsvRowConverter::make_builders() const {
  std::vector<trestle::ColumnBuilder> b;
  b.reserve(types_.size());
  for (trestle::Type t : types_) b.emplace_back(t);
  return b;
}

bool CsvRowConverter::accept(const CsvRecord& rec, std::vector<Cell>& cells, std::string* reason) const {
  if (rec.error != nullptr) {
    *reason = rec.error;
    return false;
  }
  const size_t ncols = types_.size();
  if (rec.fields.size() != ncols) {
    *reason = "expected " + std::to_string(ncols) + " fields, found " + std::to_string(rec.fields.size());
    return false;
  }
  for (size_t c = 0; c < ncols; ++c) {
    Cell& cell = cells[c];
    const std::string_view v = rec.fields[c];
    const trestle::Type t = types_[c];
    // A quoted value in a string column is a value ("" is the empty string), so that
    // csv_sink output reads back exactly; in other columns quoting does not matter, and
    // spaces around a value do not either.
    if (t == trestle::Type::Utf8) {
      cell.null = rec.quoted[c] == 0 && nulls_.contains(v);
      cell.s = v;
      continue;
    }
    const std::string_view tv = trim(v);
    cell.null = nulls_.contains(tv);
    if (cell.null) continue;
    bool ok = true;
    switch (t) {
      case trestle::Type::Bool: ok = parse_bool(tv, &cell.b); break;
      case trestle::Type::Int32:
        ok = parse_int64(tv, &cell.i) && cell.i >= INT32_MIN && cell.i <= INT32_MAX;
        break;
      case trestle::Type::Int64: ok = parse_int64(tv, &cell.i); break;
      case trestle::Type::Float32: ok = parse_float32(tv, &cell.f); break;
      case trestle::Type::Float64: ok = parse_float64(tv, &cell.d); break;
      case trestle::Type::TimestampUs: ok = trestle_support::parse_timestamp(tv, &cell.i); break;
      case trestle::Type::Utf8: break;
    }
    if (!ok) {
      *reason = misfit_reason(schema_.field(c).name, quote_excerpt(v), t, inferred_[c] != 0);
      return false;
    }
  }
  return true;
}

void CsvRowConverter::append(const std::vector<Cell>& cells, std::vector<trestle::ColumnBuilder>& builders) const {
  const size_t ncols = types_.size();
  for (size_t c = 0; c < ncols; ++c) {
    const Cell& cell = cells[c];
    trestle::ColumnBuilder& b = builders[c];
    if (cell.null) {
      b.append_null();
      continue;
    }
    switch (types_[c]) {
      case trestle::Type::Bool: b.append_bool(cell.b); break;
      case trestle::Type::Int32: b.append_i32(static_cast<int32_t>(cell.i)); break;
      case trestle::Type::Int64: b.append_i64(cell.i); break;
      case trestle::Type::Float32: b.append_f32(cell.f); break;
      case trestle::Type::Float64: b.append_f64(cell.d); break;
      case trestle::Type::TimestampUs: b.append_ts(cell.i); break;
      case trestle::Type::Utf8: b.append_str(cell.s); break;
    }
  }
}

}  // namespace trestle_io
