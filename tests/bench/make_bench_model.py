#!/usr/bin/python3
"""Trains the model xgboost_bench scores: binary:logistic, 100 trees of depth 4 on 30
numpy-generated features named f0..f29 (seeded, so a rerun writes the same file).

    /usr/bin/python3 tests/bench/make_bench_model.py

Writes xgboost_bench_model.ubj next to this script.
"""

import os

import numpy as np
import xgboost as xgb

FEATURES = 30
rng = np.random.default_rng(7)
x = rng.normal(size=(20000, FEATURES))
logit = x[:, 0] - 2 * x[:, 1] + x[:, 2] * x[:, 3] + np.sin(3 * x[:, 4]) + 0.5 * x[:, 5:15].sum(axis=1)
y = (logit + rng.normal(scale=0.5, size=len(x)) > 0).astype(int)
names = ["f%d" % j for j in range(FEATURES)]
dtrain = xgb.DMatrix(x, label=y, feature_names=names)
params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.1, "seed": 0, "nthread": 2}
booster = xgb.train(params, dtrain, num_boost_round=100)
booster.set_attr(version="bench-1")
booster.save_model(os.path.join(os.path.dirname(os.path.abspath(__file__)), "xgboost_bench_model.ubj"))
