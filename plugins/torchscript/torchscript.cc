// The only file of the plugin that includes LibTorch (it takes ~15 s to compile).
#include "torchscript.hpp"

#include <ATen/Parallel.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <exception>
#include <utility>

#include <trestle/model_file.hpp>

namespace torchscript {
namespace {

using model_signature::TensorType;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// LibTorch's message without the C++ backtrace. An error raised inside TorchScript code
// comes with the TorchScript traceback first and the error itself on the last lines;
// keep the error ("RuntimeError: ...").
std::string torch_message(const char* what) {
  std::string m = trim(what);
  const std::string marker = "RuntimeError: ";
  const size_t at = m.rfind(marker);
  if (at != std::string::npos && m.find("Traceback of TorchScript") != std::string::npos) m = trim(m.substr(at + marker.size()));
  return m;
}

template <typename Fn>
auto torch_call(Fn&& fn, const std::string& context, bool opening) -> decltype(fn()) {
  auto fail = [&](const std::string& m) -> trestle::Error {
    if (opening) return trestle::InvalidArgument(context + ": " + m);
    return trestle::DataError(context + ": " + m);
  };
  try {
    return fn();
  } catch (const trestle::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw fail(torch_message(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw fail(torch_message(e.what()));
  }
}

}  // namespace

struct TorchScript::Module {
  torch::jit::Module module;
};

trestle::OperatorSpec TorchScript::spec() {
  return trestle::OperatorSpec(
             "torchscript",
             "Score rows with a TorchScript model (LibTorch): a module saved with torch.jit.save whose forward takes one "
             "[rows, inputs] tensor, described by a signature file.")
      .param<std::string>("model",
                          "path of the TorchScript file, or of a directory holding it as model.pt or torchscript.pt (one version "
                          "of a versioned model repository)")
      .required()
      .param<std::string>("signature",
                          "path of the signature file; empty: signature.json beside the model file. JSON: {\"inputs\": [{\"name\": "
                          "column, \"type\": \"float32\", \"float64\", \"int32\", \"int64\", \"bool\" or \"numeric\"}, ...] (the input "
                          "tensor's columns, in order), \"tensor_type\": \"float32\" (default) or \"float64\", \"outputs\": [the "
                          "output tensor's column names, in order], \"task\": \"binary\", \"multiclass\" or \"regression\", "
                          "\"version\": \"optional\"}",
                          std::string())
      .param<double>("threshold", "binary models: the label is 1 where the probability >= threshold", 0.5)
      .range(0.0, 1.0)
      .param<std::string>("label_output", "the name of the label column (binary and multiclass models)", std::string("label"))
      .param<int>("warmup",
                  "inferences on a zero batch at open, before the model serves (LibTorch's profiling executor optimises a "
                  "module on its second run). One always runs, even with 0: it checks the model's input width and output "
                  "shape against the signature file",
                  2)
      .min(0)
      .param<int>("intra_op_threads",
                  "LibTorch intra-op threads per inference. LibTorch's thread setting is process-wide: give every "
                  "torchscript node the same value, and keep the node's concurrency (one module per worker) x "
                  "intra_op_threads within the machine's cores. Inter-op threads are left as LibTorch starts them",
                  1)
      .range(1, 256)
      .input_doc("every input of the signature file, by name (any order, other columns ignored), with the type the file gives "
                 "(numeric: any numeric column; bool reads as 0/1)")
      .output_doc("the input columns, then one float64 column per output of the signature file, and for binary and multiclass "
                  "models int64 <label_output>: 1 if the probability >= threshold else 0 (binary), the index of the largest "
                  "output (multiclass). A row with a null, NaN or infinite feature is rejected, never scored: neural networks "
                  "have no missing-value semantics")
      .per_worker();
}

TorchScript::TorchScript(const trestle::Options& o)
    : path_(trestle::model_file(o.get<std::string>("model"), {"model.pt", "torchscript.pt"})),
      model_(model_signature::read_signature(model_signature::signature_path(path_, o.get_or<std::string>("signature", ""))),
             o.get<double>("threshold"), o.get<std::string>("label_output")),
      warmup_(o.get<int64_t>("warmup")),
      threads_(o.get<int>("intra_op_threads")) {
  if (warmup_ < 0) throw trestle::InvalidArgument("option \"warmup\" must be >= 0");
  if (threads_ < 1) throw trestle::InvalidArgument("option \"intra_op_threads\" must be >= 1");
  module_ = torch_call(
      [&] {
        auto m = std::make_unique<Module>();
        m->module = torch::jit::load(path_, torch::kCPU);
        m->module.eval();
        return m;
      },
      what() + " cannot be loaded", true);
  auto forward = module_->module.find_method("forward");
  if (!forward) throw trestle::InvalidArgument(what() + " has no forward method");
  // forward(self, x, <arguments with defaults>...): the plugin passes x only.
  const auto& args = forward->function().getSchema().arguments();
  size_t required = 0;
  std::string names;
  for (size_t i = 1; i < args.size(); ++i) {
    names += (names.empty() ? "" : ", ") + args[i].name();
    if (i == 1 || !args[i].default_value()) ++required;
  }
  if (args.size() < 2 || required != 1)
    throw trestle::InvalidArgument(what() + ": forward(" + names + ") needs " + std::to_string(required) +
                                   " arguments; the plugin passes one [rows, inputs] tensor");
}

TorchScript::~TorchScript() = default;

std::string TorchScript::what() const { return "torchscript model \"" + path_ + "\""; }

trestle::ModelInfo TorchScript::info() const { return {std::string("libtorch ") + TORCH_VERSION, model_.sig().version}; }

void TorchScript::use_threads() const {
  // LibTorch (OpenMP) keeps the thread count per calling thread and takes new threads'
  // from the last set_num_threads; the host may call from any of its threads.
  if (at::get_num_threads() != threads_) at::set_num_threads(threads_);
}

std::vector<double> TorchScript::forward(const void* data, int64_t rows, bool opening) {
  const auto width = static_cast<int64_t>(model_.sig().inputs.size());
  const bool f64 = model_.sig().tensor_type == TensorType::Float64;
  const std::string input = model_signature::shape_text({rows, width}) + " " + (f64 ? "float64" : "float32") + " tensor";
  // At open the input is zeros of the signature's shape: a failure means the two disagree.
  const std::string context = opening ? what() + " does not take the input signature file \"" + model_.sig().path + "\" describes, a " + input
                                      : what() + " failed on a " + input;
  use_threads();
  c10::InferenceMode guard;
  at::Tensor y = torch_call(
      [&] {
        at::Tensor x = torch::from_blob(const_cast<void*>(data), {rows, width}, torch::TensorOptions().dtype(f64 ? torch::kFloat64 : torch::kFloat32));
        c10::IValue out = module_->module.forward({x});
        if (!out.isTensor())
          throw trestle::InvalidArgument(what() + " returns a " + out.tagKind() + " where one tensor of " + model_.sig().outputs_list() +
                                         " is expected");
        return out.toTensor();
      },
      context, opening);
  const std::string bad = model_.check_output_shape(y.sizes().vec(), rows);
  if (!bad.empty()) {
    if (opening) throw trestle::InvalidArgument(what() + " " + bad);
    throw trestle::DataError(what() + " " + bad);
  }
  return torch_call(
      [&] {
        at::Tensor d = y.to(torch::kFloat64).contiguous();
        const double* p = d.data_ptr<double>();
        return std::vector<double>(p, p + d.numel());
      },
      what() + " returned a tensor that cannot be read as float64", opening);
}

trestle::Schema TorchScript::open(const trestle::Schema& in) {
  trestle::Schema out = model_.open(in);
  constexpr size_t kWarmupRows = 2;
  const bool f64 = model_.sig().tensor_type == TensorType::Float64;
  const std::vector<double> zeros64 = model_.zeros<double>(f64 ? kWarmupRows : 0);
  const std::vector<float> zeros32 = model_.zeros<float>(f64 ? 0 : kWarmupRows);
  const void* zeros = f64 ? static_cast<const void*>(zeros64.data()) : static_cast<const void*>(zeros32.data());
  for (int64_t i = 0; i < std::max<int64_t>(warmup_, 1); ++i) forward(zeros, kWarmupRows, true);
  return out;
}

trestle::Batch TorchScript::predict(trestle::Batch in, trestle::Context& ctx) {
  const bool f64 = model_.sig().tensor_type == TensorType::Float64;
  model_signature::Features f = model_.gather(in, ctx, f64 ? TensorType::Float64 : TensorType::Float32);
  std::vector<double> scores;
  if (f.kept() > 0) {
    const void* data = f64 ? static_cast<const void*>(f.f64.data()) : static_cast<const void*>(f.f32.data());
    scores = forward(data, static_cast<int64_t>(f.kept()), false);
  }
  return model_.emit(in, f, scores, ctx);
}

}  // namespace torchscript
