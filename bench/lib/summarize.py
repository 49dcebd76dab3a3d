#!/usr/bin/python3
"""Medians and a table from the benchmark's tab-separated run records.

Input rows (header line first), one per run:
  code case solver ranks repeat cells iterations converged clock_s exec_s elapsed_s maxrss_kB pre_s load1
`code` is OpenFOAM or Gale; elapsed_s is the whole command's wall time
(/usr/bin/time), exec_s the solver's own time: OpenFOAM's ExecutionTime (CPU
time of rank 0), Gale's wall_time; load1 the load average before the run.
Output: one row per (code, case, solver, ranks) with medians over repeats;
with --compare, Gale/OpenFOAM ratios per (case, ranks) against OpenFOAM's
simpleFoam run, or icoFoam's where Gale's solver is transient (PISO/PIMPLE).

usage: summarize.py RESULTS.tsv [--compare] [--markdown]
"""
import csv
import statistics
import sys


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    groups = {}
    for r in rows:
        key = (r["code"], r["case"], r["solver"], int(r["ranks"]))
        groups.setdefault(key, []).append(r)
    out = {}
    for key, rs in groups.items():
        med = lambda k: statistics.median(float(r[k]) for r in rs if r[k] not in ("", "nan"))
        cells = int(rs[0]["cells"])
        it = int(med("iterations"))
        wall = med("elapsed_s")
        out[key] = dict(
            n=len(rs), cells=cells, iterations=it,
            converged="yes" if all(r["converged"] == "yes" for r in rs) else "NO",
            wall=wall, clock=med("clock_s"), exec=med("exec_s"),
            wall_min=min(float(r["elapsed_s"]) for r in rs),
            load=max(float(r.get("load1") or 0) for r in rs),
            rss_mb=med("maxrss_kB") / 1024.0,
            s_iter_mcell=wall / max(it, 1) / (cells / 1e6),
            cpu_iter_mcell=med("exec_s") / max(it, 1) / (cells / 1e6),
        )
    return out


def table(header, rows, markdown):
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        w = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        fmt = "  ".join("%%-%ds" % k for k in w)
        lines = [fmt % tuple(header), fmt % tuple("-" * k for k in w)]
        lines += [fmt % tuple(r) for r in rows]
    print("\n".join(lines))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    md = "--markdown" in sys.argv
    res = load(sys.argv[1])
    order = {"cavity_re100": 0, "cavity_re1000": 1, "pitzDaily": 2, "pitzDaily_kEpsilon": 3, "flatplate_sa": 4}
    sorder = {"simpleFoam": 0, "icoFoam": 1}
    keys = sorted(res, key=lambda k: (order.get(k[1], 9), k[1], k[0] != "OpenFOAM",
                                      sorder.get(k[2], 2), k[2], k[3]))
    hdr = ["code", "case", "solver", "ranks", "cells", "iters", "conv", "wall s",
           "min wall s", "solver s", "s/iter/Mcell", "solver s/iter/Mcell", "peak RSS MB", "runs", "max load"]
    rows = []
    for k in keys:
        v = res[k]
        rows.append([k[0], k[1], k[2], str(k[3]), str(v["cells"]), str(v["iterations"]),
                     v["converged"], "%.2f" % v["wall"], "%.2f" % v["wall_min"], "%.2f" % v["exec"],
                     "%.3f" % v["s_iter_mcell"], "%.3f" % v["cpu_iter_mcell"],
                     "%.0f" % v["rss_mb"], str(v["n"]),
                     "%.1f" % v["load"]])
    table(hdr, rows, md)
    if "--compare" not in sys.argv:
        return
    print()
    hdr = ["case", "ranks", "against", "Gale wall s", "OpenFOAM wall s", "wall ratio",
           "iters G/OF", "s/iter/Mcell ratio", "peak RSS ratio"]
    rows = []
    for k in keys:
        if k[0] != "Gale":
            continue
        transient = k[2].upper().endswith(("PISO", "PIMPLE"))
        of = res.get(("OpenFOAM", k[1], "icoFoam" if transient else "simpleFoam", k[3]))
        if not of:
            continue
        g = res[k]
        rows.append([k[1], str(k[3]), "icoFoam" if transient else "simpleFoam", "%.2f" % g["wall"], "%.2f" % of["wall"],
                     "%.2f" % (g["wall"] / of["wall"]),
                     "%d/%d" % (g["iterations"], of["iterations"]),
                     "%.2f" % (g["s_iter_mcell"] / of["s_iter_mcell"]),
                     "%.2f" % (g["rss_mb"] / of["rss_mb"]) if of["rss_mb"] > 0 else "-"])
    if rows:
        print("Gale / OpenFOAM (medians; < 1 means Gale is faster or smaller):")
        table(hdr, rows, md)
    else:
        print("No Gale results to compare.")


if __name__ == "__main__":
    main()
