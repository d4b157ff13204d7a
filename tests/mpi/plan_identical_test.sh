#!/usr/bin/env bash
# Runs the same deployments in-process and under `mpirun -np N` (one process per rank) and asserts the
# JSON is identical; a world size different from tp must fail fast with exit 2 on every rank.
# Usage: plan_identical_test.sh TPSIM MPIEXEC
set -euo pipefail
tpsim=$1
mpiexec=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tp in 1 2 4; do
  "$tpsim" plan --json --tp "$tp" --max-model-len 32768 > "$tmp/inproc.$tp.json"
  timeout 120 "$mpiexec" --oversubscribe -np "$tp" "$tpsim" plan --json --tp "$tp" --max-model-len 32768 \
    > "$tmp/mpi.$tp.json"
  if ! cmp -s "$tmp/inproc.$tp.json" "$tmp/mpi.$tp.json"; then
    echo "FAIL: tp $tp: mpirun output differs from in-process"; diff "$tmp/inproc.$tp.json" "$tmp/mpi.$tp.json" | head; exit 1
  fi
  echo "ok: tp $tp identical in-process and under mpirun -np $tp"
done
set +e
timeout 60 "$mpiexec" --oversubscribe -np 2 "$tpsim" plan --json --tp 4 > "$tmp/bad.out" 2> "$tmp/bad.err"
rc=$?
set -e
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
  echo "FAIL: mpirun -np 2 with --tp 4 returned $rc"; cat "$tmp/bad.err"; exit 1
fi
grep -q "does not equal --tensor-parallel-size 4" "$tmp/bad.err" || { echo "FAIL: no clear message"; cat "$tmp/bad.err"; exit 1; }
echo "ok: world-size mismatch fails with exit $rc"
