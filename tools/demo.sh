#!/usr/bin/env bash
# The README's main job: build, then Qwen3-32B-AWQ on 4x RTX 4090 at 1 -> 2 -> 4 cards (32k context).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target tpsim
./build/tools/tpsim scale --model Qwen/Qwen3-32B-AWQ --gpu rtx4090 --max-model-len 32768 "$@"
