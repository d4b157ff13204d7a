#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test (unit, MPI at 1/2/4
# ranks, GPU tests that skip without a device); then the same under AddressSanitizer +
# UndefinedBehaviorSanitizer unless TPSIM_SKIP_SANITIZERS=1; then, when clang++ is installed, every
# libFuzzer target for TPSIM_FUZZ_SECONDS (20) seconds unless TPSIM_SKIP_FUZZ=1.
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
if [ "${TPSIM_SKIP_FUZZ:-0}" != "1" ] && command -v clang++ >/dev/null 2>&1; then
  # Own build tree: the whole tree compiled by clang with libFuzzer coverage + ASan/UBSan (tests/fuzz).
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTPSIM_FUZZ=ON -DTPSIM_CUDA=OFF \
    -DTPSIM_BUILD_TESTS=OFF -DTPSIM_BUILD_BENCHMARKS=OFF -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-fuzz -j"$jobs" --target tpsim_fuzzers
  bash tests/fuzz/run_fuzzers.sh build-fuzz "${TPSIM_FUZZ_SECONDS:-20}"
fi
