#include "filter.hpp"

#include <cmath>
#include <functional>
#include <vector>

#include "rows.hpp"
#include "text.hpp"

namespace features {
namespace {

using trestle::InvalidArgument;
using Op = Filter::Op;

// Sets keep[r] to whether row r is valid and read(r) <op> literal.
template <typename Read, typename T>
void compare(const trestle::Column& c, Read read, const T& literal, Op op, std::vector<uint8_t>& keep) {
  auto loop = [&](auto cmp) {
    for (int64_t r = 0; r < c.size(); ++r) keep[static_cast<size_t>(r)] = c.is_valid(r) && cmp(read(r), literal);
  };
  switch (op) {
    case Op::Eq: return loop(std::equal_to<>{});
    case Op::Ne: return loop(std::not_equal_to<>{});
    case Op::Lt: return loop(std::less<>{});
    case Op::Le: return loop(std::less_equal<>{});
    case Op::Gt: return loop(std::greater<>{});
    case Op::Ge: return loop(std::greater_equal<>{});
    case Op::IsNull:
    case Op::NotNull: break;
  }
}

}  // namespace

trestle::OperatorSpec Filter::spec() {
  return trestle::OperatorSpec("filter", "Keep the rows whose column satisfies a comparison; drop the others (not an error).")
      .param<std::string>("column", "the column to test")
      .required()
      .param<std::string>("op", "the comparison: ==, !=, <, <=, >, >= (or eq, ne, lt, le, gt, ge), is_null, not_null")
      .required()
      .one_of({"==", "!=", "<", "<=", ">", ">=", "eq", "ne", "lt", "le", "gt", "ge", "is_null", "not_null"})
      .param<std::string>("value",
                          "what to compare with, read as the column's type: a number, true/false, a string (compared byte "
                          "by byte) or an ISO-8601 timestamp; not with is_null / not_null")
      .input_doc("the column, of any type; bool takes only == and !=")
      .output_doc("the input columns, only the rows that satisfy the comparison. A null never satisfies a comparison (use "
                  "is_null); NaN compares as IEEE says (only != holds). Rows left out count as filtered, not as errors")
      .reentrant();
}

Filter::Filter(const trestle::Options& o) : column_(o.get<std::string>("column")), op_name_(o.get<std::string>("op")) {
  static const std::pair<const char*, Op> kOps[] = {
      {"==", Op::Eq}, {"eq", Op::Eq}, {"!=", Op::Ne}, {"ne", Op::Ne}, {"<", Op::Lt},  {"lt", Op::Lt}, {"<=", Op::Le},
      {"le", Op::Le}, {">", Op::Gt},  {"gt", Op::Gt}, {">=", Op::Ge}, {"ge", Op::Ge}, {"is_null", Op::IsNull}, {"not_null", Op::NotNull}};
  bool known = false;
  for (const auto& [name, op] : kOps)
    if (op_name_ == name) op_ = op, known = true;
  if (!known)
    throw InvalidArgument("option \"op\" must be one of ==, !=, <, <=, >, >=, eq, ne, lt, le, gt, ge, is_null, not_null, not \"" + op_name_ + "\"");
  const bool unary = op_ == Op::IsNull || op_ == Op::NotNull;
  if (unary && o.has("value")) throw InvalidArgument("option \"value\" has no meaning with op " + op_name_ + "; remove it");
  if (!unary && !o.has("value")) throw InvalidArgument("op " + op_name_ + " needs option \"value\" to compare column \"" + column_ + "\" with");
  if (!unary) value_ = o.get<std::string>("value");
}

trestle::Schema Filter::open(const trestle::Schema& in) {
  const trestle::Field& f = in.require(column_);
  index_ = static_cast<size_t>(in.index_of(column_));
  if (op_ == Op::IsNull || op_ == Op::NotNull) return in;
  auto bad = [&](const std::string& why) {
    return InvalidArgument("option \"value\" (\"" + value_ + "\") cannot be compared with column \"" + column_ + "\" (" +
                           trestle::type_name(f.type) + "): " + why);
  };
  switch (f.type) {
    case trestle::Type::Bool: {
      bool b;
      if (op_ != Op::Eq && op_ != Op::Ne) throw InvalidArgument("op " + op_name_ + " does not apply to bool column \"" + column_ + "\"; use == or !=");
      if (!parse_bool(value_, b)) throw bad("not true, false, 1 or 0");
      literal_ = b;
      break;
    }
    case trestle::Type::Int32:
    case trestle::Type::Int64: {
      int64_t i;
      ParseStatus st = parse_int64(value_, i);
      if (st != ParseStatus::Ok) throw bad(st == ParseStatus::Range ? "out of range for int64" : "not a whole number");
      literal_ = i;
      break;
    }
    case trestle::Type::Float32:
    case trestle::Type::Float64: {
      double d;
      ParseStatus st = parse_double(value_, d);
      if (st != ParseStatus::Ok || std::isnan(d)) throw bad(st == ParseStatus::Range ? "out of range for float64" : "not a number");
      literal_ = d;
      break;
    }
    case trestle::Type::Utf8: literal_ = value_; break;
    case trestle::Type::TimestampUs: {
      int64_t micros;
      if (!parse_timestamp(value_, micros)) throw bad("not an ISO-8601 timestamp such as 2024-03-01T12:00:00Z");
      literal_ = micros;
      break;
    }
  }
  return in;
}

trestle::Batch Filter::process(trestle::Batch in, trestle::Context&) {
  const trestle::Column& c = in.column(index_);
  std::vector<uint8_t> keep(static_cast<size_t>(in.num_rows()));
  if (op_ == Op::IsNull || op_ == Op::NotNull) {
    const bool want_null = op_ == Op::IsNull;
    for (int64_t r = 0; r < c.size(); ++r) keep[static_cast<size_t>(r)] = c.is_null(r) == want_null;
  } else {
    switch (c.type()) {
      case trestle::Type::Bool: compare(c, [&](int64_t r) { return c.bool_at(r); }, std::get<bool>(literal_), op_, keep); break;
      case trestle::Type::Int32: compare(c, [&](int64_t r) { return static_cast<int64_t>(c.i32(r)); }, std::get<int64_t>(literal_), op_, keep); break;
      case trestle::Type::Int64:
      case trestle::Type::TimestampUs: compare(c, [&](int64_t r) { return c.i64(r); }, std::get<int64_t>(literal_), op_, keep); break;
      case trestle::Type::Float32: compare(c, [&](int64_t r) { return static_cast<double>(c.f32(r)); }, std::get<double>(literal_), op_, keep); break;
      case trestle::Type::Float64: compare(c, [&](int64_t r) { return c.f64(r); }, std::get<double>(literal_), op_, keep); break;
      case trestle::Type::Utf8: {
        const std::string_view literal = std::get<std::string>(literal_);
        compare(c, [&](int64_t r) { return c.str(r); }, literal, op_, keep);
        break;
      }
    }
  }
  return keep_rows(in, keep);
}

}  // namespace features
