#!/usr/bin/env bash
# Gale's octree mesher against OpenFOAM's snappyHexMesh on the F3 race car
# (shared/geometry/f1car/f3_book_car.obj.gz) with the same background grid,
# the same refinement (surface levels, boxes, buffer layers), the same
# location in the mesh, castellation + snapping, no layers; both meshes then
# go through OpenFOAM's checkMesh, so the quality numbers come from one code.
#
# usage: bench/mesh_vs_snappy.sh [--levels MIN,MAX] [--ranks N] [--out DIR]
#   --levels  surface refinement levels of the car (default 6,7)
#   --ranks   snappyHexMesh ranks (default 1; 2 runs decomposePar first)
#   --out     scratch folder (default /tmp/gale_mesh_bench)
# Needs OpenFOAM v1912 (Debian's openfoam) and GALE (default build/gale).
# Prints one table: wall and CPU time, peak memory, cells, and checkMesh's
# non-orthogonality, skewness, aspect ratio and failed checks for each code.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
GALE=${GALE:-$repo/build/gale}
levels=6,7
ranks=1
out=/tmp/gale_mesh_bench
while (($#)); do
  case $1 in
    --levels) levels=$2; shift 2;;
    --ranks) ranks=$2; shift 2;;
    --out) out=$2; shift 2;;
    -h|--help) sed -n '2,14p' "$0"; exit 0;;
    *) echo "mesh_vs_snappy.sh: unknown option $1 (--help)" >&2; exit 1;;
  esac
done
lmin=${levels%,*}; lmax=${levels#*,}
geo=$(cd "$repo/.." && pwd)/shared/geometry/f1car/f3_book_car.obj.gz
[[ -r $geo ]] || { echo "mesh_vs_snappy.sh: $geo not found" >&2; exit 1; }
[[ -x $GALE ]] || { echo "mesh_vs_snappy.sh: no Gale binary at $GALE (set GALE)" >&2; exit 1; }
[[ -r /usr/share/openfoam/etc/bashrc ]] || { echo "mesh_vs_snappy.sh: OpenFOAM not found (apt-get install openfoam)" >&2; exit 1; }
set +eu # Debian's bashrc uses unset variables and prints harmless foamEtcFile messages
# shellcheck disable=SC1091
. /usr/share/openfoam/etc/bashrc > /dev/null 2>&1
set -eu
command -v snappyHexMesh > /dev/null || { echo "mesh_vs_snappy.sh: snappyHexMesh not on PATH after sourcing OpenFOAM's bashrc" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -rf "$out" && mkdir -p "$out"

# ---- Gale ----------------------------------------------------------------
g=$out/gale
mkdir -p "$g/foam/constant"
cat > "$g/case.yaml" <<EOF
mesh:
  octree:
    domain: {min: [-10, -5, 0], max: [30, 5, 8], cells: [40, 10, 8]}
    patches: {xmin: inlet, xmax: outlet, ymin: sides, ymax: sides, zmin: ground, zmax: sides}
    geometry:
      - {file: $geo, patch: car, levels: [$lmin, $lmax]}
    regions:
      - {box: {min: [-1.5, -1.5, 0], max: [9, 1.5, 1.6]}, level: 3}
      - {box: {min: [-0.5, -0.9, 0], max: [5, 0.9, 1.0]}, level: 4}
    cells_between_levels: 3
    feature_angle: 30
    location_in_mesh: [-5, 3, 4]
fluid: {nu: 1.5e-5}
boundary:
  inlet: {type: inlet, U: [20, 0, 0]}
  outlet: {type: outlet, p: 0}
  sides: {type: freestream, U: [20, 0, 0]}
  ground: {type: wall, U: [20, 0, 0]}
  car: {type: wall}
EOF
echo "Gale: gale mesh (castellated + snapped, levels [$lmin, $lmax]) ..." >&2
/usr/bin/time -v -o "$g/time.txt" "$GALE" mesh "$g" -write_polymesh "$g/foam/constant/polyMesh" > "$g/log.txt" 2>&1

# ---- snappyHexMesh -------------------------------------------------------
s=$out/snappy
mkdir -p "$s/system" "$s/constant/triSurface"
zcat "$geo" > "$s/constant/triSurface/car.obj"
hdr() { printf 'FoamFile { version 2.0; format ascii; class dictionary; object %s; }\n' "$1"; }
{ hdr blockMeshDict; cat <<'EOF'
convertToMeters 1;
vertices ((-10 -5 0) (30 -5 0) (30 5 0) (-10 5 0) (-10 -5 8) (30 -5 8) (30 5 8) (-10 5 8));
blocks (hex (0 1 2 3 4 5 6 7) (40 10 8) simpleGrading (1 1 1));
boundary
(
    inlet  { type patch; faces ((0 4 7 3)); }
    outlet { type patch; faces ((1 2 6 5)); }
    sides  { type patch; faces ((0 1 5 4) (3 7 6 2) (4 5 6 7)); }
    ground { type wall;  faces ((0 3 2 1)); }
);
EOF
} > "$s/system/blockMeshDict"
{ hdr controlDict; cat <<'EOF'
application snappyHexMesh; startFrom startTime; startTime 0; stopAt endTime; endTime 1; deltaT 1;
writeControl timeStep; writeInterval 1; writeFormat binary; writePrecision 10; runTimeModifiable false;
EOF
} > "$s/system/controlDict"
{ hdr fvSchemes; echo "ddtSchemes {} gradSchemes {} divSchemes {} laplacianSchemes {} interpolationSchemes {} snGradSchemes {}"; } > "$s/system/fvSchemes"
{ hdr fvSolution; } > "$s/system/fvSolution"
{ hdr meshQualityDict; echo '#includeEtc "caseDicts/meshQualityDict"'; } > "$s/system/meshQualityDict"
{ hdr decomposeParDict; echo "numberOfSubdomains $ranks; method scotch;"; } > "$s/system/decomposeParDict"
{ hdr snappyHexMeshDict; cat <<EOF
castellatedMesh true;
snap            true;
addLayers       false;
geometry
{
    car.obj { type triSurfaceMesh; name car; }
    box3 { type searchableBox; min (-1.5 -1.5 0); max (9 1.5 1.6); }
    box4 { type searchableBox; min (-0.5 -0.9 0); max (5 0.9 1.0); }
}
castellatedMeshControls
{
    maxLocalCells 10000000; maxGlobalCells 100000000; minRefinementCells 0; maxLoadUnbalance 0.1;
    nCellsBetweenLevels 3;
    features ();
    refinementSurfaces { car { level ($lmin $lmax); patchInfo { type wall; } } }
    resolveFeatureAngle 30;
    refinementRegions { box3 { mode inside; levels ((1e15 3)); } box4 { mode inside; levels ((1e15 4)); } }
    locationInMesh (-5 3 4);
    allowFreeStandingZoneFaces true;
}
snapControls
{
    nSmoothPatch 3; tolerance 2.0; nSolveIter 30; nRelaxIter 5;
    nFeatureSnapIter 10; implicitFeatureSnap true; explicitFeatureSnap false; multiRegionFeatureSnap false;
}
addLayersControls { relativeSizes true; layers {} expansionRatio 1; finalLayerThickness 0.3; minThickness 0.1; }
meshQualityControls { #include "meshQualityDict" nSmoothScale 4; errorReduction 0.75; }
mergeTolerance 1e-6;
EOF
} > "$s/system/snappyHexMeshDict"
echo "OpenFOAM: blockMesh + snappyHexMesh ($ranks rank(s), castellated + snapped) ..." >&2
(cd "$s" && blockMesh > log.blockMesh 2>&1)
if ((ranks > 1)); then
  (cd "$s" && decomposePar > log.decomposePar 2>&1)
  (cd "$s" && /usr/bin/time -v -o time.txt mpirun --oversubscribe -np "$ranks" snappyHexMesh -overwrite -parallel > log.snappy 2>&1)
  (cd "$s" && reconstructParMesh -constant > log.reconstruct 2>&1)
else
  (cd "$s" && /usr/bin/time -v -o time.txt snappyHexMesh -overwrite > log.snappy 2>&1)
fi

# ---- checkMesh on both ---------------------------------------------------
mkdir -p "$g/foam/system"
cp "$s/system/controlDict" "$s/system/fvSchemes" "$s/system/fvSolution" "$g/foam/system/"
(cd "$g/foam" && checkMesh > log.checkMesh 2>&1) || true
(cd "$s" && checkMesh > log.checkMesh 2>&1) || true

"$here/lib/mesh_table.py" "$g/time.txt" "$g/foam/log.checkMesh" "$s/time.txt" "$s/log.checkMesh" "$ranks" "$(cut -d' ' -f1 /proc/loadavg)"
echo "logs: $g/log.txt, $s/log.snappy, $g/foam/log.checkMesh, $s/log.checkMesh" >&2
