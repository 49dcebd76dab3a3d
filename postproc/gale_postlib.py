"""Shared helpers of the `gale post` scripts (plain Python + numpy).

Readers for what `gale run` writes to DIR/results (see docs/post.md):
residuals.csv and forces.csv (tolerant of a half-written last line and of
the rows a restart repeats), summary.yaml (kept as the literal strings the
solver printed, so tables show exactly its digits), and solution.h5 (mesh
and cell fields). Also an atomic file writer and the exit codes the C
driver (postproc/post.c) understands.
"""
import csv
import os
import sys

# Exit codes understood by postproc/post.c
PRODUCED = 0  # wrote at least one file
NOTHING = 3  # nothing to do with the results there are (reason printed)
MISSING_MODULE = 4  # a Python module is missing (package named)

PACKAGES = {"numpy": "python3-numpy", "h5py": "python3-h5py", "matplotlib": "python3-matplotlib"}


def say(script, msg):
    print("gale post: %s: %s" % (script, msg), flush=True)


def need(module, script):
    """Import `module` or exit with MISSING_MODULE naming the Debian package."""
    try:
        return __import__(module)
    except ImportError as e:
        say(script, "cannot import %s (%s) with %s: install %s" % (module, e, sys.executable, PACKAGES.get(module, module)))
        sys.exit(MISSING_MODULE)


def parse_size(text):
    """'1200x800' -> (1200, 800)"""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit("gale post: bad --size '%s' (expected WIDTHxHEIGHT, e.g. 1200x800)" % text)
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise SystemExit("gale post: --size %s out of range (16 to 8192 pixels each way)" % text)
    return w, h


def parse_vector(text, what):
    try:
        v = [float(t) for t in text.split(",")]
    except ValueError:
        v = []
    if len(v) != 3:
        raise SystemExit("gale post: bad %s '%s' (expected x,y,z)" % (what, text))
    return v


def tmp_name(path):
    """Temporary name in the same folder, keeping the extension (matplotlib
    picks the format from it)."""
    root, ext = os.path.splitext(path)
    return "%s.tmp%d%s" % (root, os.getpid(), ext)


def read_csv(path, key="iteration"):
    """Columns of a numeric CSV with a header, as {name: numpy array}.

    Rows with the wrong number of fields or unreadable numbers (a run killed
    mid-write) are dropped and counted. When `key` goes back (a restart from
    an earlier checkpoint appends the iterations again), the earlier rows from
    that point on are dropped, so each iteration appears once, the last
    computed. Returns (columns, number of dropped malformed rows)."""
    import numpy as np

    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return None, 0
    header = [h.strip() for h in rows[0]]
    kept, bad = [], 0
    ik = header.index(key) if key in header else None
    for r in rows[1:]:
        if not r:
            continue
        if len(r) != len(header):
            bad += 1
            continue
        try:
            vals = [float(v) for v in r]
        except ValueError:
            bad += 1
            continue
        if ik is not None:
            while kept and kept[-1][ik] >= vals[ik]:
                kept.pop()
        kept.append(vals)
    if not kept:
        return {h: np.zeros(0) for h in header}, bad
    a = np.array(kept)
    return {h: a[:, i] for i, h in enumerate(header)}, bad


def _split_flow(text):
    """'a, [b, c], d' -> ['a', '[b, c]', 'd'] (commas outside brackets)"""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def _value(text):
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        out = {}
        for item in _split_flow(text[1:-1]):
            k, _, v = item.partition(":")
            out[k.strip()] = _value(v)
        return out
    if text.startswith("[") and text.endswith("]"):
        return [_value(v) for v in _split_flow(text[1:-1])]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def read_summary(path):
    """summary.yaml as nested dicts/lists of the literal scalar strings.

    Handles the subset gale writes: `key: scalar`, `key: {flow map}`,
    `key: [flow list]` and one level of indented `key:` blocks."""
    out, block = {}, None
    with open(path) as f:
        for line in f:
            s = line.split(" #")[0].rstrip() if not line.lstrip().startswith("#") else ""
            if not s.strip():
                continue
            indented = s[0] in " \t"
            k, sep, v = s.strip().partition(":")
            if not sep:
                continue
            if indented and block is not None:
                out[block][k.strip()] = _value(v)
            elif not v.strip():
                block = k.strip()
                out[block] = {}
            else:
                block = None
                out[k.strip()] = _value(v)
    return out


def read_mesh(h5):
    """Cells of solution.h5's XDMF Mixed topology (every cell a polyhedron
    `16, nfaces, (npts, ids...) * nfaces`) as flat face arrays:
    face_cell[f], face_start[f] (index in `topo` of the face's first point
    id), face_npts[f]; plus points and the topology itself."""
    import numpy as np

    pts = h5["mesh/points"][...]
    topo = h5["mesh/topology"][...]
    t = topo.tolist()
    fc, fs, fn = [], [], []
    i, c, n = 0, 0, len(t)
    while i < n:
        if t[i] != 16:
            raise ValueError("cell %d: XDMF type %d, expected 16 (polyhedron)" % (c, t[i]))
        nf = t[i + 1]
        i += 2
        for _ in range(nf):
            fc.append(c)
            fs.append(i + 1)
            fn.append(t[i])
            i += 1 + t[i]
        c += 1
    if i != n:
        raise ValueError("topology ends inside a cell")
    return {
        "points": pts,
        "topo": topo,
        "ncells": c,
        "face_cell": np.array(fc, dtype=np.int64),
        "face_start": np.array(fs, dtype=np.int64),
        "face_npts": np.array(fn, dtype=np.int64),
    }


def steps(h5):
    """Step group names, in step order."""
    return sorted(h5["steps"].keys(), key=int) if "steps" in h5 else []


def results_files(results):
    names = ("summary.yaml", "residuals.csv", "forces.csv", "solution.h5")
    return {n: os.path.isfile(os.path.join(results, n)) for n in names}
