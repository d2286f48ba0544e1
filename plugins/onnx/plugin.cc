// The onnx plugin: ONNX models (OpenCV's dnn module) described by a signature file.
#include <trestle/sdk.hpp>

#include "onnx.hpp"

TRESTLE_PLUGIN("onnx", "1.0.0", onnx_plugin::Onnx)
