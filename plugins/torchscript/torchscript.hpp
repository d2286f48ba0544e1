#pragma once
// The torchscript model: a TorchScript module (LibTorch) described by a signature file.
// LibTorch stays behind a pointer to an implementation: only torchscript.cc includes
// its headers, so this header (and what includes it, like the tests) compiles fast.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <trestle/sdk.hpp>

#include "tensor_model.hpp"

namespace torchscript {

/// Scores rows with a TorchScript module whose forward takes one [rows, inputs] tensor
/// and returns one [rows, outputs] (or, with one output, [rows]) tensor.
class TorchScript final : public trestle::Model {
 public:
  static trestle::OperatorSpec spec();
  explicit TorchScript(const trestle::Options& o);
  ~TorchScript() override;
  trestle::Signature signature() const override { return model_.signature(); }
  trestle::Schema open(const trestle::Schema& in) override;
  trestle::Batch predict(trestle::Batch in, trestle::Context& ctx) override;
  trestle::ModelInfo info() const override;

  const std::string& model_path() const { return path_; }
  const model_signature::ModelSignature& model_signature() const { return model_.sig(); }

 private:
  struct Module;  // the loaded torch::jit::Module
  /// Runs forward on `rows` rows of `data` (float or double, as the signature's
  /// tensor_type) and returns rows x outputs scores, row-major. A failure is an
  /// InvalidArgument at open and a DataError afterwards.
  std::vector<double> forward(const void* data, int64_t rows, bool opening);
  void use_threads() const;
  std::string what() const;  // `torchscript model "path"`

  std::string path_;
  model_signature::TensorModel model_;
  int64_t warmup_;
  int threads_;
  std::unique_ptr<Module> module_;
};

}  // namespace torchscript
