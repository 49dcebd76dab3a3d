#!/usr/bin/python3
"""Write sphere.stl: a sphere of radius 0.5 (diameter 1) centred at the
origin, as an icosphere (an icosahedron whose triangles are split in four
N times, new points pushed onto the sphere; every vertex lies on the
sphere). Binary STL, outward (counter-clockwise) triangles, one solid.

usage: make_stl.py [N]   (default N = 5: 20480 triangles, edges about
0.02, within 1e-4 of the sphere)"""
import math
import os
import struct
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5
R = 0.5
t = (1 + math.sqrt(5)) / 2
pts = [(-1, t, 0), (1, t, 0), (-1, -t, 0), (1, -t, 0), (0, -1, t), (0, 1, t), (0, -1, -t), (0, 1, -t), (t, 0, -1), (t, 0, 1), (-t, 0, -1), (-t, 0, 1)]
pts = [tuple(c / math.sqrt(1 + t * t) for c in p) for p in pts]
tris = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2), (10, 7, 6), (7, 1, 8),
        (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7), (9, 8, 1)]
for _ in range(N):
    mid, new = {}, []
    def m(a, b):
        k = (min(a, b), max(a, b))
        if k not in mid:
            x = [(pts[a][d] + pts[b][d]) / 2 for d in range(3)]
            n = math.sqrt(sum(c * c for c in x))
            pts.append(tuple(c / n for c in x))
            mid[k] = len(pts) - 1
        return mid[k]
    for a, b, c in tris:
        ab, bc, ca = m(a, b), m(b, c), m(c, a)
        new += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
    tris = new

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sphere.stl")
with open(out + ".tmp", "wb") as f:
    f.write(b"sphere D=1 at the origin (icosphere)".ljust(80, b" "))
    f.write(struct.pack("<I", len(tris)))
    for tri in tris:
        v = [[R * c for c in pts[i]] for i in tri]
        u = [v[1][d] - v[0][d] for d in range(3)]
        w = [v[2][d] - v[0][d] for d in range(3)]
        n = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]]
        mag = math.sqrt(sum(c * c for c in n))
        f.write(struct.pack("<3f", *[c / mag for c in n]))
        for p in v:
            f.write(struct.pack("<3f", *p))
        f.write(b"\0\0")
os.replace(out + ".tmp", out)
print("wrote %s: %d triangles" % (out, len(tris)))
