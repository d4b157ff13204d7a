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
# scale and compare under mpirun -np 4 run each size on a sub-communicator of the first tp processes.
"$tpsim" scale --json --max-model-len 32768 > "$tmp/scale.inproc.json"
timeout 180 "$mpiexec" --oversubscribe -np 4 "$tpsim" scale --json --max-model-len 32768 > "$tmp/scale.mpi.json"
cmp -s "$tmp/scale.inproc.json" "$tmp/scale.mpi.json" || { echo "FAIL: scale differs under mpirun"; exit 1; }
echo "ok: scale identical in-process and under mpirun -np 4 (sub-communicators)"
"$tpsim" compare --json --max-model-len 16384 > "$tmp/cmp.inproc.json"
timeout 180 "$mpiexec" --oversubscribe -np 4 "$tpsim" compare --json --max-model-len 16384 > "$tmp/cmp.mpi.json"
cmp -s "$tmp/cmp.inproc.json" "$tmp/cmp.mpi.json" || { echo "FAIL: compare differs under mpirun"; exit 1; }
echo "ok: compare identical in-process and under mpirun -np 4"
# Two "hosts" on this machine (TPSIM_HOST per process, MPMD launch): the ranks talk over the network,
# NCCL's transport includes NET and vLLM's custom all-reduce is off ("spans across nodes").
timeout 120 "$mpiexec" --oversubscribe -np 1 -x TPSIM_HOST=nodeA "$tpsim" plan --json --tp 2 --gpu h100-sxm \
  --max-model-len 8192 : -np 1 -x TPSIM_HOST=nodeB "$tpsim" plan --json --tp 2 --gpu h100-sxm \
  --max-model-len 8192 > "$tmp/2node.json"
grep -qE '"transport": "([A-Z]+\+)?NET"' "$tmp/2node.json" || { echo "FAIL: no NET transport across hosts"; cat "$tmp/2node.json"; exit 1; }
grep -q '"custom_allreduce": false' "$tmp/2node.json" || { echo "FAIL: custom all-reduce on across hosts"; exit 1; }
timeout 120 "$mpiexec" --oversubscribe -np 2 "$tpsim" plan --json --tp 2 --gpu h100-sxm --max-model-len 8192 > "$tmp/1node.json"
grep -q '"custom_allreduce": true' "$tmp/1node.json" || { echo "FAIL: custom all-reduce off on one NVSwitch node"; exit 1; }
echo "ok: two hosts -> NET transport, custom all-reduce off; one host -> on"
