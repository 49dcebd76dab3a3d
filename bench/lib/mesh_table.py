#!/usr/bin/python3
"""Table of bench/mesh_vs_snappy.sh: time and memory from /usr/bin/time -v,
mesh numbers from OpenFOAM's checkMesh on both meshes.

usage: mesh_table.py GALE_TIME GALE_CHECKMESH SNAPPY_TIME SNAPPY_CHECKMESH RANKS LOAD
"""
import re
import sys


def timing(path):
    t = open(path).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t)
    wall = 0.0
    for part in m.group(1).split(":"):
        wall = wall * 60 + float(part)
    user = float(re.search(r"User time \(seconds\): (\S+)", t).group(1))
    sys_ = float(re.search(r"System time \(seconds\): (\S+)", t).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
    return wall, user + sys_, rss / 1024.0


def checkmesh(path):
    t = open(path).read()
    num = lambda pat: (lambda m: m.group(1) if m else "?")(re.search(pat, t))  # noqa: E731
    return {
        "cells": num(r"\n\s*cells:\s+(\d+)"),
        "hex": num(r"hexahedra:\s+(\d+)"),
        "poly": num(r"polyhedra:\s+(\d+)"),
        "nonorth": num(r"Mesh non-orthogonality Max: (\S+)"),
        "nonorth_avg": num(r"Mesh non-orthogonality Max: \S+ average: (\S+)"),
        "skew": num(r"Max skewness = (\S+)"),
        "aspect": num(r"Max aspect ratio = (\S+)"),
        "minvol": num(r"Min volume = (\S+)"),
        "result": "Mesh OK" if "Mesh OK." in t else num(r"(Failed \d+ mesh checks?)"),
    }


def main(a):
    gt, gc, st, sc, ranks, load = a[0], a[1], a[2], a[3], a[4], a[5]
    rows = [("Gale (1 rank)", timing(gt), checkmesh(gc)), ("snappyHexMesh (%s rank%s)" % (ranks, "s" if ranks != "1" else ""), timing(st), checkmesh(sc))]
    print("| mesher | wall s | CPU s | peak RSS MB | cells | hexahedra | polyhedra | max non-orth | avg non-orth | max skewness | max aspect ratio | checkMesh |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, (w, c, r), m in rows:
        print("| %s | %.1f | %.1f | %.0f | %s | %s | %s | %s | %s | %s | %s | %s |" % (name, w, c, r, m["cells"], m["hex"], m["poly"], m["nonorth"], m["nonorth_avg"], m["skew"], m["aspect"], m["result"]))
    (gw, gcpu, _), (sw, scpu, _) = rows[0][1], rows[1][1]
    print("\nGale / snappyHexMesh: wall %.2f, CPU %.2f (load average %s at the start)" % (gw / sw, gcpu / scpu, load))


if __name__ == "__main__":
    main(sys.argv[1:])
