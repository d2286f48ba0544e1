#!/usr/bin/python3
"""Fits a logistic regression (sklearn) on the standardized training features and writes

  models/cancer/1/linear.json   the `linear` operator's model file: type, features,
                                coefficients, intercept, version
  reference/linear.csv          sklearn's predict_proba for the positive class
                                (malignant) of every holdout row, keyed by id

    /usr/bin/python3 train_linear.py      (after prepare.py)
"""
import json
import os

from sklearn.linear_model import LogisticRegression

import common


def main():
    _, x_tr, y_tr = common.load(common.TRAIN)
    ids, x_ho, y_ho = common.load(common.HOLDOUT)
    clf = LogisticRegression(C=1.0, max_iter=5000)  # lbfgs: deterministic
    clf.fit(x_tr, y_tr)
    if list(clf.classes_) != [0, 1]:
        raise SystemExit(f"unexpected classes {clf.classes_}")
    model = {
        "type": "logistic",
        "version": common.VERSION,
        "features": common.FEATURES,
        # json writes floats with repr(): the shortest text that reads back exactly.
        "coefficients": [float(c) for c in clf.coef_[0]],
        "intercept": float(clf.intercept_[0]),
    }
    os.makedirs(common.MODEL_DIR, exist_ok=True)
    path = os.path.join(common.MODEL_DIR, "linear.json")
    with open(path, "w") as f:
        json.dump(model, f, indent=2)
        f.write("\n")
    p = clf.predict_proba(x_ho)[:, 1]
    ref = common.write_reference("linear", ids, p)
    print(f"linear: wrote {os.path.relpath(path, common.HERE)} and {os.path.relpath(ref, common.HERE)}; "
          f"holdout accuracy {common.accuracy(p, y_ho):.3f}")


if __name__ == "__main__":
    main()
