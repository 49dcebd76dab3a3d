#!/usr/bin/env bash
# Regenerate cases/pitzDaily_laminar/constant/polyMesh from OpenFOAM's
# pitzDaily tutorial (incompressible/simpleFoam/pitzDaily/system/blockMeshDict,
# OpenFOAM v1912 as packaged by Debian) by running blockMesh on it.
# Output: ascii points, faces, owner, neighbour, boundary (uncompressed; about
# 2.5 MB). Usage: bench/make_pitzdaily_mesh.sh [OUTDIR]
set -euo pipefail
# shellcheck source=lib/foam_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/foam_common.sh"

out=${1:-$REPO_DIR/cases/pitzDaily_laminar/constant/polyMesh}
src=$FOAM_TUTORIALS_DIR/incompressible/simpleFoam/pitzDaily/system
[[ -d $src ]] || die "tutorial not found at $src (apt-get install -y openfoam-examples)"
foam_env

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/system" "$tmp/constant"
for f in blockMeshDict controlDict; do
  if [[ -r $src/$f.gz ]]; then zcat "$src/$f.gz" >"$tmp/system/$f"; else cp "$src/$f" "$tmp/system/$f"; fi
done
(cd "$tmp" && blockMesh >log.blockMesh 2>&1) || { cat "$tmp/log.blockMesh" >&2; die "blockMesh failed"; }
grep -q 'nCells: 12225' "$tmp/log.blockMesh" || die "unexpected pitzDaily mesh (expected 12225 cells)"

mkdir -p "$out"
for f in points faces owner neighbour boundary; do
  [[ -s $tmp/constant/polyMesh/$f ]] || die "blockMesh wrote no $f"
  cp "$tmp/constant/polyMesh/$f" "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"
done
note "wrote $out ($(du -sh "$out" | cut -f1)): $(grep -A6 "Mesh Information" "$tmp/log.blockMesh" | grep -E 'nPoints|nCells|nFaces' | tr -s ' ' | tr '\n' ' ')"
