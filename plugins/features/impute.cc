#include "impute.hpp"

#include <cmath>
#include <optional>
#include <set>

#include "numeric.hpp"
#include "params_file.hpp"

namespace features {

using trestle::InvalidArgument;

trestle::OperatorSpec Impute::spec() {
  return trestle::OperatorSpec("impute", "Fill nulls and NaNs of numeric columns with a constant or with values fitted offline.")
      .param<trestle::StringList>("columns", "the numeric columns to fill")
      .required()
      .min(1)
      .param<std::string>("strategy",
                          "constant: fill with option value; mean or median: fill with that statistic of each column, fitted "
                          "offline and read from params_file",
                          std::string("mean"))
      .one_of({"mean", "median", "constant"})
      .param<double>("value", "the fill value of strategy constant (for columns params_file does not list)")
      .param<std::string>("params_file",
                          "JSON file of fitted values: {\"col\": 41.5} (used whatever the strategy) or {\"col\": {\"mean\": 41.5, "
                          "\"median\": 40}} (the strategy picks the statistic)")
      .input_doc("each column in columns, as int32, int64, float32 or float64")
      .output_doc("the same columns in the same order; the filled columns become float64 without nulls. Counter imputed_<column> "
                  "counts the values filled")
      .reentrant();
}

Impute::Impute(const trestle::Options& o) {
  const std::string strategy = o.get<std::string>("strategy");
  if (strategy != "mean" && strategy != "median" && strategy != "constant")
    throw InvalidArgument("option \"strategy\" must be mean, median or constant, not \"" + strategy + "\"");
  const bool constant = strategy == "constant";
  std::optional<double> value;
  if (o.has("value")) {
    value = o.get<double>("value");
    if (!constant) throw InvalidArgument("option \"value\" is only for strategy constant, but strategy is " + strategy);
    if (!std::isfinite(*value)) throw InvalidArgument("option \"value\" must be a finite number");
  }
  std::optional<ParamsFile> params;
  if (o.has("params_file")) params = ParamsFile::load(o.get<std::string>("params_file"));
  else if (!constant)
    throw InvalidArgument("strategy " + strategy + " needs option \"params_file\" with each column's " + strategy +
                          " fitted offline (a streaming run cannot know it up front), or use strategy constant with option \"value\"");

  const auto columns = o.get<trestle::StringList>("columns");
  if (columns.empty()) throw InvalidArgument("option \"columns\" is empty: name at least one column to fill");
  std::set<std::string> seen;
  for (const auto& c : columns) {
    if (!seen.insert(c).second) throw InvalidArgument("option \"columns\" names column \"" + c + "\" twice");
    double fill;
    if (params && params->has(c)) {
      if (auto n = params->number(c)) fill = *n;
      else if (constant)
        throw InvalidArgument("params_file \"" + params->path() + "\" gives column \"" + c +
                              "\" statistics, not a number; strategy constant needs a number there (or no entry, to use option \"value\")");
      else fill = params->stat(c, strategy);
    } else if (constant && value) {
      fill = *value;
    } else if (constant) {
      throw InvalidArgument("strategy constant needs option \"value\" (or a params_file entry) to fill column \"" + c + "\"");
    } else {
      throw InvalidArgument("params_file \"" + params->path() + "\" has no " + strategy + " for column \"" + c + "\"");
    }
    targets_.push_back({c, fill});
  }
}

trestle::Schema Impute::open(const trestle::Schema& in) {
  out_ = in;
  for (auto& t : targets_) {
    require_number(in, t.column);
    t.index = static_cast<size_t>(in.index_of(t.column));
    out_ = out_.with(trestle::Field{t.column, trestle::Type::Float64, false});
  }
  return out_;
}

trestle::Batch Impute::process(trestle::Batch in, trestle::Context& ctx) {
  std::vector<trestle::Column> columns = in.columns();
  for (const auto& t : targets_) {
    const trestle::Column& c = in.column(t.index);
    int64_t filled = 0;
    std::vector<double> values(static_cast<size_t>(c.size()));
    for_each_number(
        c,
        [&](int64_t r, double v) {
          const bool missing = std::isnan(v);
          filled += missing;
          values[static_cast<size_t>(r)] = missing ? t.fill : v;
        },
        [&](int64_t r) {
          ++filled;
          values[static_cast<size_t>(r)] = t.fill;
        });
    // A float64 column with nothing to fill is shared as it is.
    if (filled > 0 || c.type() != trestle::Type::Float64) columns[t.index] = f64_column(std::move(values));
    ctx.count("imputed_" + t.column, static_cast<double>(filled));
  }
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace features
