#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "booster.hpp"

namespace trestle_xgb {

/// Scores rows with an XGBoost model loaded from a JSON or UBJSON file.
///
/// Threading: declared reentrant. One booster serves every concurrent batch: XGBoost
/// documents prediction as thread-safe for gbtree and dart boosters since 1.4 (setting
/// parameters or training concurrently is not; the operator does both only while it is
/// being constructed). A gblinear booster cannot predict in place, so its batches go
/// through a DMatrix, one at a time behind `serial_`.
class XGBoostModel final : public trestle::Model {
 public:
  static trestle::OperatorSpec spec();
  explicit XGBoostModel(const trestle::Options& o);
  trestle::Signature signature() const override;
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch predict(trestle::Batch in, trestle::Context& ctx) override;
  trestle::ModelInfo info() const override { return {framework_, version_}; }

  /// How the operator turns XGBoost's output into columns, by the model's objective.
  enum class Kind {
    Score,        // anything else: XGBoost's value per target as is
    Binary,       // binary:logistic: score, and label = score >= threshold
    MultiProb,    // multi:softprob: one probability per class, label = argmax
    MultiMargin,  // multi:softmax: margins per class -> softmax, label = argmax
  };

  const std::string& model_path() const { return path_; }
  const std::vector<std::string>& features() const { return features_; }
  const std::string& objective() const { return objective_; }
  Kind kind() const { return kind_; }
  /// Values XGBoost predicts per row: classes for multi:*, targets otherwise.
  size_t width() const { return width_; }

 private:
  // The feature matrix and XGBoost's result of one call; reused by later calls so that
  // no call allocates per row once the buffers have grown to the batch size.
  struct Scratch {
    std::vector<float> matrix;
    std::vector<float> result;
  };
  std::unique_ptr<Scratch> take_scratch();
  void give_back(std::unique_ptr<Scratch> s);
  void run(const std::vector<float>& matrix, size_t rows, std::vector<float>& result) const;
  /// A score column of score_type_ holding the values [begin, end).
  template <class It>
  trestle::Column score_column(It begin, It end) const;

  std::string path_;
  Booster booster_;
  std::string objective_;
  std::string booster_kind_;  // gbtree, dart, gblinear
  Kind kind_ = Kind::Score;
  size_t width_ = 1;
  bool inplace_ = true;  // false: DMatrix path under serial_
  std::vector<std::string> features_;
  double threshold_;
  trestle::Type score_type_;  ///< of the score columns: float32 or float64
  std::string output_, label_;
  std::string framework_, version_;
  std::vector<trestle::Field> outputs_;
  std::vector<size_t> index_;  // input column of each feature, set by open()
  trestle::Schema out_;

  mutable std::mutex serial_;  // gblinear prediction
  std::mutex scratch_mu_;
  std::vector<std::unique_ptr<Scratch>> scratch_;
};

}  // namespace trestle_xgb
