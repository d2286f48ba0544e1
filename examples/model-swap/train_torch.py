#!/usr/bin/python3
"""Trains a small multilayer perceptron (torch; 30 -> 16 -> 8 -> 1, ReLU, sigmoid output)
with a fixed seed on the standardized training features and writes

  models/cancer/1/model.pt        the model as TorchScript (torch.jit.script), read by
                                  the `torchscript` operator
  models/cancer/1/model.onnx      the same model exported to ONNX (opset 13, dynamic
                                  batch axis), read by the `onnx` operator
  models/cancer/1/signature.json  what both operators need to know about the tensors:
                                  input columns in tensor order, tensor type, output
                                  columns, task, version
  reference/torchscript.csv       the saved TorchScript module's forward pass in float32
                                  for every holdout row, keyed by id
  reference/onnx.csv              the same torch predictions (python3-onnx 1.12 has no
                                  reference evaluator); the ONNX file is checked against
                                  them with a small numpy evaluation of its graph

    /usr/bin/python3 train_torch.py       (after prepare.py)
"""
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import common

SEED = 2026
EPOCHS = 150
OPSET = 13


class Mlp(torch.nn.Module):
    def __init__(self, n_features: int):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_features, 16), torch.nn.ReLU(),
            torch.nn.Linear(16, 8), torch.nn.ReLU(),
            torch.nn.Linear(8, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x))  # [batch, 1]: the probability of malignant


def train(x, y):
    torch.manual_seed(SEED)
    model = Mlp(x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=1e-2)
    loss_fn = torch.nn.BCELoss()
    xt = torch.from_numpy(x.astype(np.float32))
    yt = torch.from_numpy(y.astype(np.float32)).reshape(-1, 1)
    model.train()
    for _ in range(EPOCHS):  # full batch: no shuffling, deterministic
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    return model


def run_onnx_graph(path, x):
    """Evaluates the exported graph with numpy in float32. It supports only the
    operators this model exports to; it is a check of the export, not a runtime."""
    m = onnx.load(path)
    values = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    values[m.graph.input[0].name] = x
    for node in m.graph.node:
        a = [values[i] for i in node.input]
        attrs = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        if node.op_type == "Gemm":
            lhs = a[0].T if attrs.get("transA", 0) else a[0]
            rhs = a[1].T if attrs.get("transB", 0) else a[1]
            out = attrs.get("alpha", 1.0) * (lhs @ rhs)
            if len(a) > 2:
                out = out + attrs.get("beta", 1.0) * a[2]
        elif node.op_type == "MatMul":
            out = a[0] @ a[1]
        elif node.op_type == "Add":
            out = a[0] + a[1]
        elif node.op_type == "Relu":
            out = np.maximum(a[0], np.float32(0))
        elif node.op_type == "Sigmoid":
            out = np.float32(1) / (np.float32(1) + np.exp(-a[0]))
        else:
            raise SystemExit(f"{path}: no numpy check for operator {node.op_type}")
        values[node.output[0]] = out.astype(np.float32)
    return values[m.graph.output[0].name]


def main():
    _, x_tr, y_tr = common.load(common.TRAIN)
    ids, x_ho, y_ho = common.load(common.HOLDOUT)
    torch.set_num_threads(1)
    model = train(x_tr, y_tr)
    os.makedirs(common.MODEL_DIR, exist_ok=True)

    pt_path = os.path.join(common.MODEL_DIR, "model.pt")
    torch.jit.script(model).save(pt_path)

    onnx_path = os.path.join(common.MODEL_DIR, "model.onnx")
    torch.onnx.export(model, torch.zeros(1, len(common.FEATURES)), onnx_path,
                      input_names=["input"], output_names=["score"],
                      dynamic_axes={"input": {0: "batch"}, "score": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(onnx_path))

    signature = {
        "inputs": [{"name": c, "type": "float64"} for c in common.FEATURES],
        "tensor_type": "float32",
        "outputs": ["score"],
        "task": "binary",
        "version": common.VERSION,
    }
    with open(os.path.join(common.MODEL_DIR, "signature.json"), "w") as f:
        json.dump(signature, f)
        f.write("\n")

    # References: the saved TorchScript module's own forward pass, in float32, on the
    # standardized holdout features converted to float32 (what the operators feed it).
    x32 = x_ho.astype(np.float32)
    with torch.no_grad():
        p = torch.jit.load(pt_path)(torch.from_numpy(x32)).numpy()
    if p.shape != (len(ids), 1) or p.dtype != np.float32:
        raise SystemExit(f"unexpected output {p.shape} {p.dtype}")
    onnx_p = run_onnx_graph(onnx_path, x32)
    onnx_diff = float(np.abs(onnx_p - p).max())
    if onnx_diff > 1e-6:
        raise SystemExit(f"{onnx_path} differs from torch by {onnx_diff:g}")
    common.write_reference("torchscript", ids, p)
    common.write_reference("onnx", ids, p)
    print(f"torch {torch.__version__}: wrote model.pt, model.onnx (opset {OPSET}; numpy check of "
          f"its graph within {onnx_diff:.2g} of torch), signature.json, reference/torchscript.csv "
          f"and reference/onnx.csv; holdout accuracy {common.accuracy(p, y_ho):.3f}")


if __name__ == "__main__":
    main()
