// The only file of the plugin that includes OpenCV.
#include "onnx.hpp"

#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <exception>
#include <mutex>
#include <utility>

#include <trestle/model_file.hpp>

namespace onnx_plugin {
namespace {

using model_signature::TensorType;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

trestle::Error failure(bool opening, const std::string& m) {
  if (opening) return trestle::InvalidArgument(m);
  return trestle::DataError(m);
}

// cv::setNumThreads is process-wide and must not change while another thread runs a
// network, so it changes only when it differs, once per value, under a lock.
void use_threads(int n) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  if (cv::getNumThreads() != n) cv::setNumThreads(n);
}

}  // namespace

struct Onnx::Net {
  cv::dnn::Net net;
  std::string output;  // the name of the network's one output

  // " (its first fully connected layer "x" takes 6 inputs)", or "" when there is none:
  // a hint at the width the model wants, which OpenCV's errors do not give.
  std::string width_hint() const {
    for (const std::string& name : net.getLayerNames()) {
      cv::Ptr<cv::dnn::Layer> layer = net.getLayer(net.getLayerId(name));
      if (layer && layer->type == "InnerProduct" && !layer->blobs.empty() && layer->blobs[0].dims == 2)
        return " (its first fully connected layer, \"" + name + "\", takes " + std::to_string(layer->blobs[0].size[1]) + " inputs)";
    }
    return "";
  }
};

trestle::OperatorSpec Onnx::spec() {
  return trestle::OperatorSpec("onnx",
                               "Score rows with an ONNX model, run by OpenCV's dnn module on the CPU: one [rows, inputs] "
                               "float32 input, described by a signature file.")
      .param<std::string>("model",
                          "path of the ONNX file, or of a directory holding it as model.onnx (one version of a versioned model "
                          "repository)")
      .required()
      .param<std::string>("signature",
                          "path of the signature file; empty: signature.json beside the model file. JSON: {\"inputs\": [{\"name\": "
                          "column, \"type\": \"float32\", \"float64\", \"int32\", \"int64\", \"bool\" or \"numeric\"}, ...] (the input "
                          "tensor's columns, in order), \"tensor_type\": \"float32\" (default) or \"float64\", \"outputs\": [the "
                          "output tensor's column names, in order], \"task\": \"binary\", \"multiclass\" or \"regression\", "
                          "\"version\": \"optional\"}. OpenCV's dnn module computes in float32: the features go in as float32 "
                          "whatever tensor_type says, and the ONNX model must take a float32 input",
                          std::string())
      .param<double>("threshold", "binary models: the label is 1 where the probability >= threshold", 0.5)
      .range(0.0, 1.0)
      .param<std::string>("label_output", "the name of the label column (binary and multiclass models)", std::string("label"))
      .param<int>("warmup",
                  "inferences on a zero batch at open, before the model serves. One always runs, even with 0: it checks "
                  "the model's input width and output shape against the signature file",
                  2)
      .min(0)
      .param<int>("intra_op_threads",
                  "OpenCV threads per inference. OpenCV's thread setting is process-wide: give every onnx node the same "
                  "value, and keep the node's concurrency (one network per worker) x intra_op_threads within the machine's "
                  "cores",
                  1)
      .range(1, 256)
      .input_doc("every input of the signature file, by name (any order, other columns ignored), with the type the file gives "
                 "(numeric: any numeric column; bool reads as 0/1)")
      .output_doc("the input columns, then one float64 column per output of the signature file, and for binary and multiclass "
                  "models int64 <label_output>: 1 if the probability >= threshold else 0 (binary), the index of the largest "
                  "output (multiclass). A row with a null, NaN or infinite feature, or one beyond float32's range, is rejected, "
                  "never scored: neural networks have no missing-value semantics")
      .per_worker();
}

Onnx::Onnx(const trestle::Options& o)
    : path_(trestle::model_file(o.get<std::string>("model"), {"model.onnx"})),
      model_(model_signature::read_signature(model_signature::signature_path(path_, o.get_or<std::string>("signature", ""))),
             o.get<double>("threshold"), o.get<std::string>("label_output")),
      warmup_(o.get<int64_t>("warmup")),
      threads_(o.get<int>("intra_op_threads")) {
  if (warmup_ < 0) throw trestle::InvalidArgument("option \"warmup\" must be >= 0");
  if (threads_ < 1) throw trestle::InvalidArgument("option \"intra_op_threads\" must be >= 1");
  auto n = std::make_unique<Net>();
  try {
    n->net = cv::dnn::readNetFromONNX(path_);
  } catch (const std::exception& e) {
    std::string m = trim(e.what());
    if (m.find("getMatFromTensor") != std::string::npos)
      m += " (OpenCV's dnn module reads float32 models only: export the model with float32 inputs and weights)";
    throw trestle::InvalidArgument(what() + " cannot be loaded: " + m);
  }
  if (n->net.empty()) throw trestle::InvalidArgument(what() + " cannot be loaded: OpenCV read no network from it");
  n->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  n->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  const std::vector<std::string> outputs = n->net.getUnconnectedOutLayersNames();
  if (outputs.size() != 1) {
    std::string names;
    for (const auto& s : outputs) names += (names.empty() ? "" : ", ") + s;
    throw trestle::InvalidArgument(what() + " has " + std::to_string(outputs.size()) + " outputs (" + names +
                                   "); the plugin reads one [rows, outputs] tensor");
  }
  n->output = outputs[0];
  net_ = std::move(n);
}

Onnx::~Onnx() = default;

std::string Onnx::what() const { return "onnx model \"" + path_ + "\""; }

trestle::ModelInfo Onnx::info() const { return {std::string("opencv-dnn ") + cv::getVersionString(), model_.sig().version}; }

std::vector<double> Onnx::forward(const float* data, int64_t rows, bool opening) {
  const int width = static_cast<int>(model_.sig().inputs.size());
  const std::string input = model_signature::shape_text({rows, width}) + " float32 tensor";
  cv::Mat out;
  try {
    const int sizes[2] = {static_cast<int>(rows), width};
    // Wraps the caller's matrix without copying; OpenCV does not write to its input.
    cv::Mat blob(2, sizes, CV_32F, const_cast<float*>(data));
    net_->net.setInput(blob);
    out = net_->net.forward(net_->output);
  } catch (const std::exception& e) {
    // At open the input is zeros of the signature's shape: a failure means the two disagree.
    if (opening)
      throw trestle::InvalidArgument(what() + " does not take the input signature file \"" + model_.sig().path + "\" describes, a " +
                                     input + ": " + trim(e.what()) + net_->width_hint());
    throw trestle::DataError(what() + " failed on a " + input + ": " + trim(e.what()));
  }
  std::vector<int64_t> shape;
  for (int d = 0; d < out.dims; ++d) shape.push_back(out.size[d]);
  // OpenCV keeps at least two dimensions: a [rows] output comes back as [rows x 1].
  const std::string bad = model_.check_output_shape(shape, rows);
  if (!bad.empty()) throw failure(opening, what() + " " + bad);
  cv::Mat scores;
  out.convertTo(scores, CV_64F);
  if (!scores.isContinuous()) scores = scores.clone();
  const auto* p = scores.ptr<double>();
  return std::vector<double>(p, p + scores.total());
}

trestle::Schema Onnx::open(const trestle::Schema& in) {
  trestle::Schema out = model_.open(in);
  use_threads(threads_);
  constexpr size_t kWarmupRows = 2;
  const std::vector<float> zeros = model_.zeros<float>(kWarmupRows);
  for (int64_t i = 0; i < std::max<int64_t>(warmup_, 1); ++i) forward(zeros.data(), kWarmupRows, true);
  return out;
}

trestle::Batch Onnx::predict(trestle::Batch in, trestle::Context& ctx) {
  model_signature::Features f = model_.gather(in, ctx, TensorType::Float32);
  std::vector<double> scores;
  if (f.kept() > 0) scores = forward(f.f32.data(), static_cast<int64_t>(f.kept()), false);
  return model_.emit(in, f, scores, ctx);
}

}  // namespace onnx_plugin
