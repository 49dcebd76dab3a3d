"""Report of a parameter sweep (`gale post SWEEPDIR`; docs/post.md).

usage: python3 gale_sweep_report.py SWEEPDIR OUTDIR [--gale EXE] [--size WxH]

Reads SWEEPDIR/sweep/manifest.csv (written by `gale sweep`) and writes to
OUTDIR:
  sweep_report.md      sample counts by status; a table of every sample
                       (role, parameters, status, iterations, wall time,
                       Cd, Cl, Cm, message); the coefficients' range over
                       the finished samples; the surrogate models found
  sweep_<param>.png    per parameter, each coefficient against it: training
                       samples (dots), held-out samples (open squares) and,
                       for every surrogate model file in SWEEPDIR (*.h5
                       written by `gale surrogate train`), its prediction
                       curve over the trained range with a 2-sigma band
                       where the model has one (Gaussian process); with
                       several parameters the others are held at the
                       middle of their trained ranges (the title says so)
Curves come from `gale surrogate curve` (EXE, default `gale` on PATH).
Unfinished or failed samples are listed, not plotted. Exit status 0 when
files were written, 3 when the manifest holds no sample, 1 on errors.
"""
import argparse
import csv
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gale_postlib as gp  # noqa: E402 (found beside this script)

NAME = "gale_sweep_report.py"
COEFS = ("Cd", "Cl", "Cm")
FIXED = ("id", "role", "status", "converged", "iterations", "wall_time", "Cd", "Cl", "Cm", "result", "message")


def parse(argv):
    ap = argparse.ArgumentParser(prog=NAME)
    ap.add_argument("sweepdir")
    ap.add_argument("outdir")
    ap.add_argument("--gale", default="gale")
    ap.add_argument("--size", default="1200x800")
    a = ap.parse_args(argv)
    a.size = gp.parse_size(a.size)
    return a


def manifest_path(sweepdir):
    for p in (os.path.join(sweepdir, "sweep", "manifest.csv"), os.path.join(sweepdir, "manifest.csv")):
        if os.path.isfile(p):
            return p
    return None


def read_manifest(path):
    """(parameter names, rows as dicts). Parameters are the columns between
    `role` and `status`."""
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r, None)
        if not head or head[:2] != ["id", "role"] or "status" not in head:
            raise SystemExit("gale post: %s is not a Gale sweep manifest (header %s)" % (path, head))
        params = head[2 : head.index("status")]
        rows = []
        for k, rec in enumerate(r, start=2):
            if len(rec) != len(head):
                gp.say(NAME, "%s:%d: %d columns, expected %d: row skipped" % (path, k, len(rec), len(head)))
                continue
            rows.append(dict(zip(head, rec)))
    return params, rows


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def find_models(sweepdir):
    """Surrogate model files (HDF5 with format gale-surrogate-model) in SWEEPDIR."""
    import h5py

    found = []
    for name in sorted(os.listdir(sweepdir)):
        p = os.path.join(sweepdir, name)
        if not name.endswith(".h5") or not os.path.isfile(p):
            continue
        try:
            with h5py.File(p, "r") as f:
                fmt = f.attrs.get("format", b"")
                fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
                reg = f.attrs.get("regressor", b"")
                reg = reg.decode() if isinstance(reg, bytes) else str(reg)
                if fmt == "gale-surrogate-model":
                    found.append((p, reg))
        except OSError:
            continue
    return found


def curve(gale, model, param, outdir):
    """The model's scalars along param, as (columns dict, comment), or None."""
    path = os.path.join(outdir, ".curve_%s_%s.csv" % (os.path.basename(model)[:-3], param))
    run = subprocess.run([gale, "surrogate", "curve", model, param, "--points", "201", "--csv", path], capture_output=True, text=True)
    if run.returncode != 0:
        msg = (run.stderr or run.stdout).strip().splitlines()
        gp.say(NAME, "no curve of %s along %s: %s" % (os.path.basename(model), param, msg[-1] if msg else "exit status %d" % run.returncode))
        return None
    with open(path) as f:
        comment = f.readline().strip().lstrip("# ")
        rows = list(csv.reader(f))
    os.remove(path)
    head, data = rows[0], rows[1:]
    cols = {h: [float(r[i]) for r in data] for i, h in enumerate(head)}
    return cols, comment


def table(params, rows):
    head = ["id", "role"] + params + ["status", "iterations", "wall time (s)", "Cd", "Cl", "Cm", "message"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["id"], r["role"]] + [r[p] for p in params] + [r["status"] + ("" if r["converged"] in ("", "true") else " (not converged)"), r["iterations"], r["wall_time"], r["Cd"], r["Cl"], r["Cm"], r["message"].replace("|", "/")]
        out.append("| " + " | ".join(cells) + " |")
    return out


def write_report(path, manifest, params, rows, coefs, models, pictures):
    status = {}
    for r in rows:
        status[r["status"]] = status.get(r["status"], 0) + 1
    lines = ["# Sweep report", "", "Manifest: `%s`" % manifest, ""]
    lines.append("%d samples (%d training, %d held out): %s." % (len(rows), sum(r["role"] == "train" for r in rows), sum(r["role"] == "holdout" for r in rows), ", ".join("%d %s" % (n, s) for s, n in sorted(status.items()))))
    lines.append("")
    done = [r for r in rows if r["status"] == "done"]
    if coefs and done:
        lines += ["| coefficient | min | max | over finished samples |", "|---|---|---|---|"]
        for c in coefs:
            v = [num(r[c]) for r in done if num(r[c]) is not None]
            if v:
                lines.append("| %s | %.10g | %.10g | %d |" % (c, min(v), max(v), len(v)))
        lines.append("")
    lines += ["## Samples", ""] + table(params, rows) + [""]
    lines += ["## Surrogate models", ""]
    if models:
        lines += ["| file | regressor |", "|---|---|"] + ["| `%s` | %s |" % (os.path.basename(m), reg) for m, reg in models] + [""]
    else:
        lines += ["None in the sweep folder (`gale surrogate train DIR --model pod-gpr` makes `DIR/model.h5`).", ""]
    if pictures:
        lines += ["## Plots", ""] + ["![%s](%s)" % (p, p) for p in pictures] + [""]
    tmp = gp.tmp_name(path)
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)
    gp.say(NAME, "wrote %s" % path)


def plot_param(plt, param, params, rows, coefs, curves, size, path):
    """Each coefficient against param: samples and model curves."""
    w, h = size
    fig, axes = plt.subplots(len(coefs), 1, figsize=(w / 100.0, h / 100.0), dpi=100, sharex=True, squeeze=False)
    done = [r for r in rows if r["status"] == "done" and num(r[param]) is not None]
    for ax, c in zip([a[0] for a in axes], coefs):
        for (model, reg), cv in curves:
            cols, _ = cv
            if c not in cols:
                continue
            x, y = cols[param], cols[c]
            (line,) = ax.plot(x, y, "-", lw=1.5, label="%s (%s)" % (os.path.basename(model), reg))
            if c + "_2sigma" in cols:
                s = cols[c + "_2sigma"]
                ax.fill_between(x, [a - b for a, b in zip(y, s)], [a + b for a, b in zip(y, s)], color=line.get_color(), alpha=0.2, lw=0)
        for role, style, label in (("train", dict(marker="o", ls="", color="k", ms=5), "training samples"), ("holdout", dict(marker="s", ls="", mfc="none", mec="C3", mew=1.5, ms=8), "held-out samples")):
            pts = [(num(r[param]), num(r[c])) for r in done if r["role"] == role and num(r[c]) is not None]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, **style)
        ax.set_ylabel(c)
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="best")
    axes[-1][0].set_xlabel(param)
    others = [p for p in params if p != param]
    title = "%s against %s" % (", ".join(coefs), param)
    if others and curves:
        title += " (curves: %s)" % curves[0][1][1].split("other parameters:")[-1].strip()
    fig.suptitle(title)
    fig.tight_layout()
    tmp = gp.tmp_name(path)
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
    plt.close(fig)
    gp.say(NAME, "wrote %s" % path)


def main(argv):
    a = parse(argv)
    manifest = manifest_path(a.sweepdir)
    if manifest is None:
        raise SystemExit("gale post: no sweep/manifest.csv in %s (run gale sweep %s first)" % (a.sweepdir, a.sweepdir))
    params, rows = read_manifest(manifest)
    if not rows:
        gp.say(NAME, "%s lists no sample: no report" % manifest)
        return gp.NOTHING
    os.makedirs(a.outdir, exist_ok=True)
    coefs = [c for c in COEFS if any(num(r[c]) is not None for r in rows)]
    models = find_models(a.sweepdir)
    pictures = []
    if coefs and any(r["status"] == "done" for r in rows):
        gp.need("matplotlib", NAME)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        for p in params:
            curves = []
            for m in models:
                cv = curve(a.gale, m[0], p, a.outdir)
                if cv:
                    curves.append((m, cv))
            name = "sweep_%s.png" % p
            plot_param(plt, p, params, rows, coefs, curves, a.size, os.path.join(a.outdir, name))
            pictures.append(name)
    else:
        gp.say(NAME, "no finished sample with coefficients (a forces section in the case): report without plots")
    write_report(os.path.join(a.outdir, "sweep_report.md"), manifest, params, rows, coefs, models, pictures)
    return gp.PRODUCED


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit:
        raise
    except Exception:  # noqa: BLE001 (reported, not a crash)
        import traceback

        traceback.print_exc()
        sys.exit(1)
