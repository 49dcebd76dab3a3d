#!/usr/bin/python3
"""Write cylinder.stl for the Schafer & Turek 2D-1 case: a cylinder of
diameter 0.1 centred at (0.2, 0.2), as a closed prism over a regular
N-gon (vertices on the circle), extruded from z = -0.05 to 0.06 so that it
spans the one-cell-thick domain (z from 0 to 0.01) with its caps outside.
Binary STL, counter-clockwise (outward) triangles, one solid.

usage: make_stl.py [N]   (default N = 256 sides)"""
import math
import os
import struct
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 256
CX, CY, R, Z0, Z1 = 0.2, 0.2, 0.05, -0.05, 0.06

ring = [(CX + R * math.cos(2 * math.pi * j / N), CY + R * math.sin(2 * math.pi * j / N)) for j in range(N)]
tris = []
for j in range(N):
    (ax, ay), (bx, by) = ring[j], ring[(j + 1) % N]
    a0, a1, b0, b1 = (ax, ay, Z0), (ax, ay, Z1), (bx, by, Z0), (bx, by, Z1)
    tris += [(a0, b0, b1), (a0, b1, a1)]            # side, normal outwards
    tris += [((CX, CY, Z0), b0, a0), ((CX, CY, Z1), a1, b1)]  # caps, normals -z and +z

def normal(a, b, c):
    u = [b[k] - a[k] for k in range(3)]
    v = [c[k] - a[k] for k in range(3)]
    n = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    m = math.sqrt(sum(x * x for x in n))
    return tuple(x / m for x in n)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cylinder.stl")
tmp = out + ".tmp"
with open(tmp, "wb") as f:
    f.write(b"cylinder D=0.1 at (0.2,0.2), Schafer-Turek 2D-1".ljust(80, b" "))
    f.write(struct.pack("<I", len(tris)))
    for t in tris:
        f.write(struct.pack("<3f", *normal(*t)))
        for p in t:
            f.write(struct.pack("<3f", *p))
        f.write(b"\0\0")
os.replace(tmp, out)
print("wrote %s: %d triangles (%d-gon)" % (out, len(tris), N))
