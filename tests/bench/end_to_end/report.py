#!/usr/bin/python3
"""Turns what run.sh measured into the markdown tables of the end-to-end benchmark.

    report.py OUT_DIR ROWS RUNS

Reads OUT_DIR/times/<variant>.<rows>.<run> (one line: wall s, peak RSS KiB, user s,
system s), OUT_DIR/times/startup-<what> (microseconds, one a line), OUT_DIR/times/machine,
OUT_DIR/out/agreement.txt and the run reports OUT_DIR/runs/trestle-t<N>.<ROWS>.<RUNS>/
report.json; writes OUT_DIR/table.md and prints it.
"""

import glob
import json
import os
import statistics
import sys

VARIANTS = [
    ("trestle-t1", "Trestle, 1 thread"),
    ("trestle-t2", "Trestle, 2 threads"),
    ("handwritten", "hand-written C++"),
    ("pandas", "pandas + xgboost"),
]


def grouped(n):
    return "{:,}".format(int(round(n))).replace(",", " ")


def read_time(path):
    with open(path) as f:
        wall, rss, user, sys_ = f.read().split()
    return {"wall": float(wall), "rss": int(rss) / 1024.0, "cpu": float(user) + float(sys_)}


def runs_of(out, variant, rows):
    return [read_time(p) for p in sorted(glob.glob(os.path.join(out, "times", "%s.%d.*" % (variant, rows))))]


def medians(runs):
    return {k: statistics.median(r[k] for r in runs) for k in ("wall", "rss", "cpu")}


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def main():
    out, rows, nruns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lines = []
    w = lines.append
    with open(os.path.join(out, "times", "machine")) as f:
        machine = f.read().strip()

    w("### %s rows, median of %d run%s per variant (interleaved)" % (grouped(rows), nruns, "" if nruns == 1 else "s"))
    w("")
    w(machine)
    w("")
    med = {}
    for v, _ in VARIANTS:
        runs = runs_of(out, v, rows)
        if runs:
            med[v] = medians(runs)
    hand, pandas = med.get("handwritten"), med.get("pandas")
    sizes_path = os.path.join(out, "out", "sizes.txt")
    output_mb = {}
    if os.path.exists(sizes_path):
        with open(sizes_path) as f:
            output_mb = {v: int(n) / 1e6 for v, n in (line.split() for line in f if line.strip())}
    w("| variant | wall s | rows/s | CPU s (user+sys) | peak RSS MiB | wall / hand-written | CPU / hand-written | "
      "pandas wall / this wall | output MB |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for v, label in VARIANTS:
        if v not in med:
            w("| %s | skipped | | | | | | | |" % label)
            continue
        m = med[v]
        w("| %s | %.2f | %s | %.2f | %.1f | %s | %s | %s | %s |" % (
            label, m["wall"], grouped(rows / m["wall"]), m["cpu"], m["rss"],
            ratio(m["wall"], hand and hand["wall"]), ratio(m["cpu"], hand and hand["cpu"]),
            ratio(pandas and pandas["wall"], m["wall"]), "%.1f" % output_mb[v] if v in output_mb else "-"))
    w("")
    if "trestle-t1" in med and "trestle-t2" in med:
        t1, t2 = med["trestle-t1"], med["trestle-t2"]
        w("Trestle 1 -> 2 threads: wall %.2f s -> %.2f s, speed-up **%.2fx** (CPU %.2f s -> %.2f s)." % (
            t1["wall"], t2["wall"], t1["wall"] / t2["wall"], t1["cpu"], t2["cpu"]))
        w("")

    # Every run, for the spread.
    w("<details><summary>every run (wall s / CPU s / peak RSS MiB)</summary>")
    w("")
    w("| variant | " + " | ".join("run %d" % (i + 1) for i in range(nruns)) + " |")
    w("|---|" + "---:|" * nruns)
    for v, label in VARIANTS:
        runs = runs_of(out, v, rows)
        if runs:
            w("| %s | %s |" % (label, " | ".join("%.2f / %.2f / %.1f" % (r["wall"], r["cpu"], r["rss"]) for r in runs)))
    w("")
    w("</details>")
    w("")

    # Start-up.
    startup = []
    for what, label in (("version", "`trestle version`"), ("validate", "`trestle validate pipeline.yaml`")):
        path = os.path.join(out, "times", "startup-" + what)
        if os.path.exists(path):
            with open(path) as f:
                us = [int(x) for x in f.read().split()]
            startup.append((label, statistics.median(us) / 1000.0, min(us) / 1000.0, len(us)))
    if startup:
        w("| start-up | median ms | min ms | runs |")
        w("|---|---:|---:|---:|")
        for label, median, low, n in startup:
            w("| %s | %.0f | %.0f | %d |" % (label, median, low, n))
        w("")

    # Peak RSS against the input size (one run each besides the main size).
    sizes = sorted({int(os.path.basename(p).split(".")[1]) for p in glob.glob(os.path.join(out, "times", "*.*.*"))})
    if len(sizes) > 1:
        w("| peak RSS MiB | " + " | ".join("%s rows" % grouped(s) for s in sizes) + " |")
        w("|---|" + "---:|" * len(sizes))
        for v, label in VARIANTS:
            cells = []
            for s in sizes:
                runs = runs_of(out, v, s)
                cells.append("%.1f" % medians(runs)["rss"] if runs else "-")
            if any(c != "-" for c in cells):
                w("| %s | %s |" % (label, " | ".join(cells)))
        w("")

    # Instructions (E2E_INSTRUCTIONS=1), which the machine's other load does not change.
    counts = {}
    for v, label in VARIANTS:
        path = os.path.join(out, "times", "instructions-" + v)
        if os.path.exists(path):
            with open(path) as f:
                n, count = f.read().split()
            counts[v] = (label, int(n), int(count))
    if counts:
        base = counts.get("handwritten")
        w("| instructions (callgrind, whole process) | rows | instructions | per row | / hand-written |")
        w("|---|---:|---:|---:|---:|")
        for v, (label, n, count) in counts.items():
            w("| %s | %s | %s | %s | %s |" % (label, grouped(n), grouped(count), grouped(count / n),
                                              ratio(count, base and base[2])))
        w("")

    # The stage breakdown of the last Trestle run of each thread count.
    for v, label in VARIANTS[:2]:
        path = os.path.join(out, "runs", "%s.%d.%d" % (v, rows, nruns), "report.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            report = json.load(f)
        nodes = report.get("nodes", [])
        total = sum(n.get("latency_seconds_sum", 0.0) for n in nodes)
        process = read_time(os.path.join(out, "times", "%s.%d.%d" % (v, rows, nruns)))["wall"]
        w("Time in each node, %s (run report of run %d; `latency_seconds_sum`, summed over the node's calls, which "
          "overlap with other nodes' and, with 2 threads, with each other). The run took %.2f s "
          "(`duration_seconds`) of the process's %.2f s wall:" % (label, nruns, report.get("duration_seconds", 0.0), process))
        w("")
        w("| node | operator | rows out | seconds | share |")
        w("|---|---|---:|---:|---:|")
        for n in nodes:
            s = n.get("latency_seconds_sum", 0.0)
            w("| %s | %s | %s | %.2f | %.0f%% |" % (n.get("name"), n.get("type"), grouped(n.get("rows_out", 0)), s,
                                                 100.0 * s / total if total else 0.0))
        w("")

    agreement = os.path.join(out, "out", "agreement.txt")
    if os.path.exists(agreement):
        with open(agreement) as f:
            w("Outputs (the last run of each variant against the hand-written program's, tolerance 1e-6 on scores):")
            w("")
            for line in f.read().splitlines():
                w("    " + line)
            w("")

    text = "\n".join(lines)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
