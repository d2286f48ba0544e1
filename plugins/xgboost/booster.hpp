#pragma once
// A thin owner of one XGBoost booster (C API, xgboost/c_api.h). Every call checks
// XGBoost's return code and throws a trestle::Error carrying XGBGetLastError()'s message.
// Only this file's .cc includes the XGBoost header.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trestle_xgb {

class Booster {
 public:
  /// What a prediction returns per row: the objective's transformed value (probability,
  /// class...) or the raw margin.
  enum class Output { Value, Margin };

  /// Loads a JSON (.json) or UBJSON (.ubj) model file and sets XGBoost's `nthread` on
  /// the booster. Throws InvalidArgument naming the file and XGBoost's complaint.
  static Booster load(const std::string& path, int nthread);

  Booster(Booster&& o) noexcept : handle_(o.handle_) { o.handle_ = nullptr; }
  Booster& operator=(Booster&& o) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;
  ~Booster();

  /// The model's feature names in column order; empty when the model has none.
  std::vector<std::string> feature_names() const;
  /// How many features (columns) the model was trained on.
  uint64_t num_features() const;
  /// XGBoost's JSON configuration of the learner (objective, parameters).
  std::string config_json() const;
  /// The model attribute `key` (Booster.set_attr in Python), or nullopt.
  std::optional<std::string> attribute(const std::string& key) const;

  /// Predicts `rows` rows of the row-major float matrix `x` (rows x cols, NaN =
  /// missing) in place, without a DMatrix, and copies XGBoost's result (rows x values
  /// per row) into `out` before returning. Thread-safe for gbtree and dart boosters
  /// (XGBoost >= 1.4); XGBoost refuses it for gblinear. Throws Internal on failure.
  void predict_inplace(const float* x, size_t rows, size_t cols, Output output, std::vector<float>& out) const;
  /// As predict_inplace, through a DMatrix made for the call (every booster supports
  /// it; the operator serialises these calls).
  void predict_dmatrix(const float* x, size_t rows, size_t cols, Output output, std::vector<float>& out) const;

  /// "X.Y.Z" of the XGBoost library in use.
  static std::string version();

 private:
  explicit Booster(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;  // BoosterHandle
};

}  // namespace trestle_xgb
