#!/usr/bin/env bash
# Runs every row of a corpus (make_corpus.sh) with one tpsim binary and writes, per row N, OUT/N.out
# (stdout), OUT/N.err (stderr) and OUT/N.rc (exit code); rows marked "T" are run a second time with
# --timeline OUT/N.tl (trace.json, rank<N>.csv, memory.png). The binary runs from the repository root
# so that relative paths in the corpus resolve.
#   usage: run_corpus.sh TPSIM_BINARY OUT_DIR [CORPUS]   (CORPUS defaults to tools/regress/corpus.txt)
# TPSIM_CONFIGS may point the binary at another configs/ tree (a saved baseline).
set -euo pipefail
bin=$(realpath "$1")
out=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(realpath "${3:-$here/corpus.txt}")
cd "$here/../.."
rm -rf "$out"
mkdir -p "$out"
n=0
while IFS=$'\t' read -r -a words; do
  n=$((n + 1))
  id=$(printf '%04d' "$n")
  timeline=0
  if [ "${words[0]}" = "T" ]; then timeline=1; words=("${words[@]:1}"); fi
  rc=0
  "$bin" "${words[@]}" >"$out/$id.out" 2>"$out/$id.err" || rc=$?
  echo "$rc" >"$out/$id.rc"
  if [ "$timeline" = 1 ]; then
    # The timeline flag goes before a pasted `--` command, as users write it.
    args=()
    placed=0
    for w in "${words[@]}"; do
      if [ "$w" = "--" ] && [ $placed = 0 ]; then args+=(--timeline "$out/$id.tl"); placed=1; fi
      args+=("$w")
    done
    [ $placed = 1 ] || args+=(--timeline "$out/$id.tl")
    rc=0
    "$bin" "${args[@]}" >"$out/$id.tl.out" 2>"$out/$id.tl.err" || rc=$?
    echo "$rc" >"$out/$id.tl.rc"
    # The picture depends on gnuplot, not on tpsim's numbers: keep only whether it was drawn.
    find "$out/$id.tl" -name memory.png -exec sh -c 'for f; do rm "$f"; echo drawn > "$f.drawn"; done' _ {} + 2>/dev/null || true
  fi
done <"$corpus"
# The output directory's own path appears in what tpsim writes about it (the gnuplot script, error
# lines); it is replaced by OUT so that two runs into different directories compare equal.
{ grep -rlF "$out" "$out" 2>/dev/null || true; } | while read -r f; do sed -i "s|$out|OUT|g" "$f"; done
echo "$n rows -> $out"
