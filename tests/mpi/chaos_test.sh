#!/usr/bin/env bash
# Chaos under mpirun (issue 13): 20 times, stop (SIGSTOP) or kill (SIGKILL) a random rank of
# `mpirun -np N tpsim plan --timeline DIR` at a random phase (before it starts, once MPI is up, or after
# a random delay up to past the end of the run), and check that
#   - the job ends by itself, within 30 s (with TPSIM_MPI_DEADLINE_S=3 it takes a few),
#   - stdout is empty or exactly the undisturbed run's, and the timeline directory is absent or holds
#     exactly the undisturbed run's files, byte for byte (nothing half-written),
#   - tpsim wrote at most one line on stderr.
# Usage: chaos_test.sh TPSIM MPIEXEC   (CHAOS_SEED=N repeats a run; CHAOS_RUNS=N changes the count)
set -euo pipefail
tpsim=$1
mpiexec=$2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# A short deadline for the disturbed runs (rank 0 waits 3 s, the others 5 s), so that 20 runs take
# about a minute; the undisturbed runs keep the default.
chaos_deadline=3
seed=${CHAOS_SEED:-$(date +%s)}
runs=${CHAOS_RUNS:-20}
RANDOM=$seed
echo "chaos: seed $seed, $runs runs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# signal_rank.sh RANK SIGNAL WHEN CMD...: run CMD; on rank RANK send it SIGNAL when WHEN says: "start"
# (the wrapper itself, before CMD runs), "mpi" (once CMD has mapped Open MPI's collective components,
# i.e. MPI_Init is done or nearly) or a delay in seconds after CMD started. Prints "MISSED" on stderr
# when CMD had already ended.
cat > "$tmp/signal_rank.sh" <<'EOF'
#!/bin/sh
rank=$1; sig=$2; when=$3; shift 3
if [ "${OMPI_COMM_WORLD_RANK:-0}" != "$rank" ]; then exec "$@"; fi
if [ "$when" = start ]; then kill -s "$sig" $$; exec "$@"; fi
"$@" &
pid=$!
if [ "$when" = mpi ]; then
  i=0
  while [ $i -lt 3000 ] && ! grep -q mca_coll /proc/$pid/maps 2>/dev/null && kill -0 $pid 2>/dev/null; do
    sleep 0.01; i=$((i + 1))
  done
else
  sleep "$when"
fi
# A finished CMD is a zombie until waited for: kill would still succeed, but it came too late.
state=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1)
if [ -z "$state" ] || [ "$state" = Z ] || ! kill -s "$sig" $pid 2>/dev/null; then echo "signal_rank.sh: MISSED" >&2; fi
wait $pid
EOF

plan_args() { echo "plan --tp $1 --max-model-len 32768"; }
# The undisturbed runs, per world size.
for np in 2 4; do
  timeout 120 "$mpiexec" -q --oversubscribe -np "$np" "$tpsim" $(plan_args "$np") --timeline "$tmp/good$np" \
    > "$tmp/good$np.out"
  (cd "$tmp/good$np" && find . -type f | sort) > "$tmp/good$np.files"
done

# Files equal to the undisturbed run's, byte for byte.
same_timeline() {
  local dir=$1 np=$2 f
  [ "$(cd "$dir" && find . -type f | sort)" = "$(cat "$tmp/good$np.files")" ] || return 1
  while read -r f; do cmp -s "$dir/$f" "$tmp/good$np/$f" || return 1; done < "$tmp/good$np.files"
}

failures=0
stats=""
for i in $(seq 1 "$runs"); do
  np=$(( RANDOM % 4 == 0 ? 4 : 2 ))
  rank=$((RANDOM % np))
  sig=$([ $((RANDOM % 2)) = 0 ] && echo STOP || echo KILL)
  case $((RANDOM % 4)) in
    0) when=start ;;
    1) when=mpi ;;
    *) when=$(printf '0.%02d' $((RANDOM % 100))); [ $((RANDOM % 3)) = 0 ] && when=1.$((RANDOM % 10)) ;;
  esac
  dir="$tmp/run$i"
  start=$(date +%s.%N)
  set +e
  TPSIM_MPI_DEADLINE_S=$chaos_deadline timeout 60 "$mpiexec" -q --oversubscribe -np "$np" sh "$tmp/signal_rank.sh" "$rank" "$sig" "$when" \
    "$tpsim" $(plan_args "$np") --timeline "$dir" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  set -e
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  what="run $i: np $np, SIG$sig rank $rank at $when: exit $rc after ${secs}s"
  problem=""
  [ "$rc" = 124 ] && problem="the job hung"
  [ -z "$problem" ] && [ "$(echo "$secs > 30" | bc)" = 1 ] && problem="took longer than 30 s"
  if [ -z "$problem" ] && [ -s "$tmp/out" ] && ! cmp -s "$tmp/out" "$tmp/good$np.out"; then problem="partial stdout"; fi
  if [ -z "$problem" ] && [ -e "$dir" ] && ! same_timeline "$dir" "$np"; then problem="partial timeline"; fi
  lines=$(grep -c '^tpsim' "$tmp/err" || true)
  [ -z "$problem" ] && [ "$lines" -gt 1 ] && problem="$lines lines from tpsim on stderr"
  missed=$(grep -c MISSED "$tmp/err" || true)
  [ -z "$problem" ] && [ "$missed" = 0 ] && [ "$rc" = 0 ] && [ "$sig" = KILL ] && problem="exit 0 although a rank was killed"
  message=$(grep '^tpsim' "$tmp/err" | head -1 || true)
  if [ -n "$problem" ]; then
    echo "FAIL: $what: $problem"; sed 's/^/    /' "$tmp/err" | head -8
    failures=$((failures + 1))
  else
    echo "ok: $what$([ "$missed" != 0 ] && echo ' (the signal came after the end)'): ${message:-no message}"
  fi
  stats="$stats $rc"
  # The chaos's victims are mpirun's to clean up; a leftover would be a failure of its own.
  rm -rf "$dir" "$tmp"/.run"$i".tpsim-* 2>/dev/null || true
done
if [ "$failures" -ne 0 ]; then
  echo "chaos: $failures of $runs runs failed (seed $seed)"
  exit 1
fi
echo "chaos: $runs runs ended in time with all-or-nothing output (seed $seed)"
