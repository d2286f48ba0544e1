#!/usr/bin/python3
"""Regenerates the test models of the torchscript and onnx plugins.

Run with Debian's interpreter (it sees python3-torch, python3-onnx and python3-numpy):

    /usr/bin/python3 plugins/torchscript/testdata/make_models.py

For each task (binary, multiclass, regression) it trains a small MLP with torch on
fixed-seed synthetic numpy data and writes, into <task>/:

  model.pt        TorchScript (torch.jit.script) of the trained module
  model.onnx      the same module exported with torch.onnx.export (opset 13, float32
                  input: OpenCV's dnn module computes in float32)
  signature.json  the signature file both plugins read
  heldout.csv     held-out rows never trained on: the feature columns, then
                  expected_<output> = what torch itself predicts for the row with the
                  TorchScript module (float64 text, 17 significant digits)

two_inputs.pt is a module whose forward takes two tensors, which the plugin refuses.

The modules standardise their own input (mean and std of the training data are buffers
of the module), so pipelines feed raw feature values. The regression model computes in
float64 (signature tensor_type "float64") and returns a [rows] vector; the others take
float32 and return [rows, outputs]. The output is deterministic (byte for byte): seeds
are fixed, training runs on one thread and the script pins PYTHONHASHSEED.
"""
import csv
import json
import os
import sys

# TorchScript's generated code lists some attributes in set order, which follows
# Python's string hashing: fix the hash seed so that model.pt comes out byte-identical.
if os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)


class Mlp(nn.Module):
    """Standardise, two hidden layers, then an optional squashing head."""

    def __init__(self, mean, std, width_in, width_out, head):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.body = nn.Sequential(
            nn.Linear(width_in, 16), nn.Tanh(), nn.Linear(16, 8), nn.Tanh(), nn.Linear(8, width_out))
        self.head = head  # "sigmoid", "softmax" or "vector"

    def logits(self, x):
        return self.body((x - self.mean) / self.std)

    def forward(self, x):
        z = self.logits(x)
        if self.head == "sigmoid":
            return torch.sigmoid(z)
        if self.head == "softmax":
            return torch.softmax(z, dim=1)
        return z.reshape(-1)  # one regression output as a [rows] vector


# --- data ------------------------------------------------------------------------------
# Every feature value is float32-representable, so a float32 pipeline column and the
# float64 text of the CSV hold the same number.

def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def binary_data(rng, n):
    age = rng.integers(18, 80, n).astype(np.float64)                 # int64 column
    income = f32(np.round(rng.lognormal(10.5, 0.5, n), 2))           # float64 column
    is_member = (rng.random(n) < 0.4).astype(np.float64)             # bool column
    visits = rng.poisson(6, n).astype(np.float64)                    # int32 column
    ratio = f32(rng.beta(2, 5, n))                                   # float32 column
    balance = f32(np.round(rng.normal(1500, 900, n), 2))             # numeric (any type)
    x = np.column_stack([age, income, is_member, visits, ratio, balance])
    z = (0.04 * (age - 45) + 0.8 * is_member - 0.15 * (visits - 6) + 3.0 * (ratio - 0.3)
         + 0.0006 * (balance - 1500) - 0.00002 * (income - 40000))
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.float64)
    inputs = [("age", "int64"), ("income", "float64"), ("is_member", "bool"), ("visits", "int32"),
              ("ratio", "float32"), ("balance", "numeric")]
    return x, y.reshape(-1, 1), inputs


def multiclass_data(rng, n):
    x = f32(rng.normal(0, 1, (n, 4)) * [1.0, 2.0, 0.5, 3.0] + [5.0, -1.0, 0.0, 10.0])
    centred = (x - [5.0, -1.0, 0.0, 10.0]) / [1.0, 2.0, 0.5, 3.0]
    scores = np.column_stack([centred[:, 0] + centred[:, 1], -centred[:, 0] + centred[:, 2], centred[:, 3] - centred[:, 1]])
    y = np.argmax(scores + rng.normal(0, 0.5, scores.shape), axis=1)
    inputs = [("sepal_length", "float64"), ("sepal_width", "float64"), ("petal_length", "numeric"),
              ("petal_width", "float64")]
    return x, y, inputs


def regression_data(rng, n):
    x = f32(np.column_stack([rng.uniform(20, 200, n), rng.integers(1, 6, n), rng.uniform(0, 50, n)]))
    y = 0.01 * x[:, 0] + 0.3 * x[:, 1] - 0.02 * x[:, 2] + 0.2 * np.sin(x[:, 0] / 20) + rng.normal(0, 0.05, n)
    inputs = [("area", "float64"), ("rooms", "int64"), ("age_years", "numeric")]
    return x, y.reshape(-1, 1), inputs


# --- training --------------------------------------------------------------------------

def train(model, x, y, loss_fn, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn(model.logits(x), y)
        loss.backward()
        opt.step()
    return float(loss)


def write_task(name, x, y, inputs, outputs, task, head, loss_fn, y_dtype, tensor_type, version):
    out_dir = os.path.join(HERE, name)
    os.makedirs(out_dir, exist_ok=True)
    n_train = int(len(x) * 0.8)
    mean, std = x[:n_train].mean(axis=0), x[:n_train].std(axis=0)
    torch.manual_seed(7)
    model = Mlp(mean, std, x.shape[1], len(outputs), head)
    xt = torch.tensor(x[:n_train], dtype=torch.float32)
    yt = torch.tensor(y[:n_train], dtype=y_dtype)
    loss = train(model, xt, yt, loss_fn, 400)
    model.eval()

    # ONNX: float32, batch dimension dynamic.
    torch.onnx.export(model, torch.zeros(2, x.shape[1]), os.path.join(out_dir, "model.onnx"),
                      input_names=["features"], output_names=["scores"], opset_version=13,
                      dynamic_axes={"features": {0: "rows"}, "scores": {0: "rows"}})

    # TorchScript: in the signature's tensor type.
    dtype = torch.float64 if tensor_type == "float64" else torch.float32
    scripted = torch.jit.script(model.to(dtype))
    scripted.save(os.path.join(out_dir, "model.pt"))

    signature = {"inputs": [{"name": n, "type": t} for n, t in inputs], "tensor_type": tensor_type,
                 "outputs": outputs, "task": task, "version": version}
    with open(os.path.join(out_dir, "signature.json"), "w") as f:
        json.dump(signature, f, indent=2)
        f.write("\n")

    # Torch's own predictions on the held-out rows, from the saved TorchScript file.
    loaded = torch.jit.load(os.path.join(out_dir, "model.pt"))
    held = x[n_train:]
    with torch.inference_mode():
        pred = loaded(torch.tensor(held, dtype=dtype)).double().numpy().reshape(len(held), -1)
    with open(os.path.join(out_dir, "heldout.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([n for n, _ in inputs] + ["expected_" + o for o in outputs])
        for row, p in zip(held, pred):
            w.writerow([repr(float(v)) for v in row] + ["%.17g" % v for v in p])
    print(f"{name}: {n_train} training rows, {len(held)} held out, final loss {loss:.4f}")


class TwoInputs(nn.Module):
    def forward(self, x, y):
        return x + y


def main():
    rng = np.random.default_rng(20240601)
    x, y, inputs = binary_data(rng, 600)
    write_task("binary", x, y, inputs, ["churn_probability"], "binary", "sigmoid",
               nn.BCEWithLogitsLoss(), torch.float32, "float32", "3")
    x, y, inputs = multiclass_data(rng, 600)
    write_task("multiclass", x, y, inputs, ["p_setosa", "p_versicolor", "p_virginica"], "multiclass",
               "softmax", nn.CrossEntropyLoss(), torch.int64, "float32", "2024-06-01")
    x, y, inputs = regression_data(rng, 500)
    write_task("regression", x, y, inputs, ["price"], "regression", "vector", nn.MSELoss(),
               torch.float32, "float64", "1.0.2")
    # A module whose forward wants two tensors: the plugin passes one and refuses it.
    torch.jit.script(TwoInputs()).save(os.path.join(HERE, "two_inputs.pt"))


if __name__ == "__main__":
    main()
