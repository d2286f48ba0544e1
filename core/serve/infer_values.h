#pragma once
/// Internal to the infer codec: the KServe v2 datatypes, which of them fits which column
/// type, and ColumnSink, which appends a column's JSON values to its builder and says why
/// a value does not fit. Not part of the serve API; everything lives in
/// trestle::core::infer.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "serve/infer_json.h"
#include "trestle/column.hpp"
#include "trestle/schema.hpp"
#include "trestle/types.hpp"

namespace trestle::core::infer {

/// A KServe v2 tensor datatype and the values it holds.
enum class V2Kind { kBool, kInt, kFloat, kBytes };
struct V2Type {
  const char* name;
  V2Kind kind;
  int64_t lo = 0;      ///< kInt: the range
  uint64_t hi = 0;
  double max_abs = 0;  ///< kFloat: the largest finite magnitude
};

/// The datatype called `name` (static storage), or null when v2 has none.
const V2Type* FindV2Type(const std::string& name);

/// What JSON values a column takes.
enum class Accept { kNumber, kInteger, kBool, kString, kIsoTime, kIsoTimeOrInteger };

/// How datatype `dt` fills a column of type `column`, or nullopt when it does not fit.
std::optional<Accept> Fit(const V2Type& dt, trestle::Type column);
/// "use INT64" — what to send for a column of type `column`.
std::string DatatypeAdvice(trestle::Type column);
/// How the instances form fills a column of type `t`.
Accept InstanceAccept(trestle::Type t);

/// Appends the JSON values of one column to a builder, checking each against the column
/// (type, range, nullability) and the datatype the request declared, if any. Borrows
/// `field` and `declared`, which must outlive it.
class ColumnSink {
 public:
  /// `what` names the column in messages: `INT64 input "x"`, `int64 column "x"`.
  ColumnSink(const trestle::Field& field, Accept accept, const V2Type* declared, std::string what, int64_t rows)
      : field_(field), accept_(accept), declared_(declared), what_(std::move(what)), builder_(field.type, rows) {}

  const std::string& what() const { return what_; }
  /// Appends `v`, or returns why it does not fit (without the path).
  std::optional<std::string> Append(const Json& v);
  /// The column of everything appended.
  trestle::Column Finish() { return builder_.finish(); }

 private:
  std::string Expect(const char* kind, const Json& v) const;
  std::string OutOfRange(const Json& v, const std::string& of) const;
  std::string ColumnName() const;
  std::optional<std::string> AppendNumber(const Json& v);
  std::optional<std::string> AppendInteger(const Json& v);
  std::optional<std::string> AppendIsoTime(const Json& v);

  const trestle::Field& field_;
  Accept accept_;
  const V2Type* declared_;
  std::string what_;
  trestle::ColumnBuilder builder_;
};

}  // namespace trestle::core::infer
