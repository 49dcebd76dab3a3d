"""Residual and force-coefficient histories of a Gale run (matplotlib, Agg).

usage: gale_plots.py RESULTS OUTDIR [--last N] [--size WxH]

Writes OUTDIR/residuals.png (initial residual of each solved equation and
the continuity error, log scale, against iteration) from
RESULTS/residuals.csv, and OUTDIR/forces.png (Cd, Cl, Cm against iteration
or time, with the running mean over N rows and the mean of the last N rows)
from RESULTS/forces.csv. Each figure is exactly WxH pixels (default
1200x800). Exit status 0 when a figure was written, 3 when neither CSV is
there, 4 when a Python module is missing, 1 on errors.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gale_postlib as gp  # noqa: E402 (found beside this script)

NAME = "gale_plots.py"


def axis_label(cols):
    """Steady runs count iterations; transient ones plot against time."""
    it, t = cols["iteration"], cols["time"]
    transient = len(t) > 1 and not (abs(t - it) < 1e-12 * (1 + abs(it))).all()
    return ("time", t) if transient else ("iteration", it)


def save(fig, path):
    tmp = gp.tmp_name(path)
    fig.savefig(tmp, dpi=fig.dpi)
    os.replace(tmp, path)
    gp.say(NAME, "wrote %s" % path)


def figure(plt, size, nrows=1):
    w, h = size
    fig, axes = plt.subplots(nrows, 1, figsize=(w / 100.0, h / 100.0), dpi=100, sharex=True, squeeze=False)
    return fig, [a[0] for a in axes]


def plot_residuals(plt, np, path, out, size, title):
    cols, bad = gp.read_csv(path)
    if cols is None or len(cols["iteration"]) == 0:
        gp.say(NAME, "%s has no complete rows yet: no residuals.png" % path)
        return False
    if bad:
        gp.say(NAME, "%s: skipped %d incomplete row(s)" % (path, bad))
    fig, (ax,) = figure(plt, size)
    x = cols["iteration"]
    for name, style in (("Ux", "-"), ("Uy", "-"), ("Uz", "-"), ("p", "-"), ("continuity", "--")):
        y = cols.get(name)
        if y is None or not (y > 0).any():
            continue  # equation not solved (2D) or column missing
        y = np.where(y > 0, y, np.nan)
        ax.semilogy(x, y, style, lw=1.2, label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("initial residual (normalised)")
    ax.set_title("Residuals: %s (%d iterations)" % (title, len(x)))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper right")
    fig.tight_layout()
    save(fig, os.path.join(out, "residuals.png"))
    plt.close(fig)
    return True


def running_mean(np, y, n):
    c = np.cumsum(np.insert(y, 0, 0.0))
    i = np.arange(1, len(y) + 1)
    lo = np.maximum(i - n, 0)
    return (c[i] - c[lo]) / (i - lo)


def plot_forces(plt, np, path, out, size, last, title):
    cols, bad = gp.read_csv(path)
    if cols is None or len(cols["iteration"]) == 0:
        gp.say(NAME, "%s has no complete rows yet: no forces.png" % path)
        return False
    if bad:
        gp.say(NAME, "%s: skipped %d incomplete row(s)" % (path, bad))
    xlabel, x = axis_label(cols)
    n = min(last, len(x))
    fig, axes = figure(plt, size, 3)
    for ax, name in zip(axes, ("Cd", "Cl", "Cm")):
        y = cols[name]
        mean, rm = y[-n:].mean(), running_mean(np, y, n)
        ax.plot(x, y, lw=1.0, color="tab:blue", label=name)
        ax.plot(x, rm, lw=1.5, color="tab:orange", label="running mean (%d rows)" % n)
        ax.axvspan(x[-n], x[-1], color="0.9", zorder=0)
        ax.axhline(mean, color="tab:red", lw=1.0, ls="--", label="mean of last %d: %.6g" % (n, mean))
        # the first 10% of rows (start-up transient) may leave the y range,
        # so that it does not flatten the rest of the history
        k = len(y) // 10
        lo, hi = min(y[k:].min(), rm[k:].min()), max(y[k:].max(), rm[k:].max())
        if y.min() < lo or y.max() > hi or rm.min() < lo or rm.max() > hi:
            pad = 0.05 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1e-12)
            ax.set_ylim(lo - pad, hi + pad)
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[-1].set_xlabel(xlabel)
    axes[0].set_title("Force coefficients: %s (shaded: last %d rows)" % (title, n))
    fig.tight_layout()
    save(fig, os.path.join(out, "forces.png"))
    plt.close(fig)
    return True


def main(argv):
    ap = argparse.ArgumentParser(prog=NAME)
    ap.add_argument("results")
    ap.add_argument("outdir")
    ap.add_argument("--last", type=int, default=100)
    ap.add_argument("--size", default="1200x800")
    ap.add_argument("--title", default="")
    a = ap.parse_args(argv)
    size = gp.parse_size(a.size)
    if a.last < 1:
        raise SystemExit("gale post: --last must be at least 1")
    np = gp.need("numpy", NAME)
    matplotlib = gp.need("matplotlib", NAME)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title = a.title or os.path.basename(os.path.dirname(os.path.abspath(a.results)))
    res = os.path.join(a.results, "residuals.csv")
    frc = os.path.join(a.results, "forces.csv")
    wrote = False
    if os.path.isfile(res):
        wrote |= plot_residuals(plt, np, res, a.outdir, size, title)
    else:
        gp.say(NAME, "no %s: no residuals.png" % res)
    if os.path.isfile(frc):
        wrote |= plot_forces(plt, np, frc, a.outdir, size, a.last, title)
    else:
        gp.say(NAME, "no %s (the case has no 'forces' section, or the run wrote none yet): no forces.png" % frc)
    return gp.PRODUCED if wrote else gp.NOTHING


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
