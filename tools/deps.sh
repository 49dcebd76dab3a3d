#!/usr/bin/env bash
# Installs Gale's build and test dependencies from Debian 12 packages, only
# what is missing. Works as root without sudo (or with sudo as a user).
# GALE_WITH_PARAVIEW=1 also installs ParaView's python (for the XDMF test).
set -euo pipefail
pkgs=(build-essential cmake pkg-config petsc-dev libopenmpi-dev openmpi-bin
      libhdf5-openmpi-dev libmetis-dev libyaml-dev libcmocka-dev zlib1g-dev
      liblapacke-dev libopenblas-dev python3-h5py python3-numpy python3-matplotlib)
if [ "${GALE_WITH_PARAVIEW:-0}" = 1 ]; then
  pkgs+=(paraview python3-paraview xvfb xauth libgl1-mesa-dri)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
echo "gale: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
