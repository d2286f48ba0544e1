#include "add_columns.hpp"

#include <map>

#include "convert.hpp"

namespace features {

using trestle::InvalidArgument;
using trestle::Type;

namespace {

constexpr const char* kKnownTypes = "bool, int32, int64, float32, float64, utf8, timestamp";

}  // namespace

trestle::OperatorSpec AddColumns::spec() {
  return trestle::OperatorSpec("add_columns",
                               "Append columns that hold the same value on every row, such as the run date or the "
                               "shard of a sharded run, so that a sink can key its partitions by them.")
      .param<trestle::StringMap>("columns",
                                 "new column -> its value, e.g. {run_date: \"${RUN_DATE}\", shard: \"${SHARD_INDEX}\"}; "
                                 "the columns are appended in name order")
      .required()
      .param<trestle::StringMap>("types",
                                 "new column -> type for values that are not text, e.g. {shard: int64}; types: bool, "
                                 "int32, int64, float32, float64, utf8 (the default), timestamp (ISO-8601 value)",
                                 trestle::StringMap{})
      .input_doc("any columns; none may have the name of a new column")
      .output_doc("the input columns unchanged, then the new columns (not nullable), each holding its value on "
                  "every row")
      .reentrant();
}

AddColumns::AddColumns(const trestle::Options& o) {
  const auto columns = o.get<trestle::StringMap>("columns");
  const auto types = o.get<trestle::StringMap>("types");
  if (columns.empty()) throw InvalidArgument("option \"columns\" is empty: name at least one column and its value");
  for (const auto& [name, type] : types)
    if (!columns.count(name))
      throw InvalidArgument("option \"types\" gives a type to column \"" + name +
                            "\", which option \"columns\" does not add");
  for (const auto& [name, values] : columns) {
    if (name.empty()) throw InvalidArgument("option \"columns\" names a column with an empty name");
    if (values.size() != 1)
      throw InvalidArgument("option \"columns\" must give column \"" + name + "\" exactly one value, not " +
                            std::to_string(values.size()));
    Constant c;
    c.name = name;
    auto t = types.find(name);
    if (t != types.end()) {
      if (t->second.size() != 1 || !trestle::type_from_name(t->second[0], &c.type))
        throw InvalidArgument("option \"types\" gives column \"" + name + "\" the unknown type \"" +
                              (t->second.empty() ? std::string() : t->second[0]) + "\" (known: " + kKnownTypes + ")");
    }
    const std::string& text = values[0];
    Fail f = Fail::None;
    switch (c.type) {
      case Type::Bool: f = from_text(text, c.b); break;
      case Type::Int32: {
        int32_t v = 0;
        f = from_text(text, v);
        c.i = v;
        break;
      }
      case Type::Int64: f = from_text(text, c.i); break;
      case Type::Float32: f = from_text(text, c.f); break;
      case Type::Float64: f = from_text(text, c.d); break;
      case Type::TimestampUs: {
        Micros m{0};
        f = from_text(text, m);
        c.i = m.us;
        break;
      }
      case Type::Utf8: c.s = text; break;
    }
    if (f != Fail::None)
      throw InvalidArgument("option \"columns\": the value \"" + text + "\" of column \"" + name + "\" is not " +
                            trestle::type_name(c.type) + " (" + fail_text(f, c.type) + ")");
    constants_.push_back(std::move(c));
  }
}

trestle::Schema AddColumns::open(const trestle::Schema& in) {
  out_ = in;
  for (const auto& c : constants_) {
    if (in.index_of(c.name) >= 0)
      throw InvalidArgument("option \"columns\" adds column \"" + c.name +
                            "\", which the input already has (drop or rename it first with select)");
    out_ = out_.with(trestle::Field{c.name, c.type, false});
  }
  return out_;
}

trestle::Column AddColumns::fill(const Constant& c, int64_t rows) {
  trestle::ColumnBuilder b(c.type, rows);
  // One switch per column; the loops have no dispatch.
  switch (c.type) {
    case Type::Bool: for (int64_t r = 0; r < rows; ++r) b.append_bool(c.b); break;
    case Type::Int32: for (int64_t r = 0; r < rows; ++r) b.append_i32(static_cast<int32_t>(c.i)); break;
    case Type::Int64: for (int64_t r = 0; r < rows; ++r) b.append_i64(c.i); break;
    case Type::Float32: for (int64_t r = 0; r < rows; ++r) b.append_f32(c.f); break;
    case Type::Float64: for (int64_t r = 0; r < rows; ++r) b.append_f64(c.d); break;
    case Type::TimestampUs: for (int64_t r = 0; r < rows; ++r) b.append_ts(c.i); break;
    case Type::Utf8: for (int64_t r = 0; r < rows; ++r) b.append_str(c.s); break;
  }
  return b.finish();
}

trestle::Batch AddColumns::process(trestle::Batch in, trestle::Context&) {
  std::vector<trestle::Column> columns = in.columns();
  for (const auto& c : constants_) columns.push_back(fill(c, in.num_rows()));
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace features
