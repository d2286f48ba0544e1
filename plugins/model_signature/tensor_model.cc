#include "tensor_model.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <utility>

#include <trestle/dense.hpp>
#include <trestle/error.hpp>

namespace model_signature {
namespace {

// The shortest text that reads back to the same double: 1e300, not 1.0000000000000001e+300.
std::string number(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Why feature column c cannot be scored at `row`, whose value became `as_tensor`.
std::string why_not_finite(const trestle::Column& c, int64_t row, TensorType as) {
  if (c.is_null(row)) return "null";
  const double v = c.as_double(row);
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return "infinite";
  return number(v) + ", beyond the range of the model's " + tensor_type_name(as) + " input";
}

template <typename T>
std::vector<T>& matrix_of(Features& f);
template <>
std::vector<float>& matrix_of<float>(Features& f) { return f.f32; }
template <>
std::vector<double>& matrix_of<double>(Features& f) { return f.f64; }

}  // namespace

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
  return s + "]";
}

TensorModel::TensorModel(ModelSignature sig, double threshold, std::string label_output)
    : sig_(std::move(sig)), threshold_(threshold), label_(std::move(label_output)) {
  if (!(threshold_ >= 0 && threshold_ <= 1)) throw trestle::InvalidArgument("option \"threshold\" must be within [0, 1]");
  if (!has_label()) return;
  if (label_.empty()) throw trestle::InvalidArgument("option \"label_output\" must not be empty");
  for (const auto& o : sig_.outputs)
    if (o == label_)
      throw trestle::InvalidArgument("option \"label_output\" (\"" + label_ + "\") is also an output of signature file \"" + sig_.path +
                                     "\"; choose another name for the label column");
  for (const auto& in : sig_.inputs)
    if (in.name == label_)
      throw trestle::InvalidArgument("option \"label_output\" (\"" + label_ + "\") is also an input of signature file \"" + sig_.path +
                                     "\"; choose another name for the label column");
}

trestle::Signature TensorModel::signature() const {
  trestle::Signature s;
  for (const auto& in : sig_.inputs) s.inputs.push_back({in.name, in.type, in.any_numeric});
  for (const auto& o : sig_.outputs) s.outputs.push_back({o, trestle::Type::Float64, false});
  if (has_label()) s.outputs.push_back({label_, trestle::Type::Int64, false});
  return s;
}

trestle::Schema TensorModel::open(const trestle::Schema& input) {
  const trestle::Signature s = signature();
  for (const auto& f : s.outputs)
    if (input.has(f.name))
      throw trestle::InvalidArgument("the input already has a column \"" + f.name + "\", which this model would write" +
                                     (f.name == label_ && has_label() ? "; choose another name with option \"label_output\""
                                                                      : " (an output of signature file \"" + sig_.path + "\")"));
  for (const auto& in : s.inputs) {
    if (in.any_numeric) input.require_numeric(in.name);
    else input.require(in.name, in.type);
  }
  std::vector<std::string> names;
  for (const auto& in : sig_.inputs) names.push_back(in.name);
  index_ = trestle::feature_columns(input, names);
  out_ = input;
  for (const auto& f : s.outputs) out_ = out_.with(f);
  return out_;
}

namespace {
template <typename T>
void gather_as(const trestle::Batch& input, const std::vector<size_t>& index, const ModelSignature& sig,
               const trestle::Context& ctx, TensorType as, Features& f) {
  std::vector<T>& m = matrix_of<T>(f);
  trestle::to_row_major(input, index, m);
  const size_t width = index.size();
  const std::vector<int32_t> bad = trestle::first_non_finite(m, width);
  const size_t rows = bad.size();
  f.width = width;
  f.rows.reserve(rows);
  // Rows that stay move up in place; a rejected row leaves a gap the next one fills.
  for (size_t r = 0; r < rows; ++r) {
    const auto row = static_cast<int64_t>(r);
    if (bad[r] >= 0) {
      const auto j = static_cast<size_t>(bad[r]);
      ctx.reject(row, "feature \"" + sig.inputs[j].name + "\" is " + why_not_finite(input.column(index[j]), row, as));
      continue;
    }
    const size_t to = f.rows.size();
    if (to != r) std::memmove(m.data() + to * width, m.data() + r * width, width * sizeof(T));
    f.rows.push_back(row);
  }
  m.resize(f.rows.size() * width);
}
}  // namespace

Features TensorModel::gather(const trestle::Batch& input, const trestle::Context& ctx, TensorType as) const {
  if (index_.size() != sig_.inputs.size()) throw trestle::Internal("predict() before open()");
  Features f;
  if (as == TensorType::Float64) gather_as<double>(input, index_, sig_, ctx, as, f);
  else gather_as<float>(input, index_, sig_, ctx, as, f);
  return f;
}

std::string TensorModel::check_output_shape(const std::vector<int64_t>& shape, int64_t rows) const {
  const auto k = static_cast<int64_t>(sig_.outputs.size());
  if (shape.size() == 2 && shape[0] == rows && shape[1] == k) return "";
  if (k == 1 && shape.size() == 1 && shape[0] == rows) return "";
  if (k == 1 && rows == 1 && shape.empty()) return "";
  std::string expected = shape_text({rows, k});
  if (k == 1) expected += " or " + shape_text({rows});
  return "returns a " + shape_text(shape) + " tensor for " + std::to_string(rows) + (rows == 1 ? " row" : " rows") +
         ", but signature file \"" + sig_.path + "\" lists " + sig_.outputs_list() + ": expected " + expected;
}

trestle::Batch TensorModel::emit(const trestle::Batch& input, const Features& f, const std::vector<double>& scores,
                                 const trestle::Context& ctx) const {
  const size_t k = sig_.outputs.size();
  const size_t kept = f.kept();
  if (scores.size() != kept * k)
    throw trestle::Internal("the model returned " + std::to_string(scores.size()) + " scores for " + std::to_string(kept) + " rows of " +
                            std::to_string(k) + " outputs");
  std::vector<std::vector<double>> outputs(k);
  for (auto& o : outputs) o.reserve(kept);
  std::vector<int64_t> labels;
  labels.reserve(has_label() ? kept : 0);
  std::vector<uint8_t> keep(static_cast<size_t>(input.num_rows()), 0);
  size_t emitted = 0;
  for (size_t i = 0; i < kept; ++i) {
    const double* s = scores.data() + i * k;
    size_t bad = k;
    for (size_t j = 0; j < k && bad == k; ++j)
      if (!std::isfinite(s[j])) bad = j;
    if (bad < k) {
      ctx.reject(f.rows[i], "the model's output \"" + sig_.outputs[bad] + "\" is " + (std::isnan(s[bad]) ? "NaN" : "infinite") + " for this row");
      continue;
    }
    keep[static_cast<size_t>(f.rows[i])] = 1;
    ++emitted;
    for (size_t j = 0; j < k; ++j) outputs[j].push_back(s[j]);
    if (sig_.task == Task::Binary) {
      labels.push_back(s[0] >= threshold_ ? 1 : 0);
    } else if (sig_.task == Task::Multiclass) {
      size_t best = 0;
      for (size_t j = 1; j < k; ++j)
        if (s[j] > s[best]) best = j;
      labels.push_back(static_cast<int64_t>(best));
    }
  }
  const trestle::Batch scored = emitted == static_cast<size_t>(input.num_rows()) ? input : input.filter(keep);
  std::vector<trestle::Column> columns = scored.columns();
  for (auto& o : outputs) columns.push_back(trestle::Column::from_values(trestle::Type::Float64, std::move(o)));
  if (has_label()) columns.push_back(trestle::Column::from_values(trestle::Type::Int64, std::move(labels)));
  ctx.count("predictions", static_cast<double>(emitted));
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace model_signature
