// The torchscript plugin: TorchScript models (LibTorch) described by a signature file.
#include <trestle/sdk.hpp>

#include "torchscript.hpp"

TRESTLE_PLUGIN("torchscript", "1.0.0", torchscript::TorchScript)
