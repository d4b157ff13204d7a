#!/usr/bin/env bash
# A sweep split over mpirun processes (by index, gathered at rank 0) prints exactly the rows of the
# in-process sweep, in grid order, for 1, 2 and 3 processes.
# Usage: sweep_identical_test.sh TPSIM MPIEXEC
set -euo pipefail
tpsim=$1
mpiexec=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grid="tp=1,2,4,3 max_model_len=8192,32768 enforce_eager=0,1 quantization=awq,awq_marlin"
"$tpsim" sweep --format csv --grid "$grid" > "$tmp/inproc.csv"
for np in 1 2 3; do
  timeout 120 "$mpiexec" --oversubscribe -np "$np" "$tpsim" sweep --format csv --grid "$grid" > "$tmp/mpi.$np.csv"
  if ! cmp -s "$tmp/inproc.csv" "$tmp/mpi.$np.csv"; then
    echo "FAIL: mpirun -np $np sweep differs from in-process"; diff "$tmp/inproc.csv" "$tmp/mpi.$np.csv" | head; exit 1
  fi
  echo "ok: sweep of $(($(wc -l < "$tmp/inproc.csv") - 1)) rows identical under mpirun -np $np"
done
