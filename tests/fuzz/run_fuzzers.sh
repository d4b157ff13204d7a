#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded time and fails if any of them crashes
# (sanitizer report, broken contract check, timeout of one input, out of memory).
#
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]
#   BUILD_DIR  a tree configured with -DTPSIM_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ and built with
#              --target tpsim_fuzzers (the binaries are BUILD_DIR/tests/fuzz/tpsim_fuzz_<target>)
#   SECONDS    -max_total_time of each target
#   TARGET     model_config, safetensors_header, nvidia_smi_topo, ini_config, vllm_serve, sweep_grid (default: all
#              built)
#
# Each target runs on a scratch copy of tests/fuzz/corpus/<target>/ (plus tests/data/bad_inputs/ when
# that folder exists: config_*.json seed model_config, st_header_*.json seed safetensors_header), so
# the checked-in corpus never changes. A crashing input is kept in BUILD_DIR/fuzz-artifacts/<target>/;
# reproduce with `BUILD_DIR/tests/fuzz/tpsim_fuzz_<target> FILE`.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$build"/tests/fuzz/tpsim_fuzz_*; do
    [ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^tpsim_fuzz_//')")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "run_fuzzers: no fuzz targets in $build/tests/fuzz (build with --target tpsim_fuzzers)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=()
for name in "${targets[@]}"; do
  bin="$build/tests/fuzz/tpsim_fuzz_$name"
  if [ ! -x "$bin" ]; then
    echo "run_fuzzers: $bin not built" >&2
    failed+=("$name")
    continue
  fi
  dir="$work/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -R "$here/corpus/$name/." "$dir/corpus/"
  case "$name" in
    model_config) pattern="config_*.json" ;;
    safetensors_header) pattern="st_header_*.json" ;;
    *) pattern="" ;;
  esac
  if [ -n "$pattern" ] && [ -d "$root/tests/data/bad_inputs" ]; then
    find "$root/tests/data/bad_inputs" -maxdepth 1 -name "$pattern" -exec cp {} "$dir/corpus/" \;
  fi
  case "$name" in
    ini_config | vllm_serve) dict="$here/engine_flags.dict" ;;
    *) dict="$here/$name.dict" ;;
  esac
  dict_flag=()
  [ -f "$dict" ] && dict_flag=("-dict=$dict")

  echo "run_fuzzers: $name for ${seconds}s on $(find "$dir/corpus" -type f | wc -l) seed(s)"
  set +e
  # -timeout: one input taking longer is a hang; -rss_limit_mb: more memory is a blow-up. The outer
  # timeout only guards against libFuzzer itself not stopping.
  (cd "$dir" && ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
     UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
     timeout -k 10 $((seconds + 120)) "$bin" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -print_final_stats=1 "${dict_flag[@]}" -artifact_prefix="$dir/artifacts/" \
       "$dir/corpus" > "$dir/log" 2>&1)
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    keep="$build/fuzz-artifacts/$name"
    mkdir -p "$keep"
    cp -R "$dir/artifacts/." "$keep/" 2>/dev/null || true
    cp "$dir/log" "$keep/log.txt"
    echo "run_fuzzers: FAIL $name (exit $rc); log and crashing input(s) in $keep:" >&2
    grep -E "ERROR|SUMMARY|contract broken|runtime error|Test unit written" "$dir/log" | head -20 >&2 || true
    tail -n 30 "$dir/log" >&2
    failed+=("$name")
  else
    grep -E "^stat::number_of_executed_units|^Done" "$dir/log" | tr '\n' ' ' | sed 's/^/  /'
    echo
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "run_fuzzers: failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzzers: ${#targets[@]} target(s) ran ${seconds}s each without a crash"
