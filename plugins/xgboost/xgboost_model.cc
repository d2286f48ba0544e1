#include "xgboost_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include <trestle/dense.hpp>
#include <trestle/model_file.hpp>

namespace trestle_xgb {
namespace {

// The model file the `model` option names (a directory resolves to the first of the
// usual names); XGBoost picks the format from the extension, so only .json and .ubj pass.
std::string resolve_model(const trestle::Options& o) {
  const std::string path =
      trestle::model_file(o.get<std::string>("model"), {"xgboost.json", "xgboost.ubj", "model.json", "model.ubj"});
  auto ends_with = [&](const char* ext) {
    const std::string e(ext);
    return path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (!ends_with(".json") && !ends_with(".ubj"))
    throw trestle::InvalidArgument("model file \"" + path +
                                   "\" must be an XGBoost model saved as JSON (.json) or UBJSON (.ubj); XGBoost picks the "
                                   "format by that extension");
  return path;
}

int checked_nthread(const trestle::Options& o) {
  const int64_t n = o.get<int64_t>("nthread");
  if (n < 1 || n > 1024) throw trestle::InvalidArgument("option \"nthread\" must be within [1, 1024], not " + std::to_string(n));
  return static_cast<int>(n);
}

// learner_model_param values are decimal strings in XGBoost's configuration.
size_t config_count(const nlohmann::json& params, const char* key, const std::string& path) {
  auto it = params.find(key);
  if (it == params.end()) return 0;
  try {
    const std::string s = it->is_string() ? it->get<std::string>() : it->dump();
    return static_cast<size_t>(std::stoul(s));
  } catch (const std::exception&) {
    throw trestle::InvalidArgument("model file \"" + path + "\": XGBoost reports " + key + " as " + it->dump() +
                                   ", which is not a count");
  }
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "\"" : ", \"") + x + "\"";
  return "[" + s + "]";
}

}  // namespace

trestle::OperatorSpec XGBoostModel::spec() {
  return trestle::OperatorSpec("xgboost",
                               "Score rows with an XGBoost model (gbtree, dart or gblinear) saved by XGBoost as JSON or UBJSON.")
      .param<std::string>("model",
                          "path of the model file, saved with XGBoost's save_model as JSON (.json) or UBJSON (.ubj), or of a "
                          "directory holding it as xgboost.json, xgboost.ubj, model.json or model.ubj (the first that exists, "
                          "in that order; one version of a versioned model repository). The model's attribute \"version\" "
                          "(set_attr), when present, is reported as the model version")
      .required()
      .param<double>("threshold", "binary:logistic models: the label is 1 where score >= threshold", 0.5)
      .range(0.0, 1.0)
      .param<std::string>("output",
                          "the name of the score column; multi-class and multi-target models write one column per class or "
                          "target, <output>_0, <output>_1, ...",
                          std::string("score"))
      .param<std::string>("label_output", "the name of the label column (binary:logistic and multi-class models)",
                          std::string("label"))
      .param<std::string>("score_type",
                          "the type of the score columns: float32 (XGBoost's own precision: every score is exactly what "
                          "XGBoost computed, and is written with the fewest digits that read back as it) or float64 (the "
                          "same values widened, for a table or a consumer that wants float64)",
                          std::string("float32"))
      .one_of({"float32", "float64"})
      .param<int>("nthread",
                  "XGBoost threads per prediction call (XGBoost's nthread, set on the booster at load); concurrent batches "
                  "each use up to this many",
                  1)
      .range(1, 1024)
      .param<trestle::StringList>("features",
                                  "the model's feature names in its column order, for a model file that has none (trained "
                                  "from an unnamed matrix); when the model names its features, this must equal them")
      .min(1)
      .input_doc("every feature of the model, by name (any order, other columns ignored), as a numeric column (bool reads "
                 "as 0/1, values are passed to XGBoost as float32). A null or NaN is XGBoost's missing value and takes the "
                 "trees' default branch; no row is rejected")
      .output_doc(
          "the input columns, then, by the model's objective: binary:logistic: <output> (the probability, float32 or float64 by score_type) and "
          "int64 <label_output> = 1 if <output> >= threshold else 0; multi:softprob: <output>_<k> for each class "
          "k (the probabilities) and int64 <label_output> = the class of the highest probability (the first on a tie); "
          "multi:softmax: the same columns, but XGBoost predicts only the class for softmax, so the operator asks for the "
          "per-class margins and applies softmax itself (the probabilities multi:softprob gives for the same trees) and "
          "<label_output> is the class XGBoost predicts; any other objective (reg:*, binary:logitraw, binary:hinge, "
          "count:*, rank:*, survival:*...): <output>, XGBoost's prediction as is. A model with several targets "
          "writes <output>_<k> per target k instead (and binary:logistic int64 <label_output>_<k> per target). Every "
          "input row comes out, in order. Threading: gbtree and dart models score concurrent batches with one shared "
          "booster (XGBoost's prediction is thread-safe for them since 1.4); a gblinear model, which XGBoost cannot "
          "predict in place, scores one batch at a time through a DMatrix behind a lock. Counter predictions counts "
          "scored rows")
      .reentrant();
}

XGBoostModel::XGBoostModel(const trestle::Options& o)
    : path_(resolve_model(o)),
      booster_(Booster::load(path_, checked_nthread(o))),
      threshold_(o.get<double>("threshold")),
      score_type_(o.get<std::string>("score_type") == "float64" ? trestle::Type::Float64 : trestle::Type::Float32),
      output_(o.get<std::string>("output")),
      label_(o.get<std::string>("label_output")),
      framework_("xgboost " + Booster::version()),
      version_(booster_.attribute("version").value_or("")) {
  // What the model predicts, from XGBoost's own configuration of the loaded learner.
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(booster_.config_json());
    objective_ = config.at("learner").at("objective").at("name").get<std::string>();
    booster_kind_ = config.at("learner").at("gradient_booster").at("name").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw trestle::InvalidArgument("model file \"" + path_ + "\": XGBoost's configuration of it lacks the objective or booster (" +
                                   e.what() + ")");
  }
  const nlohmann::json& params = config["learner"]["learner_model_param"];
  const size_t num_class = config_count(params, "num_class", path_);
  const size_t num_target = std::max<size_t>(1, config_count(params, "num_target", path_));
  if (objective_ == "multi:softprob" || objective_ == "multi:softmax") {
    kind_ = objective_ == "multi:softprob" ? Kind::MultiProb : Kind::MultiMargin;
    width_ = num_class;
    if (width_ < 2)
      throw trestle::InvalidArgument("model file \"" + path_ + "\": objective " + objective_ + " with num_class " +
                                     std::to_string(num_class) + "; a multi-class model needs at least 2 classes");
  } else {
    kind_ = objective_ == "binary:logistic" ? Kind::Binary : Kind::Score;
    width_ = num_target;
  }
  inplace_ = booster_kind_ == "gbtree" || booster_kind_ == "dart";

  // Feature names: the model's, or the `features` option's for a model without them.
  const uint64_t num_features = booster_.num_features();
  std::vector<std::string> named = booster_.feature_names();
  const bool given = o.has("features");
  std::vector<std::string> option = given ? o.get<trestle::StringList>("features") : std::vector<std::string>{};
  if (num_features == 0) throw trestle::InvalidArgument("model file \"" + path_ + "\" has no features");
  if (!named.empty() && named.size() != num_features)
    throw trestle::InvalidArgument("model file \"" + path_ + "\" names " + std::to_string(named.size()) + " features but has " +
                                   std::to_string(num_features));
  if (given) {
    std::set<std::string> seen;
    for (const auto& f : option)
      if (!seen.insert(f).second) throw trestle::InvalidArgument("option \"features\" lists \"" + f + "\" twice");
    if (named.empty() && option.size() != num_features)
      throw trestle::InvalidArgument("option \"features\" lists " + std::to_string(option.size()) + " names but model file \"" +
                                     path_ + "\" has " + std::to_string(num_features) + " features");
    if (!named.empty() && option != named) {
      std::string where;
      if (option.size() != named.size()) {
        where = "it lists " + std::to_string(option.size()) + " names, the model " + std::to_string(named.size());
      } else {
        for (size_t i = 0; i < named.size() && where.empty(); ++i)
          if (option[i] != named[i])
            where = "feature " + std::to_string(i) + " is \"" + option[i] + "\" in the option but \"" + named[i] + "\" in the model";
      }
      throw trestle::InvalidArgument("option \"features\" differs from the feature names of model file \"" + path_ + "\" (" +
                                     where + "); the model's are " + quoted_list(named));
    }
  } else if (named.empty()) {
    throw trestle::InvalidArgument("model file \"" + path_ + "\" has no feature names; list its " +
                                   std::to_string(num_features) + " features, in the model's column order, with option \"features\"");
  }
  features_ = named.empty() ? option : named;

  if (!(threshold_ >= 0 && threshold_ <= 1)) throw trestle::InvalidArgument("option \"threshold\" must be within [0, 1]");
  if (output_.empty()) throw trestle::InvalidArgument("option \"output\" must not be empty");
  if (const std::string t = o.get<std::string>("score_type"); t != "float32" && t != "float64")
    throw trestle::InvalidArgument("option \"score_type\" must be float32 or float64, got \"" + t + "\"");
  const bool labels = kind_ != Kind::Score;
  if (labels && label_.empty()) throw trestle::InvalidArgument("option \"label_output\" must not be empty");

  // Output columns, in the order predict() appends them.
  auto add = [&](const std::string& name, trestle::Type type, const char* option_name) {
    for (const auto& f : outputs_)
      if (f.name == name)
        throw trestle::InvalidArgument("option \"" + std::string(option_name) + "\" gives the output column \"" + name +
                                       "\" a name another output column of this model already has; choose another name");
    outputs_.push_back({name, type, false});
  };
  if (width_ == 1) {
    add(output_, score_type_, "output");
    if (labels) add(label_, trestle::Type::Int64, "label_output");
  } else {
    for (size_t k = 0; k < width_; ++k) add(output_ + "_" + std::to_string(k), score_type_, "output");
    if (kind_ == Kind::Binary) {
      for (size_t k = 0; k < width_; ++k) add(label_ + "_" + std::to_string(k), trestle::Type::Int64, "label_output");
    } else if (labels) {
      add(label_, trestle::Type::Int64, "label_output");
    }
  }

  // One all-missing row: finishes XGBoost's lazy set-up before any concurrent call and
  // proves the model predicts as many values per row as its objective implies.
  std::vector<float> row(features_.size(), std::numeric_limits<float>::quiet_NaN());
  std::vector<float> result;
  try {
    run(row, 1, result);
  } catch (const trestle::Error& e) {
    throw trestle::InvalidArgument("model file \"" + path_ + "\" cannot predict: " + e.what());
  }
  if (result.size() != width_)
    throw trestle::InvalidArgument("model file \"" + path_ + "\": XGBoost predicts " + std::to_string(result.size()) +
                                   " values per row, but objective " + objective_ + " with num_class " + std::to_string(num_class) +
                                   " and num_target " + std::to_string(num_target) + " implies " + std::to_string(width_));
}

trestle::Signature XGBoostModel::signature() const {
  trestle::Signature s;
  for (const auto& f : features_) s.inputs.push_back({f, trestle::Type::Float64, true});
  s.outputs = outputs_;
  return s;
}

trestle::Schema XGBoostModel::open(const trestle::Schema& in) {
  for (const auto& f : outputs_)
    if (in.has(f.name))
      throw trestle::InvalidArgument("the input already has a column \"" + f.name +
                                     "\", which this model would write; choose another name with option \"" +
                                     (f.type == trestle::Type::Int64 ? "label_output" : "output") + "\"");
  // By name, in the model's feature order; names the first missing or utf8 feature.
  index_ = trestle::feature_columns(in, features_);
  out_ = in;
  for (const auto& f : outputs_) out_ = out_.with(f);
  return out_;
}

// gbtree and dart: in-place prediction on the shared booster, concurrently from every
// calling thread (thread-safe in XGBoost since 1.4). gblinear has no in-place prediction;
// its DMatrix path is serialised by serial_, as nothing documents it as thread-safe.
void XGBoostModel::run(const std::vector<float>& matrix, size_t rows, std::vector<float>& result) const {
  const auto output = kind_ == Kind::MultiMargin ? Booster::Output::Margin : Booster::Output::Value;
  if (inplace_) {
    booster_.predict_inplace(matrix.data(), rows, features_.size(), output, result);
  } else {
    std::lock_guard<std::mutex> lock(serial_);
    booster_.predict_dmatrix(matrix.data(), rows, features_.size(), output, result);
  }
}

std::unique_ptr<XGBoostModel::Scratch> XGBoostModel::take_scratch() {
  std::lock_guard<std::mutex> lock(scratch_mu_);
  if (scratch_.empty()) return std::make_unique<Scratch>();
  std::unique_ptr<Scratch> s = std::move(scratch_.back());
  scratch_.pop_back();
  return s;
}

void XGBoostModel::give_back(std::unique_ptr<Scratch> s) {
  std::lock_guard<std::mutex> lock(scratch_mu_);
  scratch_.push_back(std::move(s));
}

template <class It>
trestle::Column XGBoostModel::score_column(It begin, It end) const {
  if (score_type_ == trestle::Type::Float32)
    return trestle::Column::from_values(score_type_, std::vector<float>(begin, end));
  return trestle::Column::from_values(score_type_, std::vector<double>(begin, end));
}

trestle::Batch XGBoostModel::predict(trestle::Batch in, trestle::Context& ctx) {
  const auto rows = static_cast<size_t>(in.num_rows());
  std::vector<trestle::Column> columns = in.columns();
  if (rows == 0) {
    for (const auto& f : outputs_) columns.push_back(trestle::ColumnBuilder(f.type).finish());
    return trestle::Batch(out_, std::move(columns));
  }

  std::unique_ptr<Scratch> s = take_scratch();
  trestle::to_row_major<float>(in, index_, s->matrix);
  run(s->matrix, rows, s->result);
  const std::vector<float>& y = s->result;
  if (y.size() != rows * width_)
    throw trestle::Internal("XGBoost returned " + std::to_string(y.size()) + " values for " + std::to_string(rows) + " rows of " +
                            std::to_string(width_) + " from model file \"" + path_ + "\"");

  if (width_ == 1) {
    columns.push_back(score_column(y.begin(), y.end()));
    if (kind_ == Kind::Binary) {
      std::vector<int64_t> label(rows);
      for (size_t r = 0; r < rows; ++r) label[r] = static_cast<double>(y[r]) >= threshold_ ? 1 : 0;
      columns.push_back(trestle::Column::from_values(trestle::Type::Int64, std::move(label)));
    }
  } else {
    const size_t w = width_;
    std::vector<std::vector<double>> value(w, std::vector<double>(rows));
    for (size_t r = 0; r < rows; ++r)
      for (size_t k = 0; k < w; ++k) value[k][r] = y[r * w + k];
    if (kind_ == Kind::MultiMargin) {
      // softmax of the margins, from the largest down so that exp() cannot overflow.
      for (size_t r = 0; r < rows; ++r) {
        double top = value[0][r];
        for (size_t k = 1; k < w; ++k) top = std::max(top, value[k][r]);
        double sum = 0;
        for (size_t k = 0; k < w; ++k) sum += (value[k][r] = std::exp(value[k][r] - top));
        for (size_t k = 0; k < w; ++k) value[k][r] /= sum;
      }
    }
    std::vector<std::vector<int64_t>> labels;
    if (kind_ == Kind::MultiProb || kind_ == Kind::MultiMargin) {
      // argmax over XGBoost's own float output (margins for softmax, as XGBoost does),
      // the first class on a tie.
      labels.emplace_back(rows);
      for (size_t r = 0; r < rows; ++r) {
        const float* p = y.data() + r * w;
        labels[0][r] = static_cast<int64_t>(std::max_element(p, p + w) - p);
      }
    } else if (kind_ == Kind::Binary) {
      labels.assign(w, std::vector<int64_t>(rows));
      for (size_t k = 0; k < w; ++k)
        for (size_t r = 0; r < rows; ++r) labels[k][r] = value[k][r] >= threshold_ ? 1 : 0;
    }
    for (auto& v : value) columns.push_back(score_column(v.begin(), v.end()));
    for (auto& l : labels) columns.push_back(trestle::Column::from_values(trestle::Type::Int64, std::move(l)));
  }
  give_back(std::move(s));
  ctx.count("predictions", static_cast<double>(rows));
  return trestle::Batch(out_, std::move(columns));
}

}  // namespace trestle_xgb
