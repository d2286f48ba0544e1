#pragma once
// The onnx model: an ONNX model run by OpenCV's dnn module, described by a signature
// file. OpenCV stays behind a pointer to an implementation: only onnx.cc includes its
// headers.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "tensor_model.hpp"

namespace onnx_plugin {

/// Scores rows with an ONNX model whose one input is a [rows, inputs] float32 tensor
/// and whose one output is [rows, outputs] (or, with one output, [rows]).
class Onnx final : public trestle::Model {
 public:
  static trestle::OperatorSpec spec();
  explicit Onnx(const trestle::Options& o);
  ~Onnx() override;
  trestle::Signature signature() const override { return model_.signature(); }
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch predict(trestle::Batch in, trestle::Context& ctx) override;
  trestle::ModelInfo info() const override;

  const std::string& model_path() const { return path_; }
  const model_signature::ModelSignature& model_signature() const { return model_.sig(); }

 private:
  struct Net;  // the cv::dnn::Net and the name of its output
  /// Runs the network on `rows` rows of `data` and returns rows x outputs scores,
  /// row-major. A failure is an InvalidArgument at open and a DataError afterwards.
  std::vector<double> forward(const float* data, int64_t rows, bool opening);
  std::string what() const;  // `onnx model "path"`

  std::string path_;
  model_signature::TensorModel model_;
  int64_t warmup_;
  int threads_;
  std::unique_ptr<Net> net_;
};

}  // namespace onnx_plugin
