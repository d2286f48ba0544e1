#!/usr/bin/python3
"""Trains the small XGBoost models the xgboost plugin's tests load, and writes what
XGBoost's own Python package predicts for held-out rows, so that the tests can check the
plugin against the framework.

Run with Debian's interpreter (python3-xgboost, python3-sklearn, python3-numpy):

    /usr/bin/python3 plugins/xgboost/testdata/make_models.py

Everything is seeded, so a rerun with the same package versions rewrites the same files.
Data: sklearn's bundled breast_cancer, iris and diabetes sets (read from the files that
ship with sklearn, no download) and one numpy-generated set.

Writes into this directory:
  <set>_test.csv        held-out rows, header = feature names; an empty cell is a
                        missing value (about 10% of the cells, to prove NaN handling)
  <model>.json/.ubj     models (binary, multiclass, regression in both formats)
  <model>.expected.csv  XGBoost's predictions for the held-out rows of its set: columns
                        pred_0..pred_{k-1} (one per output value), and for softmax
                        models a `class` column
"""

import os

import numpy as np
import sklearn.datasets
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
MISSING_SHARE = 0.1


def clean(names):
    """'mean radius' -> 'mean_radius', 'sepal length (cm)' -> 'sepal_length'."""
    return [n.replace(" (cm)", "").replace(" ", "_") for n in names]


def split(x, y, n_test, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    test, train = order[:n_test], order[n_test:]
    x = x.astype(np.float64).copy()
    # Some missing cells in training too, so the trees learn default directions.
    x_train = x[train].copy()
    x_train[rng.random(x_train.shape) < MISSING_SHARE / 2] = np.nan
    x_test = x[test].copy()
    x_test[rng.random(x_test.shape) < MISSING_SHARE] = np.nan
    return x_train, y[train], x_test


def write_features(name, names, x):
    with open(os.path.join(HERE, name + "_test.csv"), "w") as f:
        f.write(",".join(names) + "\n")
        for row in x:
            f.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")


def write_expected(name, preds, classes=None):
    preds = np.asarray(preds)
    if preds.ndim == 1:
        preds = preds.reshape(-1, 1)
    header = ["pred_%d" % k for k in range(preds.shape[1])]
    if classes is not None:
        header.append("class")
    with open(os.path.join(HERE, name + ".expected.csv"), "w") as f:
        f.write(",".join(header) + "\n")
        for r, row in enumerate(preds):
            # float32 values print exactly with 9 significant digits, float64 with 17.
            digits = 9 if preds.dtype == np.float32 else 17
            cells = ["%.*g" % (digits, float(v)) for v in row]
            if classes is not None:
                cells.append("%d" % int(classes[r]))
            f.write(",".join(cells) + "\n")


def save(booster, name, formats, dtest):
    """Saves in each format and checks that every saved file predicts what the booster does."""
    want = booster.predict(dtest)
    for ext in formats:
        path = os.path.join(HERE, name + "." + ext)
        booster.save_model(path)
        again = xgb.Booster(model_file=path)
        got = again.predict(dtest)
        assert np.array_equal(got, want), path
    return want


def dmatrix(x, names, y=None):
    return xgb.DMatrix(x, label=y, missing=np.nan, feature_names=names)


def main():
    # Binary classification: breast cancer (30 features), with a model version attribute.
    bc = sklearn.datasets.load_breast_cancer()
    bc_names = clean(bc.feature_names)
    x_train, y_train, x_test = split(bc.data, bc.target, 100, seed=1)
    write_features("breast_cancer", bc_names, x_test)
    dtrain, dtest = dmatrix(x_train, bc_names, y_train), dmatrix(x_test, bc_names)
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 0, "nthread": 1}
    binary = xgb.train(params, dtrain, num_boost_round=20)
    binary.set_attr(version="breast-cancer-2024.06")
    write_expected("binary", save(binary, "binary", ["json", "ubj"], dtest))

    # The same data without feature names in the model (the `features` option supplies them).
    unnamed = xgb.train(params, xgb.DMatrix(x_train, label=y_train, missing=np.nan), num_boost_round=5)
    write_expected("unnamed", save(unnamed, "unnamed", ["json"], xgb.DMatrix(x_test, missing=np.nan)))

    # A dart booster (its trees carry weights; prediction uses all of them).
    dart = xgb.train(dict(params, booster="dart", rate_drop=0.1, skip_drop=0.5), dtrain, num_boost_round=10)
    write_expected("dart", save(dart, "dart", ["json"], dtest))

    # Multi-class: iris (3 classes, 4 features).
    iris = sklearn.datasets.load_iris()
    iris_names = clean(iris.feature_names)
    x_train, y_train, x_test = split(iris.data, iris.target, 30, seed=2)
    write_features("iris", iris_names, x_test)
    dtrain, dtest = dmatrix(x_train, iris_names, y_train), dmatrix(x_test, iris_names)
    params = {"objective": "multi:softprob", "num_class": 3, "max_depth": 2, "eta": 0.3, "seed": 0, "nthread": 1}
    softprob = xgb.train(params, dtrain, num_boost_round=10)
    write_expected("multiclass", save(softprob, "multiclass", ["json", "ubj"], dtest))

    # multi:softmax predicts the class only; the plugin turns margins into probabilities.
    softmax = xgb.train(dict(params, objective="multi:softmax"), dtrain, num_boost_round=10)
    classes = save(softmax, "softmax", ["json"], dtest)
    margins = softmax.predict(dtest, output_margin=True).astype(np.float64)
    e = np.exp(margins - margins.max(axis=1, keepdims=True))
    write_expected("softmax", e / e.sum(axis=1, keepdims=True), classes)

    # Regression: diabetes (10 features), gbtree and gblinear.
    diabetes = sklearn.datasets.load_diabetes(scaled=False)
    d_names = clean(diabetes.feature_names)
    x_train, y_train, x_test = split(diabetes.data, diabetes.target, 80, seed=3)
    write_features("diabetes", d_names, x_test)
    dtrain, dtest = dmatrix(x_train, d_names, y_train), dmatrix(x_test, d_names)
    params = {"objective": "reg:squarederror", "max_depth": 3, "eta": 0.2, "seed": 0, "nthread": 1}
    regression = xgb.train(params, dtrain, num_boost_round=20)
    write_expected("regression", save(regression, "regression", ["json", "ubj"], dtest))
    linear_params = {"objective": "reg:squarederror", "booster": "gblinear", "eta": 0.5, "seed": 0, "nthread": 1}
    linear = xgb.train(linear_params, dtrain, num_boost_round=20)
    write_expected("gblinear", save(linear, "gblinear", ["json"], dtest))

    # Two regression targets (one output column each); numpy-generated.
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 4))
    y = np.stack([x[:, 0] + 2 * x[:, 1], np.sin(x[:, 2]) - x[:, 3]], axis=1)
    mt_names = ["x0", "x1", "x2", "x3"]
    x_train, y_train, x_test = split(x, y, 40, seed=5)
    write_features("multitarget", mt_names, x_test)
    dtrain, dtest = dmatrix(x_train, mt_names, y_train), dmatrix(x_test, mt_names)
    params = {"objective": "reg:squarederror", "tree_method": "hist", "max_depth": 3, "seed": 0, "nthread": 1}
    multitarget = xgb.train(params, dtrain, num_boost_round=10)
    write_expected("multitarget", save(multitarget, "multitarget", ["json"], dtest))


if __name__ == "__main__":
    main()
