#pragma once
// The signature file of a neural-network model (the torchscript and onnx plugins): what
// the model reads from a batch and what it writes. By default `signature.json` beside
// the model file:
//
//   {"inputs": [{"name": "mean_radius", "type": "float64"}, ...],
//    "tensor_type": "float32",
//    "outputs": ["score"],
//    "task": "binary",
//    "version": "3"}
//
// inputs       the feature columns, in the order of the input tensor's columns. type is
//              what the pipeline column must be: float32, float64, int32, int64, bool,
//              or numeric (any numeric column).
// tensor_type  the dtype of the model's input tensor: float32 (default) or float64.
// outputs      the names of the output tensor's columns, in order; the model returns
//              [rows, len(outputs)], or [rows] when there is one output.
// task         binary (one probability output; a label column = score >= threshold is
//              added), multiclass (one output per class; label = index of the largest)
//              or regression (the outputs only).
// version      optional; reported as the model's version.

#include <string>
#include <vector>

#include <trestle/types.hpp>

namespace model_signature {

enum class Task { Binary, Multiclass, Regression };
enum class TensorType { Float32, Float64 };

const char* task_name(Task t);
const char* tensor_type_name(TensorType t);

struct Input {
  std::string name;
  trestle::Type type = trestle::Type::Float64;
  bool any_numeric = false;  // "numeric": any numeric column
};

struct ModelSignature {
  std::string path;  // the file it was read from, for messages
  std::vector<Input> inputs;
  TensorType tensor_type = TensorType::Float32;
  std::vector<std::string> outputs;
  Task task = Task::Regression;
  std::string version;  // empty when the file gives none

  /// "1 output (score)", "3 outputs (a, b, c)".
  std::string outputs_list() const;
};

/// The signature file of a model: `option` when not empty, else signature.json in the
/// directory of `model_file` (the resolved model file, not the directory option).
std::string signature_path(const std::string& model_file, const std::string& option);

/// Reads and checks a signature file. Throws trestle::InvalidArgument naming the file
/// and the field, e.g. `signature file "m/signature.json": inputs[2].type "float16" is
/// not one of float32, float64, int32, int64, bool, numeric`.
ModelSignature read_signature(const std::string& path);

}  // namespace model_signature
