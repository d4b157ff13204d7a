#!/usr/bin/env bash
# The refactoring check (issue 12): runs the corpus with an old and a new tpsim binary and compares
# every output byte for byte (stdout, stderr, exit code, timeline files). Prints the rows that differ
# and exits 1 when any does.
#   usage: compare_binaries.sh OLD_BINARY NEW_BINARY [WORK_DIR]
# OLD_TPSIM_CONFIGS / NEW_TPSIM_CONFIGS: configs/ trees for each binary (default: each binary's own).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${3:-$(mktemp -d)}
mkdir -p "$work"
TPSIM_CONFIGS=${OLD_TPSIM_CONFIGS:-${TPSIM_CONFIGS:-}} bash "$here/run_corpus.sh" "$1" "$work/old"
TPSIM_CONFIGS=${NEW_TPSIM_CONFIGS:-${TPSIM_CONFIGS:-}} bash "$here/run_corpus.sh" "$2" "$work/new"
# Paths of the work directory appear in nothing tpsim prints except error lines about them.
if diff -r -q "$work/old" "$work/new" >"$work/diff.txt"; then
  echo "identical: $(ls "$work/old" | grep -c '\.rc$') outputs"
  exit 0
fi
echo "differences ($(wc -l <"$work/diff.txt") files):"
head -40 "$work/diff.txt"
exit 1
