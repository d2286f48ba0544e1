#!/usr/bin/python3
"""Regenerates the onnx plugin's own test models (the shared ones, one folder per task,
come from plugins/torchscript/testdata/make_models.py):

    /usr/bin/python3 plugins/onnx/testdata/make_models.py

  float64.onnx      a small MLP exported in float64, which OpenCV 4.6's dnn module
                    cannot import (the plugin's error says to export in float32)
  two_outputs.onnx  a model with two output tensors (the plugin reads one)
"""
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 1)
        self.b = nn.Linear(3, 2)

    def forward(self, x):
        return self.a(x), self.b(x)


def export(model, dtype, name, outputs):
    torch.onnx.export(model, torch.zeros(2, 3, dtype=dtype), os.path.join(HERE, name), input_names=["features"],
                      output_names=outputs, opset_version=13,
                      dynamic_axes={n: {0: "rows"} for n in ["features"] + outputs})


def main():
    torch.manual_seed(3)
    export(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double(), torch.float64, "float64.onnx", ["scores"])
    export(TwoOutputs(), torch.float32, "two_outputs.onnx", ["first", "second"])


if __name__ == "__main__":
    main()
