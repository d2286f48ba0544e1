#!/usr/bin/python3
"""Golden values for the drift statistics of plugins/monitors/stats.hpp, computed
independently with numpy/scipy (Debian 12: python3-numpy 1.24, python3-scipy 1.10).

    /usr/bin/python3 plugins/monitors/testdata/golden.py > plugins/monitors/testdata/golden.json

Writes JSON: every case holds its inputs and the expected outputs; tests/stats_test.cc
reads the inputs from the file, computes with the C++ functions and compares (the
tolerances are in the test). The inputs are drawn from a fixed seed, so regenerating
gives the same file.

Conventions (as in stats.hpp and docs/monitors.md):
  psi          natural log, shares of 0 replaced by 1e-4 without renormalising
  js           scipy.spatial.distance.jensenshannon(p, q, base=2): a distance in [0, 1]
  chi2         scipy.stats.chisquare(f_obs, f_exp), df = bins - 1
  ks           statistic of scipy.stats.ks_2samp; our p-value is the limiting Kolmogorov
               distribution at sqrt(en) * D, en = n m / (n + m), i.e.
               scipy.stats.kstwobign.sf(sqrt(en) * D). ks_2samp(mode='asymp') instead
               evaluates the finite-n distribution kstwo at round(en); its value is kept
               as "scipy_asymp_p" and compared loosely.
  wasserstein  scipy.stats.wasserstein_distance(ref, cur) / numpy.std(ref) (ddof 0)
"""

import json
import math
import sys

import numpy as np
from scipy import special, stats
from scipy.spatial import distance

ZERO_SHARE = 1e-4
rng = np.random.default_rng(20240611)


def psi(expected, actual):
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    e = e / e.sum()
    a = a / a.sum()
    e = np.where(e > 0, e, ZERO_SHARE)
    a = np.where(a > 0, a, ZERO_SHARE)
    return float(np.sum((a - e) * np.log(a / e)))


def linf(p, q):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    return float(np.max(np.abs(p / p.sum() - q / q.sum())))


def floats(a):
    return [float(x) for x in a]


count_pairs = [
    # (reference counts, window counts)
    ([100, 200, 300, 400], [110, 190, 320, 380]),
    ([50, 50, 50, 50, 50, 50, 50, 50, 50, 50], [10, 20, 40, 60, 80, 80, 60, 40, 20, 90]),
    ([500, 300, 200, 0], [450, 300, 200, 50]),      # a bin the reference never saw
    ([10, 0, 30, 60], [0, 5, 30, 65]),              # empty bins on both sides
    ([1, 1], [1000, 1]),
    (list(rng.integers(1, 1000, 25)), list(rng.integers(0, 1000, 25))),
]

psi_cases = [{"expected": floats(e), "actual": floats(a), "psi": psi(e, a)} for e, a in count_pairs]
js_cases = [{"p": floats(e), "q": floats(a), "js": float(distance.jensenshannon(e, a, base=2))} for e, a in count_pairs]
js_cases.append({"p": [1.0, 0.0], "q": [0.0, 1.0], "js": float(distance.jensenshannon([1, 0], [0, 1], base=2))})
js_cases.append({"p": [3.0, 7.0], "q": [3.0, 7.0], "js": float(distance.jensenshannon([3, 7], [3, 7], base=2))})
linf_cases = [{"p": floats(e), "q": floats(a), "linf": linf(e, a)} for e, a in count_pairs]


def chi2_case(reference_counts, window_counts):
    """Expected counts as the monitors build them: reference shares scaled to the window
    total; categories the reference never saw (reference count 0) form one bin expected
    with share 1e-4, the others scaled by (1 - 1e-4)."""
    ref = np.asarray(reference_counts, dtype=float)
    obs = np.asarray(window_counts, dtype=float)
    n = obs.sum()
    unseen = ref == 0
    shares = ref / ref.sum()
    if unseen.any():
        exp_known = shares[~unseen] * (1 - ZERO_SHARE) * n
        obs = np.append(obs[~unseen], obs[unseen].sum())
        exp = np.append(exp_known, ZERO_SHARE * n)
    else:
        exp = shares * n
    res = stats.chisquare(obs, exp)
    return {"observed": floats(obs), "expected": floats(exp), "chi2": float(res.statistic), "p": float(res.pvalue),
            "df": len(obs) - 1}


chi2_cases = [chi2_case(e, a) for e, a in count_pairs if sum(a) > 0]
chi2_cases.append(chi2_case([400, 300, 300], [38, 31, 31]))   # no drift: p near 1
chi2_cases.append(chi2_case([400, 300, 300], [10, 10, 80]))   # drift: p tiny


def ks_case(name, a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    d = float(stats.ks_2samp(a, b).statistic)
    n, m = len(a), len(b)
    en = n * m / (n + m)
    return {"name": name, "a": floats(a), "b": floats(b), "ks": d,
            "p": float(stats.kstwobign.sf(math.sqrt(en) * d)),
            "scipy_asymp_p": float(stats.ks_2samp(a, b, mode="asymp").pvalue)}


ks_cases = [
    ks_case("normal shifted", rng.normal(0, 1, 400), rng.normal(0.3, 1, 300)),
    ks_case("same distribution", rng.normal(5, 2, 500), rng.normal(5, 2, 450)),
    ks_case("ties", rng.integers(0, 5, 600), rng.integers(0, 6, 500)),
    ks_case("scale change", rng.exponential(1.0, 1000), rng.exponential(1.5, 800)),
    ks_case("small", [1.0, 2.0, 3.0, 4.0, 5.0], [3.5, 4.5, 5.5, 6.5]),
]

wasserstein_cases = []
for name, u, v in [
    ("normal shifted", rng.normal(0, 1, 300), rng.normal(0.5, 1, 250)),
    ("ties", rng.integers(0, 4, 200), rng.integers(1, 5, 100)),
    ("lognormal", rng.lognormal(0, 1, 500), rng.lognormal(0.2, 1.1, 400)),
]:
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    w = float(stats.wasserstein_distance(u, v))
    wasserstein_cases.append({"name": name, "reference": floats(u), "current": floats(v), "wasserstein": w,
                              "reference_std": float(np.std(u)), "normed": w / float(np.std(u))})

gamma_cases = []
for a in [0.5, 1.0, 2.5, 4.5, 10.0, 50.0, 200.0]:
    for x in [0.01, 0.5, 1.0, 3.0, 7.5, 20.0, 60.0, 250.0]:
        gamma_cases.append({"a": a, "x": x, "q": float(special.gammaincc(a, x))})

chi2_sf_cases = [{"x": x, "df": df, "sf": float(stats.chi2.sf(x, df))}
                 for df in [1, 2, 3, 9, 24, 99] for x in [0.1, 1.0, 5.0, 12.0, 40.0, 150.0]]

kolmogorov_cases = [{"lambda": lam, "sf": float(stats.kstwobign.sf(lam))}
                    for lam in [0.05, 0.2, 0.5, 0.8, 1.0, 1.17, 1.19, 1.36, 1.63, 2.0, 3.0, 5.0]]

json.dump({
    "generator": "plugins/monitors/testdata/golden.py",
    "numpy": np.__version__,
    "scipy": __import__("scipy").__version__,
    "psi": psi_cases,
    "js": js_cases,
    "linf": linf_cases,
    "chi2": chi2_cases,
    "ks": ks_cases,
    "wasserstein": wasserstein_cases,
    "gamma_q": gamma_cases,
    "chi2_sf": chi2_sf_cases,
    "kolmogorov_sf": kolmogorov_cases,
}, sys.stdout, indent=1)
sys.stdout.write("\n")
