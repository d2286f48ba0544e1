#!/usr/bin/python3
"""The pandas + xgboost baseline of the end-to-end benchmark (tests/bench/end_to_end):
what pipeline.yaml does, as a data scientist would write it with Debian's python3-pandas
and python3-xgboost.

    pandas_score.py MODEL PARAMS_JSON INPUT_CSV OUTPUT_CSV

Reads the whole CSV into a DataFrame, fills total_charges with the median, standardises
the four numbers, one-hot encodes the three categories (unknown -> <column>=__unknown__,
null -> nothing), scores with XGBoost (its default threads) and writes id,score,label.
"""

import json
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

CATEGORIES = {
    "contract": ["month-to-month", "one-year", "two-year"],
    "payment_method": ["electronic_check", "mailed_check", "bank_transfer", "credit_card"],
    "internet_service": ["dsl", "fiber", "none"],
}
NUMERIC = ["tenure_months", "monthly_charges", "total_charges", "support_calls"]


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: pandas_score.py MODEL PARAMS_JSON INPUT_CSV OUTPUT_CSV")
    model, params_path, input_csv, output_csv = sys.argv[1:]
    with open(params_path) as f:
        params = json.load(f)
    booster = xgb.Booster(model_file=model)

    # The nulls of Trestle's csv_source: "", "NA" and "null".
    df = pd.read_csv(input_csv, keep_default_na=False, na_values=["", "NA", "null"],
                     dtype={"id": str, "contract": str, "payment_method": str, "internet_service": str,
                            "tenure_months": "float64", "monthly_charges": "float64", "total_charges": "float64",
                            "support_calls": "float64", "senior": "boolean"})

    df["total_charges"] = df["total_charges"].fillna(params["total_charges"]["median"])
    x = pd.DataFrame(index=df.index)
    for c in NUMERIC:
        x[c] = (df[c] - params[c]["mean"]) / params[c]["std"]
    x["senior"] = df["senior"].astype("float64")
    for c, cats in CATEGORIES.items():
        v = df[c]
        for cat in cats:
            x["%s=%s" % (c, cat)] = (v == cat).astype("float64")
        x["%s=__unknown__" % c] = (v.notna() & ~v.isin(cats)).astype("float64")

    features = x[booster.feature_names].to_numpy(dtype=np.float32)
    score = booster.inplace_predict(features)
    out = pd.DataFrame({"id": df["id"], "score": score, "label": (score >= 0.5).astype(np.int64)})
    out.to_csv(output_csv, index=False)


if __name__ == "__main__":
    main()
