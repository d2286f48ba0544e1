#!/usr/bin/python3
"""Trains a small gradient-boosted tree model (xgboost, binary:logistic, 50 trees of
depth 3) on the standardized training features and writes

  models/cancer/1/xgboost.json   the booster in xgboost's JSON format, with its feature
                                 names and the booster attribute version="1"
  reference/xgboost.csv          booster.predict (probability of malignant) of every
                                 holdout row, keyed by id, from the saved file

    /usr/bin/python3 train_xgboost.py     (after prepare.py)
"""
import os

import numpy as np
import xgboost as xgb

import common

PARAMS = {
    "objective": "binary:logistic",
    "max_depth": 3,
    "eta": 0.3,
    "tree_method": "exact",
    "base_score": 0.5,
    "seed": 2026,
    "nthread": 1,
    "eval_metric": "logloss",
}
ROUNDS = 50


def main():
    _, x_tr, y_tr = common.load(common.TRAIN)
    ids, x_ho, y_ho = common.load(common.HOLDOUT)
    dtrain = xgb.DMatrix(x_tr, label=y_tr, feature_names=common.FEATURES)
    booster = xgb.train(PARAMS, dtrain, num_boost_round=ROUNDS)
    booster.set_attr(version=common.VERSION)
    os.makedirs(common.MODEL_DIR, exist_ok=True)
    path = os.path.join(common.MODEL_DIR, "xgboost.json")
    booster.save_model(path)

    # The reference comes from the saved file, which is what the pipeline loads.
    saved = xgb.Booster(model_file=path)
    if saved.feature_names != common.FEATURES or saved.attr("version") != common.VERSION:
        raise SystemExit(f"{path} lost its feature names or version attribute")
    dhold = xgb.DMatrix(x_ho, feature_names=common.FEATURES)
    p = saved.predict(dhold)  # float32 probabilities of the positive class
    if not np.array_equal(p, booster.predict(dhold)):
        raise SystemExit(f"{path} does not reproduce the trained booster's predictions")
    ref = common.write_reference("xgboost", ids, p)
    print(f"xgboost {xgb.__version__}: wrote {os.path.relpath(path, common.HERE)} and "
          f"{os.path.relpath(ref, common.HERE)}; holdout accuracy {common.accuracy(p, y_ho):.3f}")


if __name__ == "__main__":
    main()
