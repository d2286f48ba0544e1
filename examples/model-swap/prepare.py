#!/usr/bin/python3
"""Prepares the model-swap example's data from sklearn's bundled breast cancer data set
(Wisconsin Diagnostic Breast Cancer, 569 tumours, 30 measurements each):

  data/train.csv, data/holdout.csv   a stratified 75/25 split with a fixed seed: id, the
                                     30 features (snake_case), malignant (1 = malignant)
  features/scale.json                mean and standard deviation of every feature over
                                     the training rows, the params_file of the pipeline's
                                     `scale` node and of every training script

Deterministic: the same sklearn data gives the same bytes.

    /usr/bin/python3 prepare.py
"""
import json
import os

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import common

SEED = 2026
HOLDOUT_SHARE = 0.25


def write_split(path, ids, x, y):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    order = np.argsort(ids)
    with open(path, "w", newline="") as f:
        f.write(",".join(["id"] + common.FEATURES + [common.TARGET]) + "\n")
        for r in order:
            # repr() is the shortest text that reads back as the same double, so the
            # pipeline's csv_source and the training scripts see identical values.
            values = [repr(float(v)) for v in x[r]]
            f.write(",".join([str(int(ids[r]))] + values + [str(int(y[r]))]) + "\n")


def main():
    data = load_breast_cancer()
    names = [n.replace(" ", "_") for n in data.feature_names]
    if names != common.FEATURES:
        raise SystemExit(f"unexpected feature names in sklearn's data set: {names}")
    x = data.data.astype(np.float64)
    y = (data.target == 0).astype(np.int64)  # sklearn: 0 = malignant, 1 = benign
    ids = np.arange(1, len(y) + 1, dtype=np.int64)  # 1-based row number in the data set
    id_tr, id_ho, x_tr, x_ho, y_tr, y_ho = train_test_split(
        ids, x, y, test_size=HOLDOUT_SHARE, random_state=SEED, stratify=y)
    write_split(common.TRAIN, id_tr, x_tr, y_tr)
    write_split(common.HOLDOUT, id_ho, x_ho, y_ho)

    # Population standard deviation (ddof=0), as sklearn's StandardScaler computes it.
    params = {c: {"mean": float(x_tr[:, j].mean()), "std": float(x_tr[:, j].std())}
              for j, c in enumerate(common.FEATURES)}
    os.makedirs(os.path.dirname(common.SCALE_PARAMS), exist_ok=True)
    with open(common.SCALE_PARAMS, "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")
    print(f"train: {len(y_tr)} rows ({int(y_tr.sum())} malignant), "
          f"holdout: {len(y_ho)} rows ({int(y_ho.sum())} malignant); "
          f"scale parameters of {len(params)} features")


if __name__ == "__main__":
    main()
