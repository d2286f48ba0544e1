#!/usr/bin/python3
"""Checks that two outputs of the end-to-end benchmark say the same thing.

    compare.py REFERENCE OTHER [--tolerance 1e-6]

Both are CSVs of id,score,label. They agree when they have the same header, the same ids
in the same order, every score within the tolerance of the reference's, and the same
labels (a label may differ only where the score is within the tolerance of the 0.5
threshold). Prints one line "agree: ..." (with the largest score difference and how
many scores are the same float32) and exits 0, or names the first differences and exits 1.
"""

import argparse
import struct
import sys


def as_f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("reference")
    ap.add_argument("other")
    ap.add_argument("--tolerance", type=float, default=1e-6)
    args = ap.parse_args()

    problems = []
    rows = same_f32 = 0
    worst = 0.0
    with open(args.reference) as a, open(args.other) as b:
        ha, hb = a.readline().strip(), b.readline().strip()
        if ha != "id,score,label" or hb != ha:
            problems.append("headers %r and %r (expected 'id,score,label')" % (ha, hb))
        for line_no, (la, lb) in enumerate(zip(a, b), start=2):
            rows += 1
            ia, sa, ya = la.rstrip("\r\n").split(",")
            ib, sb, yb = lb.rstrip("\r\n").split(",")
            fa, fb = float(sa), float(sb)
            diff = abs(fa - fb)
            worst = max(worst, diff)
            same_f32 += as_f32(fa) == as_f32(fb)
            if ia != ib:
                problems.append("line %d: id %s, but %s" % (line_no, ia, ib))
            elif not diff <= args.tolerance:
                problems.append("line %d (%s): score %s, but %s" % (line_no, ia, sa, sb))
            elif int(ya) != int(yb) and abs(fa - 0.5) > args.tolerance:
                problems.append("line %d (%s): label %s, but %s (score %s)" % (line_no, ia, ya, yb, sa))
            if len(problems) >= 10:
                break
        more_a, more_b = a.readline(), b.readline()
        if not problems and (more_a or more_b):
            problems.append("different numbers of rows (%s has more)" % (args.reference if more_a else args.other))

    if problems:
        print("DIFFER: %s vs %s:" % (args.reference, args.other))
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("agree: %s vs %s: %d rows, max |score difference| %.3g, %d of %d scores the same float32"
          % (args.other, args.reference, rows, worst, same_f32, rows))


if __name__ == "__main__":
    main()
