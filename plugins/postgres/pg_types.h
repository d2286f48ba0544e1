#pragma once
// PostgreSQL types and Trestle types: which result types a query may return and how their
// text reads (postgres_source), and how a Trestle value is written as COPY text into a
// column of a given type with the checks that type needs (postgres_sink). The sessions
// run with TimeZone UTC and DateStyle ISO (pg_session.cc), which the text forms assume.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <libpq-fe.h>

#include <trestle/column.hpp>
#include <trestle/schema.hpp>

namespace trestle_pg {

// Built-in type OIDs (fixed in PostgreSQL's catalog).
constexpr Oid kBoolOid = 16, kInt2Oid = 21, kInt4Oid = 23, kInt8Oid = 20, kFloat4Oid = 700, kFloat8Oid = 701,
              kNumericOid = 1700, kTextOid = 25, kVarcharOid = 1043, kBpcharOid = 1042, kNameOid = 19,
              kTimestampOid = 1114, kTimestampTzOid = 1184, kDateOid = 1082;

/// The Trestle type a result column of type `oid` reads as, or nullopt for a type the
/// source does not map (the query must cast it).
std::optional<trestle::Type> source_type_for(Oid oid);

/// Appends PostgreSQL's text output `v` read as type `t`. Returns false with `*reason`
/// when it does not convert (an int64 beyond int32, a numeric beyond float64, an
/// infinite timestamp...).
bool append_text_value(trestle::ColumnBuilder& b, trestle::Type t, std::string_view v, std::string* reason);

/// "YYYY-MM-DD HH:MM:SS.ffffff" of microseconds since the epoch (UTC); false outside the
/// years 1 to 9999.
bool format_timestamp(int64_t micros, std::string& out);
/// Reads "YYYY-MM-DD[ HH:MM:SS[.f...]][+HH[:MM[:SS]]]" (a zone offset is applied).
bool parse_timestamp(std::string_view v, int64_t* micros);

/// "quoted" identifier: embedded double quotes doubled.
std::string quote_ident(const std::string& s);

/// A column of the target table, as its catalog entry says.
struct TargetColumn {
  std::string name;
  Oid oid = 0;
  int32_t typmod = -1;
  std::string type;  ///< format_type(): "character varying(10)"
  bool not_null = false;
  bool has_default = false;  ///< a default, an identity or a generated column
  bool generated = false;
};

/// The column type `create: true` gives a Trestle type.
std::string create_type_for(trestle::Type t);

/// Writes the values of one input column into one target column as COPY text fields,
/// refusing values the column cannot hold.
class ValueWriter {
 public:
  /// Throws InvalidArgument naming the column and both types when values of the input
  /// type cannot go into the column.
  static ValueWriter make(const trestle::Field& in, const TargetColumn& target, const std::string& table);

  /// Appends row `r`'s field (\N for null, text escaped for COPY) to `out`. Returns
  /// false, appending nothing, with `*reason` when the value does not fit the column.
  bool append(const trestle::Column& c, int64_t r, std::string& out, std::string* reason) const;

 private:
  enum class Kind { Bool, Int2, Int4, Int8, Float4, Float8, Numeric, Text, Date, Timestamp, TimestampTz };
  bool append_number(double v, std::string& out, std::string* reason) const;

  Kind kind_ = Kind::Text;
  trestle::Type in_ = trestle::Type::Utf8;
  std::string column_, type_;
  int32_t max_chars_ = -1;    // varchar(n) / char(n)
  bool blank_padded_ = false;  // char(n): trailing spaces beyond n are dropped by the server
  int numeric_precision_ = -1, numeric_scale_ = 0;
  bool not_null_ = false;
  std::string table_;
};

}  // namespace trestle_pg
