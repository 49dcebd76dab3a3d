"""Markdown summary of a Gale run.

usage: gale_summary.py RESULTS OUTDIR [--last N]

Writes OUTDIR/summary.md: run status, mesh size, ranks, wall time, final
residuals, and for runs with forces a table of Cd, Cl, Cm: the final value
and the mean, standard deviation (population), minimum and maximum over the
last N rows of forces.csv (default 100; all rows when there are fewer),
then the final pressure and viscous forces and the moment.

Final values are copied from summary.yaml as the solver printed them (same
digits). Without summary.yaml (run still going, crashed or killed) they come
from the last complete rows of residuals.csv and forces.csv and the table
says so; the cell count then comes from solution.h5 when it is there.
Exit status 0 when summary.md was written, 3 when no results file could be
read, 4 when a Python module is missing, 1 on errors.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gale_postlib as gp  # noqa: E402 (found beside this script)

NAME = "gale_summary.py"
COEFFS = ("Cd", "Cl", "Cm")


def fmt(v):
    return "%.10g" % v


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def cells_from_h5(path):
    try:
        h5py = __import__("h5py")
    except ImportError:
        return None
    try:
        with h5py.File(path, "r") as f:
            st = gp.steps(f)
            if st:
                return str(f["steps/%s/p" % st[-1]].shape[0])
    except (OSError, KeyError):
        return None
    return None


def gather(results, notes):
    """What the results folder tells: summary.yaml, residuals and forces."""
    have = gp.results_files(results)
    info = {"summary": None, "res": None, "forces": None, "have": have}
    if have["summary.yaml"]:
        try:
            info["summary"] = gp.read_summary(os.path.join(results, "summary.yaml"))
        except (OSError, UnicodeDecodeError) as e:
            notes.append("summary.yaml could not be read (%s)" % e)
    else:
        notes.append("no summary.yaml: the run is still going, or it crashed or was killed; "
                     "final values below are the last complete rows of the CSV files")
    for key, fname in (("res", "residuals.csv"), ("forces", "forces.csv")):
        if not have[fname]:
            continue
        cols, bad = gp.read_csv(os.path.join(results, fname))
        if bad:
            notes.append("%s: %d incomplete row(s) skipped" % (fname, bad))
        if cols is not None and len(cols["iteration"]):
            info[key] = cols
    return info


def run_rows(info, results):
    s = info["summary"] or {}
    res = info["res"]
    last = (lambda c: res[c][-1]) if res is not None else None

    def pick(key, fallback):
        return s[key] if key in s else fallback

    iters = "%d" % last("iteration") if last else "unknown"
    cells = cells_from_h5(os.path.join(results, "solution.h5")) if "cells" not in s else None
    wall = "at least %.4g (solve time in residuals.csv)" % last("seconds") if last and "seconds" in res else "unknown"
    return [
        ("case", pick("case", os.path.basename(os.path.dirname(os.path.abspath(results))))),
        ("status", pick("status", "unknown (no summary.yaml)")),
        ("converged", pick("converged", "unknown")),
        ("algorithm", pick("algorithm", "unknown")),
        ("iterations", pick("iterations", iters)),
        ("time", pick("time", "%.10g" % last("time") if last else "unknown")),
        ("cells", pick("cells", cells or "unknown")),
        ("ranks", pick("ranks", "unknown")),
        ("wall time (s)", pick("wall_time", wall)),
        ("continuity error", pick("continuity_error", "%.6e" % last("continuity") if last else "unknown")),
    ]


def residual_rows(info):
    s = info["summary"] or {}
    if isinstance(s.get("final_residuals"), dict):
        fr = s["final_residuals"]
        return [[fr.get(k, "") for k in ("Ux", "Uy", "Uz", "p")]], "summary.yaml"
    if info["res"] is not None:
        r = info["res"]
        return [["%.6e" % r[k][-1] for k in ("Ux", "Uy", "Uz", "p")]], "last row of residuals.csv"
    return None, None


def coefficient_lines(np, info, last):
    f = info["forces"]
    s = info["summary"] or {}
    if f is None:
        return []
    n = min(last, len(f["iteration"]))
    fromyaml = isinstance(s.get("coefficients"), dict)
    it, t = f["iteration"], f["time"]
    if (abs(t - it) <= 1e-12 * (1 + abs(it))).all():
        span = "iterations %d to %d" % (it[-n], it[-1])
    else:
        span = "time steps %d to %d, time %.6g to %.6g" % (it[-n], it[-1], t[-n], t[-1])
    lines = ["## Force coefficients", ""]
    lines.append("Statistics over the last %d row(s) of forces.csv (%s); final values from %s."
                 % (n, span, "summary.yaml" if fromyaml else "the last row of forces.csv"))
    lines.append("")
    rows = []
    for c in COEFFS:
        y = f[c][-n:]
        final = s["coefficients"].get(c, fmt(f[c][-1])) if fromyaml else fmt(f[c][-1])
        rows.append([c, final, fmt(y.mean()), fmt(y.std()), fmt(y.min()), fmt(y.max())])
    lines += table(["coefficient", "final", "mean", "std", "min", "max"], rows)
    lines.append("")
    forces = s.get("forces") if isinstance(s.get("forces"), dict) else None
    if forces:
        rows = [[k] + list(forces.get(k, ["", "", ""])) for k in ("pressure", "viscous", "moment")]
        src = "summary.yaml"
    else:
        rows = [["pressure"] + [fmt(f[k][-1]) for k in ("Fpx", "Fpy", "Fpz")],
                ["viscous"] + [fmt(f[k][-1]) for k in ("Fvx", "Fvy", "Fvz")],
                ["moment"] + [fmt(f[k][-1]) for k in ("Mx", "My", "Mz")]]
        src = "the last row of forces.csv"
    lines += ["Final forces and moment (from %s):" % src, ""]
    lines += table(["", "x", "y", "z"], rows)
    lines.append("")
    return lines


def main(argv):
    ap = argparse.ArgumentParser(prog=NAME)
    ap.add_argument("results")
    ap.add_argument("outdir")
    ap.add_argument("--last", type=int, default=100)
    a = ap.parse_args(argv)
    if a.last < 1:
        raise SystemExit("gale post: --last must be at least 1")
    np = gp.need("numpy", NAME)
    notes = []
    info = gather(a.results, notes)
    if info["summary"] is None and info["res"] is None and info["forces"] is None and not info["have"]["solution.h5"]:
        gp.say(NAME, "nothing to summarise in %s (no summary.yaml, no complete CSV row, no solution.h5)" % a.results)
        return gp.NOTHING
    rows = run_rows(info, a.results)
    lines = ["# Gale run summary: %s" % dict(rows)["case"], ""]
    lines += ["Results folder: `%s`" % os.path.abspath(a.results), ""]
    if notes:
        for n in notes:
            lines += ["> **Note:** " + n, ""]
    lines += ["## Run", ""] + table(["item", "value"], rows) + [""]
    rres, src = residual_rows(info)
    if rres:
        lines += ["## Final residuals", "", "From %s." % src, ""]
        lines += table(["Ux", "Uy", "Uz", "p"], rres) + [""]
    lines += coefficient_lines(np, info, a.last)
    if info["forces"] is None:
        lines += ["No forces.csv: the case has no `forces` section (or the run wrote no row yet).", ""]
    path = os.path.join(a.outdir, "summary.md")
    tmp = gp.tmp_name(path)
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)
    for n in notes:
        gp.say(NAME, n)
    gp.say(NAME, "wrote %s" % path)
    return gp.PRODUCED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
