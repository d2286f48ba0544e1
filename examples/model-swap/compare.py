#!/usr/bin/python3
"""Checks Trestle's scores against a framework's own predictions.

    /usr/bin/python3 compare.py OUT.csv reference/MODEL.csv [--tolerance T | --model MODEL]
                                [--holdout data/holdout.csv]

OUT.csv is the pipeline's output (id, score, label); the reference is a training
script's reference/<framework>.csv (id, score). Joined on id, every reference row must
appear in OUT.csv exactly once, OUT.csv must hold no other id, every score must be a
finite number within the tolerance of the reference, and every label (when the column is
there) must be 1 exactly where Trestle's score is >= 0.5. With --holdout, the reference
must cover exactly the ids of the holdout file, and the accuracy against its `malignant`
column is printed. Exits 0 and prints one summary line when all holds; otherwise prints
what failed (the first few cases of each problem) and exits 1. Standard library only.
"""
import argparse
import csv
import math
import sys

# Tolerances per model: linear and xgboost compute in double (xgboost's float32 output
# is written exactly); the neural network runs in float32, where a different order of
# summation moves the probability by a few units in the last place of a float (~1e-7).
TOLERANCE = {"linear": 1e-6, "xgboost": 1e-6, "torchscript": 1e-5, "onnx": 1e-5}
THRESHOLD = 0.5
SHOW = 5


def read_csv(path, need):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in need if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"FAIL: {path} has no column {', '.join(missing)} "
                                 f"(columns: {', '.join(reader.fieldnames or [])})")
            return reader.fieldnames, list(reader)
    except OSError as e:
        raise SystemExit(f"FAIL: cannot read {path}: {e.strerror}")


def by_id(path, rows, problems):
    """id -> row; duplicate ids are problems."""
    out, dups = {}, []
    for r in rows:
        if r["id"] in out:
            dups.append(r["id"])
        out[r["id"]] = r
    if dups:
        problems.append(f"{path}: {len(dups)} duplicated id(s), e.g. {', '.join(dups[:SHOW])}")
    return out


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("output", help="Trestle's output CSV (id, score[, label])")
    ap.add_argument("reference", help="the framework's reference CSV (id, score)")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--tolerance", type=float, help="largest allowed |Trestle - reference|")
    group.add_argument("--model", choices=sorted(TOLERANCE), help="use this model's tolerance")
    ap.add_argument("--holdout", help="the holdout CSV the reference must cover (id, malignant)")
    args = ap.parse_args()
    tol = args.tolerance if args.tolerance is not None else TOLERANCE.get(args.model, 1e-6)

    problems = []
    out_cols, out_rows = read_csv(args.output, ["id", "score"])
    _, ref_rows = read_csv(args.reference, ["id", "score"])
    out = by_id(args.output, out_rows, problems)
    ref = by_id(args.reference, ref_rows, problems)

    truth = None
    if args.holdout:
        _, hold_rows = read_csv(args.holdout, ["id"])
        truth = {r["id"]: r.get("malignant") for r in hold_rows}
        if set(truth) != set(ref):
            problems.append(f"{args.reference} does not cover the ids of {args.holdout} "
                            f"({len(ref)} ids vs {len(truth)}): regenerate it with train_all.sh")

    missing = sorted((i for i in ref if i not in out), key=lambda s: (len(s), s))
    extra = sorted((i for i in out if i not in ref), key=lambda s: (len(s), s))
    if missing:
        problems.append(f"{len(missing)} id(s) of the reference missing from {args.output}, "
                        f"e.g. {', '.join(missing[:SHOW])}")
    if extra:
        problems.append(f"{len(extra)} id(s) in {args.output} that the reference does not have, "
                        f"e.g. {', '.join(extra[:SHOW])}")

    worst, worst_id, over, bad_score, bad_label, correct, judged = 0.0, None, [], [], [], 0, 0
    has_label = "label" in out_cols
    for i, r in ref.items():
        if i not in out:
            continue
        want, got = number(r["score"]), number(out[i]["score"])
        if want is None or got is None:
            bad_score.append(f"id {i}: {out[i]['score']!r} vs reference {r['score']!r}")
            continue
        d = abs(got - want)
        if d > worst or worst_id is None:
            worst, worst_id = d, i
        if d > tol:
            over.append(f"id {i}: trestle {got!r}, reference {want!r}, |diff| {d:.3g}")
        if has_label and out[i]["label"] != str(int(got >= THRESHOLD)):
            bad_label.append(f"id {i}: score {got!r}, label {out[i]['label']!r}")
        if truth is not None and truth.get(i) not in (None, ""):
            judged += 1
            correct += int(int(got >= THRESHOLD) == int(truth[i]))
    for what, cases in (("scores not a finite number", bad_score),
                        (f"scores differ by more than {tol:g}", over),
                        (f"labels not equal to score >= {THRESHOLD}", bad_label)):
        if cases:
            problems.append(f"{len(cases)} {what}: " + "; ".join(cases[:SHOW]))

    if problems:
        print(f"FAIL: {args.output} against {args.reference}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    acc = f"; accuracy {correct / judged:.3f}" if judged else ""
    print(f"OK: {len(out)} rows, each once; max |trestle - reference| = {worst:.3g} "
          f"(id {worst_id}) <= {tol:g}{acc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
