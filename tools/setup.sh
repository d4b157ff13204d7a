#!/usr/bin/env bash
# Installs tpsim's build and test dependencies from Debian's packages (DESIGN §8). Nothing is
# downloaded at build time. Safe to run twice; uses sudo when not root.
set -euo pipefail
pkgs="cmake g++ make libboost-program-options-dev libeigen3-dev nlohmann-json3-dev libgtest-dev
      libbenchmark-dev libopenmpi-dev openmpi-bin gnuplot-nox clang libclang-rt-14-dev time"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
