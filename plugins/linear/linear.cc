#include "linear.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include <trestle/model_file.hpp>

namespace linear {
namespace {

double sigmoid(double z) {
  // exp() of a negative number only, so neither branch overflows for large |z|.
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// z[r] += w * x[r] for every row; a row whose x is null, NaN or infinite gets bad[r] =
// feature (its first bad feature) instead.
template <typename Read>
void accumulate(const trestle::Column& c, Read read, double w, int32_t feature, std::vector<double>& z, std::vector<int32_t>& bad) {
  const bool nulls = c.null_count() > 0;
  for (int64_t r = 0; r < c.size(); ++r) {
    const auto i = static_cast<size_t>(r);
    const double x = nulls && c.is_null(r) ? std::numeric_limits<double>::quiet_NaN() : read(r);
    if (std::isfinite(x)) z[i] += w * x;
    else if (bad[i] < 0) bad[i] = feature;
  }
}

}  // namespace

trestle::OperatorSpec Linear::spec() {
  return trestle::OperatorSpec("linear", "Score rows with a linear or logistic regression model read from a JSON file.")
      .param<std::string>("model",
                          "path of the model file, or of a directory holding it as linear.json or model.json (one version of a versioned "
                          "model repository): {\"type\": \"linear\" or \"logistic\", \"features\": [...], \"coefficients\": "
                          "[...] or {\"feature\": coefficient}, \"intercept\": b, \"version\": \"optional\"}")
      .required()
      .param<double>("threshold", "logistic models: the label is 1 where score >= threshold", 0.5)
      .range(0.0, 1.0)
      .param<std::string>("output", "the name of the score column", std::string("score"))
      .param<std::string>("label_output", "the name of the label column (logistic models)", std::string("label"))
      .input_doc("every feature of the model, by name (any order, other columns ignored), as a numeric column (bool reads as 0/1)")
      .output_doc("the input columns, then float64 <output>: intercept + sum of coefficient * feature (linear), or its sigmoid "
                  "(logistic), and for logistic models int64 <label_output> = 1 if score >= threshold else 0. A row with a null, "
                  "NaN or infinite feature is rejected, never scored")
      .reentrant();
}

Linear::Linear(const trestle::Options& o)
    : model_(load_model(trestle::model_file(o.get<std::string>("model"), {"linear.json", "model.json"}))),
      threshold_(o.get<double>("threshold")),
      output_(o.get<std::string>("output")),
      label_(o.get<std::string>("label_output")) {
  if (!(threshold_ >= 0 && threshold_ <= 1)) throw trestle::InvalidArgument("option \"threshold\" must be within [0, 1]");
  if (output_.empty()) throw trestle::InvalidArgument("option \"output\" must not be empty");
  if (model_.kind == LinearModel::Kind::Logistic && (label_.empty() || label_ == output_))
    throw trestle::InvalidArgument("option \"label_output\" must be a name other than option \"output\" (\"" + output_ + "\")");
}

trestle::Signature Linear::signature() const {
  trestle::Signature s;
  for (const auto& f : model_.features) s.inputs.push_back({f, trestle::Type::Float64, true});
  s.outputs.push_back({output_, trestle::Type::Float64, false});
  if (model_.kind == LinearModel::Kind::Logistic) s.outputs.push_back({label_, trestle::Type::Int64, false});
  return s;
}

trestle::Schema Linear::open(const trestle::Schema& in) {
  for (const auto& f : signature().outputs)
    if (in.has(f.name))
      throw trestle::InvalidArgument("the input already has a column \"" + f.name + "\", which this model would write; choose another name with option \"" +
                                     (f.name == output_ ? "output" : "label_output") + "\"");
  out_ = trestle::Model::open(in);
  index_.clear();
  for (const auto& f : model_.features) index_.push_back(static_cast<size_t>(in.index_of(f)));
  return out_;
}

trestle::Batch Linear::predict(trestle::Batch in, trestle::Context& ctx) {
  const auto rows = static_cast<size_t>(in.num_rows());
  std::vector<double> z(rows, model_.intercept);
  std::vector<int32_t> bad(rows, -1);
  for (size_t j = 0; j < index_.size(); ++j) {
    const trestle::Column& c = in.column(index_[j]);
    const double w = model_.coefficients[j];
    const auto f = static_cast<int32_t>(j);
    switch (c.type()) {
      case trestle::Type::Bool: accumulate(c, [&](int64_t r) { return c.bool_at(r) ? 1.0 : 0.0; }, w, f, z, bad); break;
      case trestle::Type::Int32: accumulate(c, [&](int64_t r) { return static_cast<double>(c.i32(r)); }, w, f, z, bad); break;
      case trestle::Type::Int64:
      case trestle::Type::TimestampUs: accumulate(c, [&](int64_t r) { return static_cast<double>(c.i64(r)); }, w, f, z, bad); break;
      case trestle::Type::Float32: accumulate(c, [&](int64_t r) { return static_cast<double>(c.f32(r)); }, w, f, z, bad); break;
      case trestle::Type::Float64: accumulate(c, [&](int64_t r) { return c.f64(r); }, w, f, z, bad); break;
      case trestle::Type::Utf8: throw trestle::Internal("feature \"" + model_.features[j] + "\" is utf8, which open() refuses");
    }
  }

  // Rejected rows leave the output; the scores of the others move up in place.
  std::vector<uint8_t> keep(rows, 1);
  size_t kept = 0;
  for (size_t r = 0; r < rows; ++r) {
    if (bad[r] >= 0) {
      const auto row = static_cast<int64_t>(r);
      const trestle::Column& c = in.column(index_[static_cast<size_t>(bad[r])]);
      const char* what = c.is_null(row) ? "null" : std::isnan(c.as_double(row)) ? "NaN" : "infinite";
      ctx.reject(row, "feature \"" + model_.features[static_cast<size_t>(bad[r])] + "\" is " + what);
      keep[r] = 0;
      continue;
    }
    z[kept++] = z[r];
  }
  z.resize(kept);
  trestle::Batch scored = kept == rows ? in : in.filter(keep);

  std::vector<trestle::Column> columns = scored.columns();
  if (model_.kind == LinearModel::Kind::Logistic) {
    std::vector<int64_t> labels(kept);
    for (size_t r = 0; r < kept; ++r) {
      z[r] = sigmoid(z[r]);
      labels[r] = z[r] >= threshold_ ? 1 : 0;
    }
    columns.push_back(trestle::Column::from_values(trestle::Type::Float64, std::move(z)));
    columns.push_back(trestle::Column::from_values(trestle::Type::Int64, std::move(labels)));
  } else {
    columns.push_back(trestle::Column::from_values(trestle::Type::Float64, std::move(z)));
  }
  ctx.count("predictions", static_cast<double>(kept));
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace linear
