#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test (unit, MPI at 1/2/4
# ranks, GPU tests that skip without a device); then the same under AddressSanitizer +
# UndefinedBehaviorSanitizer unless TPSIM_SKIP_SANITIZERS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
if [ "${TPSIM_SKIP_SANITIZERS:-0}" != "1" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTPSIM_SANITIZE=ON \
    -DTPSIM_BUILD_BENCHMARKS=OFF -DTPSIM_CUDA=OFF >/dev/null
  cmake --build build-asan -j"$jobs"
  # OpenMPI's own allocations are reported as leaks by LeakSanitizer; leaks of tpsim are still caught
  # by the in-process tests.
  (cd build-asan && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j"$jobs")
fi
