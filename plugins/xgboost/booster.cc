#include "booster.hpp"

#include <cstdint>
#include <cstdio>
#include <utility>

#include <xgboost/c_api.h>

#include <trestle/error.hpp>

namespace trestle_xgb {
namespace {

// XGBoost's message for the last failed call on this thread, without the time stamp it
// starts with and the stack trace it may end with.
std::string last_error() {
  const char* raw = XGBGetLastError();
  std::string m = raw != nullptr ? raw : "";
  if (!m.empty() && m[0] == '[') {
    const size_t close = m.find("] ");
    if (close != std::string::npos && close < 16) m.erase(0, close + 2);
  }
  const size_t trace = m.find("\nStack trace");
  if (trace != std::string::npos) m.erase(trace);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m.empty() ? "no message" : m;
}

void check(int rc, const char* call) {
  if (rc != 0) throw trestle::Internal(std::string("XGBoost ") + call + " failed: " + last_error());
}

// Inplace prediction needs "cache_id" (without it XGBoost fails with "Invalid cast, from
// Null to Integer") and takes the missing value; NaN is what nulls become.
constexpr const char* kInplaceValue =
    R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})";
constexpr const char* kInplaceMargin =
    R"({"type":1,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false,"cache_id":0,"missing":NaN})";
constexpr const char* kDMatrixValue =
    R"({"type":0,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";
constexpr const char* kDMatrixMargin =
    R"({"type":1,"training":false,"iteration_begin":0,"iteration_end":0,"strict_shape":false})";
// The DMatrix the gblinear path makes for each call; one thread fills it.
constexpr const char* kDMatrixCreate = R"({"missing":NaN,"nthread":1})";

// The __array_interface__ JSON of a row-major float32 matrix (a few dozen bytes, one per call).
struct ArrayInterface {
  char text[160];
  ArrayInterface(const float* x, size_t rows, size_t cols) {
    std::snprintf(text, sizeof text, R"({"data":[%llu,true],"shape":[%zu,%zu],"typestr":"<f4","version":3})",
                  static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(x)), rows, cols);
  }
};

// Copies a prediction out of XGBoost's buffer, which belongs to the booster and this
// thread and is overwritten by the next call.
void copy_result(const bst_ulong* shape, bst_ulong dim, const float* result, std::vector<float>& out) {
  size_t n = dim == 0 ? 0 : 1;
  for (bst_ulong i = 0; i < dim; ++i) n *= static_cast<size_t>(shape[i]);
  out.assign(result, result + n);
}

class DMatrix {
 public:
  DMatrix(const float* x, size_t rows, size_t cols) {
    ArrayInterface a(x, rows, cols);
    check(XGDMatrixCreateFromDense(a.text, kDMatrixCreate, &handle_), "XGDMatrixCreateFromDense");
  }
  ~DMatrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

}  // namespace

Booster Booster::load(const std::string& path, int nthread) {
  BoosterHandle h = nullptr;
  check(XGBoosterCreate(nullptr, 0, &h), "XGBoosterCreate");
  Booster b(h);
  if (XGBoosterLoadModel(h, path.c_str()) != 0)
    throw trestle::InvalidArgument("model file \"" + path + "\" cannot be loaded by XGBoost: " + last_error());
  check(XGBoosterSetParam(h, "nthread", std::to_string(nthread).c_str()), "XGBoosterSetParam(nthread)");
  return b;
}

Booster& Booster::operator=(Booster&& o) noexcept {
  if (this != &o) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(o.handle_, nullptr);
  }
  return *this;
}

Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}

std::vector<std::string> Booster::feature_names() const {
  bst_ulong n = 0;
  const char** names = nullptr;
  check(XGBoosterGetStrFeatureInfo(handle_, "feature_name", &n, &names), "XGBoosterGetStrFeatureInfo(feature_name)");
  return std::vector<std::string>(names, names + n);  // thread-local storage: copy now
}

uint64_t Booster::num_features() const {
  bst_ulong n = 0;
  check(XGBoosterGetNumFeature(handle_, &n), "XGBoosterGetNumFeature");
  return n;
}

std::string Booster::config_json() const {
  bst_ulong len = 0;
  const char* text = nullptr;
  check(XGBoosterSaveJsonConfig(handle_, &len, &text), "XGBoosterSaveJsonConfig");
  return std::string(text, len);
}

std::optional<std::string> Booster::attribute(const std::string& key) const {
  const char* value = nullptr;
  int found = 0;
  check(XGBoosterGetAttr(handle_, key.c_str(), &value, &found), "XGBoosterGetAttr");
  if (found == 0 || value == nullptr) return std::nullopt;
  return std::string(value);
}

void Booster::predict_inplace(const float* x, size_t rows, size_t cols, Output output, std::vector<float>& out) const {
  ArrayInterface a(x, rows, cols);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  check(XGBoosterPredictFromDense(handle_, a.text, output == Output::Margin ? kInplaceMargin : kInplaceValue, nullptr,
                                  &shape, &dim, &result),
        "XGBoosterPredictFromDense");
  copy_result(shape, dim, result, out);
}

void Booster::predict_dmatrix(const float* x, size_t rows, size_t cols, Output output, std::vector<float>& out) const {
  DMatrix m(x, rows, cols);
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  check(XGBoosterPredictFromDMatrix(handle_, m.get(), output == Output::Margin ? kDMatrixMargin : kDMatrixValue, &shape,
                                    &dim, &result),
        "XGBoosterPredictFromDMatrix");
  copy_result(shape, dim, result, out);
}

std::string Booster::version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace trestle_xgb
