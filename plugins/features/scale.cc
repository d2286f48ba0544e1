#include "scale.hpp"

#include <set>

#include "numeric.hpp"
#include "params_file.hpp"
#include "text.hpp"

namespace features {

using trestle::InvalidArgument;

trestle::OperatorSpec Scale::spec() {
  return trestle::OperatorSpec("scale", "Scale numeric columns with parameters fitted offline: standard or min-max.")
      .param<trestle::StringList>("columns", "the numeric columns to scale")
      .required()
      .min(1)
      .param<std::string>("method", "standard: (x - mean) / std; min_max: (x - min) / (max - min)", std::string("standard"))
      .one_of({"standard", "min_max"})
      .param<std::string>("params_file",
                          "JSON file of fitted parameters per column: {\"col\": {\"mean\": m, \"std\": s}} for standard, "
                          "{\"col\": {\"min\": a, \"max\": b}} for min_max (other keys are ignored)")
      .required()
      .input_doc("each column in columns, as int32, int64, float32 or float64")
      .output_doc("the same columns in the same order; the scaled columns become float64. Nulls stay null, NaN stays NaN")
      .reentrant();
}

Scale::Scale(const trestle::Options& o) {
  const std::string method = o.get<std::string>("method");
  if (method != "standard" && method != "min_max")
    throw InvalidArgument("option \"method\" must be standard or min_max, not \"" + method + "\"");
  const ParamsFile params = ParamsFile::load(o.get<std::string>("params_file"));
  const auto columns = o.get<trestle::StringList>("columns");
  if (columns.empty()) throw InvalidArgument("option \"columns\" is empty: name at least one column to scale");
  std::set<std::string> seen;
  for (const auto& c : columns) {
    if (!seen.insert(c).second) throw InvalidArgument("option \"columns\" names column \"" + c + "\" twice");
    const std::string where = "params_file \"" + params.path() + "\" gives column \"" + c + "\" ";
    if (method == "standard") {
      const double mean = params.stat(c, "mean"), sd = params.stat(c, "std");
      if (!(sd > 0)) throw InvalidArgument(where + "std " + number_text(sd) + "; standard scaling divides by it, so it must be above 0");
      targets_.push_back({c, mean, sd});
    } else {
      const double lo = params.stat(c, "min"), hi = params.stat(c, "max");
      if (!(hi > lo))
        throw InvalidArgument(where + "min " + number_text(lo) + " and max " + number_text(hi) +
                              "; min_max scaling divides by max - min, so max must be above min");
      targets_.push_back({c, lo, hi - lo});
    }
  }
}

trestle::Schema Scale::open(const trestle::Schema& in) {
  out_ = in;
  for (auto& t : targets_) {
    const trestle::Field& f = require_number(in, t.column);
    t.index = static_cast<size_t>(in.index_of(t.column));
    out_ = out_.with(trestle::Field{t.column, trestle::Type::Float64, f.nullable});
  }
  return out_;
}

trestle::Batch Scale::process(trestle::Batch in, trestle::Context&) {
  std::vector<trestle::Column> columns = in.columns();
  for (const auto& t : targets_) {
    const trestle::Column& c = in.column(t.index);
    trestle::ColumnBuilder b(trestle::Type::Float64, c.size());
    for_each_number(
        c, [&](int64_t, double v) { b.append_f64((v - t.offset) / t.divisor); }, [&](int64_t) { b.append_null(); });
    columns[t.index] = b.finish();
  }
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace features
