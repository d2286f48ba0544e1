"""Shared by prepare.py and the training scripts: the feature list, reading the data
files, the standardisation the pipeline's `scale` node applies, and writing reference
predictions. Standard library and numpy only."""
import csv
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.join(HERE, "data", "train.csv")
HOLDOUT = os.path.join(HERE, "data", "holdout.csv")
SCALE_PARAMS = os.path.join(HERE, "features", "scale.json")
# The version the trainers write: the directory models/cancer/<VERSION>/ and the version
# string recorded in every model file. Raise it to add a version beside the old ones.
VERSION = "1"
MODEL_DIR = os.path.join(HERE, "models", "cancer", VERSION)
REFERENCE_DIR = os.path.join(HERE, "reference")
TARGET = "malignant"

# The 30 features of sklearn's breast cancer data set, its names in snake_case, in the
# data set's order. This is also the column order of the torch model's input tensor.
FEATURES = [
    "mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness",
    "mean_compactness", "mean_concavity", "mean_concave_points", "mean_symmetry",
    "mean_fractal_dimension",
    "radius_error", "texture_error", "perimeter_error", "area_error", "smoothness_error",
    "compactness_error", "concavity_error", "concave_points_error", "symmetry_error",
    "fractal_dimension_error",
    "worst_radius", "worst_texture", "worst_perimeter", "worst_area", "worst_smoothness",
    "worst_compactness", "worst_concavity", "worst_concave_points", "worst_symmetry",
    "worst_fractal_dimension",
]


def read_split(path):
    """ids (int64), features (float64, columns in FEATURES order) and labels of a split."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    ids = np.array([int(r["id"]) for r in rows], dtype=np.int64)
    x = np.array([[float(r[c]) for c in FEATURES] for r in rows], dtype=np.float64)
    y = np.array([int(r[TARGET]) for r in rows], dtype=np.int64)
    return ids, x, y


def standardize(x, params_path=SCALE_PARAMS):
    """(x - mean) / std per column, in float64, exactly as the `scale` operator computes it."""
    with open(params_path) as f:
        params = json.load(f)
    mean = np.array([params[c]["mean"] for c in FEATURES], dtype=np.float64)
    std = np.array([params[c]["std"] for c in FEATURES], dtype=np.float64)
    return (x - mean) / std


def load(split_path):
    """ids, standardized features and labels of a split."""
    ids, x, y = read_split(split_path)
    return ids, standardize(x), y


def write_reference(framework, ids, probabilities):
    """reference/<framework>.csv: id and the framework's own probability of the positive
    class, at full double precision ('%.17g' round-trips every double and float)."""
    os.makedirs(REFERENCE_DIR, exist_ok=True)
    path = os.path.join(REFERENCE_DIR, f"{framework}.csv")
    with open(path, "w", newline="") as f:
        f.write("id,score\n")
        for i, p in zip(ids.tolist(), np.asarray(probabilities).reshape(-1).tolist()):
            f.write(f"{i},{float(p):.17g}\n")
    return path


def accuracy(probabilities, y):
    return float(((np.asarray(probabilities).reshape(-1) >= 0.5) == (y == 1)).mean())
