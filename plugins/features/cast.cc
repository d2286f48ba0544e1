#include "cast.hpp"

#include <type_traits>

#include "convert.hpp"
#include "rows.hpp"

namespace features {
namespace {

using trestle::Type;

template <typename F>
void with_type(Type t, F&& f) {
  switch (t) {
    case Type::Bool: return f(std::integral_constant<Type, Type::Bool>{});
    case Type::Int32: return f(std::integral_constant<Type, Type::Int32>{});
    case Type::Int64: return f(std::integral_constant<Type, Type::Int64>{});
    case Type::Float32: return f(std::integral_constant<Type, Type::Float32>{});
    case Type::Float64: return f(std::integral_constant<Type, Type::Float64>{});
    case Type::Utf8: return f(std::integral_constant<Type, Type::Utf8>{});
    case Type::TimestampUs: return f(std::integral_constant<Type, Type::TimestampUs>{});
  }
}

struct Outcome {
  std::vector<uint8_t>& keep;  // rows still in the output
  bool to_null;
  int64_t nulled = 0;
};

template <Type S, Type D>
trestle::Column cast_column(const trestle::Column& in, const std::string& name, Outcome& o, trestle::Context& ctx) {
  trestle::ColumnBuilder b(D, in.size());
  char buf[kTextBuffer];
  for (int64_t r = 0; r < in.size(); ++r) {
    if (in.is_null(r)) {
      b.append_null();
      continue;
    }
    const typename Cell<S>::V v = Cell<S>::read(in, r);
    typename Cell<D>::V out{};
    const Fail f = convert<S, D>(v, out, buf);
    if (f == Fail::None) {
      Cell<D>::append(b, out);
      continue;
    }
    b.append_null();
    if (o.to_null) {
      ++o.nulled;
    } else if (o.keep[static_cast<size_t>(r)]) {  // a row is rejected once, for its first bad column
      o.keep[static_cast<size_t>(r)] = 0;
      ctx.reject(r, "column \"" + name + "\": cannot cast " + show(v) + " to " + trestle::type_name(D) + " (" + fail_text(f, D) + ")");
    }
  }
  return b.finish();
}

}  // namespace

trestle::OperatorSpec Cast::spec() {
  return trestle::OperatorSpec("cast", "Convert columns to other types; values that do not convert reject their row or become null.")
      .param<trestle::StringMap>("columns",
                                 "column -> new type, e.g. {age: int64, signup: timestamp}; types: bool, int32, int64, float32, "
                                 "float64, utf8 (string), timestamp")
      .required()
      .param<std::string>("on_invalid", "what a value that does not convert does: reject its row, or become null", std::string("reject"))
      .one_of({"reject", "null"})
      .input_doc("every column named in columns; a timestamp casts only to/from int32, int64 (microseconds since the Unix epoch) and utf8")
      .output_doc("the same columns in the same order, the named ones converted; rows with a value that does not convert are rejected "
                  "(on_invalid: reject) or hold null there (on_invalid: null)")
      .reentrant();
}

Cast::Cast(const trestle::Options& o) {
  const std::string on_invalid = o.get<std::string>("on_invalid");
  if (on_invalid != "reject" && on_invalid != "null")
    throw trestle::InvalidArgument("option \"on_invalid\" must be reject or null, not \"" + on_invalid + "\"");
  to_null_ = on_invalid == "null";
  const auto columns = o.get<trestle::StringMap>("columns");
  if (columns.empty()) throw trestle::InvalidArgument("option \"columns\" is empty: name at least one column and its new type");
  for (const auto& [column, types] : columns) {
    if (types.size() != 1)
      throw trestle::InvalidArgument("option \"columns\" must give column \"" + column + "\" exactly one type, not " + std::to_string(types.size()));
    Type t;
    if (!trestle::type_from_name(types[0], &t))
      throw trestle::InvalidArgument("option \"columns\" gives column \"" + column + "\" the unknown type \"" + types[0] +
                                     "\" (known: bool, int32, int64, float32, float64, utf8, timestamp)");
    targets_.push_back({column, t});
  }
}

trestle::Schema Cast::open(const trestle::Schema& in) {
  out_ = in;
  for (auto& t : targets_) {
    const trestle::Field& f = in.require(t.column);
    if (!castable(f.type, t.to))
      throw trestle::InvalidArgument("cannot cast column \"" + t.column + "\" from " + trestle::type_name(f.type) + " to " + trestle::type_name(t.to) +
                                     ": a timestamp casts only to and from int32, int64 (microseconds since the Unix epoch) and utf8");
    t.from = f.type;
    t.index = static_cast<size_t>(in.index_of(t.column));
    out_ = out_.with(trestle::Field{t.column, t.to, f.nullable || to_null_});
  }
  return out_;
}

trestle::Batch Cast::process(trestle::Batch in, trestle::Context& ctx) {
  std::vector<uint8_t> keep(static_cast<size_t>(in.num_rows()), 1);
  std::vector<trestle::Column> columns = in.columns();
  for (const auto& t : targets_) {
    if (t.from == t.to) continue;
    Outcome o{keep, to_null_};
    with_type(t.from, [&](auto s) {
      with_type(t.to, [&](auto d) { columns[t.index] = cast_column<decltype(s)::value, decltype(d)::value>(in.column(t.index), t.column, o, ctx); });
    });
    if (to_null_) ctx.count("nulled_" + t.column, static_cast<double>(o.nulled));
  }
  return keep_rows(trestle::Batch(out_, std::move(columns)), keep);
}

}  // namespace features
