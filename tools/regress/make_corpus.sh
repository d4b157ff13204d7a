#!/usr/bin/env bash
# Writes the regression corpus to stdout: one tpsim command line per row, its words separated by
# tabs. Committed output: tools/regress/corpus.txt. Rows cover releases x TP sizes x cards, models x cards, quantisations, eager, fp8 KV and every engine flag, plus scale, compare,
# tune, sweep, topo and shard commands. A row whose first word is "T" is also run with --timeline.
set -euo pipefail
versions="0.6.5 0.7.1 0.8.0 0.8.4 0.8.5 0.9.0 0.9.1 0.10.0 0.10.1 0.10.2 0.11.0 0.12.0 0.14.0 0.17.0 0.18.0 0.19.0 0.20.0 0.21.0"
i=0
row() {
  i=$((i + 1))
  local line; line=$(printf '%s\t' "$@"); line=${line%$'\t'}
  if [ $((i % 7)) -eq 0 ]; then printf 'T\t%s\n' "$line"; else printf '%s\n' "$line"; fi
}
# Releases x TP x cards, the embedded default model.
for v in $versions; do
  for gpu in rtx4090 h100-sxm; do
    for tp in 1 2 4; do
      row plan --json --vllm-version $v --gpu $gpu --tp $tp --max-model-len 8192
    done
  done
  row plan --json --vllm-version $v --gpu rtx2080ti-22g --tp 4 --max-model-len 32768
  row plan --json --vllm-version $v --gpu a100-80g --tp 8 --model Qwen/Qwen2.5-72B-Instruct --max-model-len 16384
done
# Models x cards.
models="Qwen/Qwen3-0.6B Qwen/Qwen3-8B Qwen/Qwen3-14B Qwen/Qwen3-14B-AWQ Qwen/Qwen3-32B Qwen/Qwen2-7B-Instruct
Qwen/Qwen2.5-7B-Instruct Qwen/Qwen2.5-32B-Instruct Qwen/Qwen2.5-32B-Instruct-AWQ Qwen/Qwen2.5-72B-Instruct-AWQ
meta-llama/Llama-3.1-8B-Instruct meta-llama/Llama-3.1-70B-Instruct hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4
hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4 mistralai/Mistral-7B-Instruct-v0.3 deepseek-ai/DeepSeek-R1-0528-Qwen3-8B"
for m in $models; do
  for gpu in rtx4090 l40s a100-80g; do
    for tp in 1 2 4 8; do
      row plan --json --model $m --gpu $gpu --tp $tp --max-model-len 4096 --vllm-version 0.19.0
    done
  done
  row plan --json --model $m --gpu rtx3090 --tp 2 --max-model-len 8192 --vllm-version 0.10.1
  row plan --json --model $m --gpu h100-sxm --tp 2 --max-model-len 8192 --vllm-version 0.20.0
done
# Flags, on the default model at tp 2 and 4, across a few releases.
for v in 0.8.5 0.10.1 0.19.0 0.20.0; do
  for tp in 2 4; do
    base="plan --json --vllm-version $v --tp $tp --max-model-len 16384"
    row $base --enforce-eager
    row $base --kv-cache-dtype fp8
    row $base --kv-cache-dtype fp8_e5m2 --enforce-eager
    row $base --quantization awq
    row $base --gpu-memory-utilization 0.8
    row $base --gpu-memory-utilization 0.97 --max-num-seqs 64
    row $base --max-num-batched-tokens 8192
    row $base --max-num-batched-tokens 4096 --max-num-seqs 512
    row $base --block-size 32
    row $base --enable-chunked-prefill false --max-num-batched-tokens 16384
    row $base --disable-custom-all-reduce
    row $base --kv-cache-memory 8GiB
    row $base --max-cudagraph-capture-size 64
    row $base --estimate-cudagraphs
    row $base --usage-context llm
    row $base --dtype float16
    row $base --gpu-memory-total-gib 22.5
    row $base --gpu h100-sxm --topology nvswitch-8gpu
    row $base --gpu rtx3090 --topology nvlink-pairs-4gpu
  done
done
row plan --json --gpu h100-sxm --tp 4 --model Qwen/Qwen3-32B --topology 2node-pcie-2x2 --max-model-len 8192
row plan --json --gpu rtx4090 --tp 4 --topology configs/../tests/data/topo/rtx4090_4gpu_pcie.txt --max-model-len 8192
row plan --json --model meta-llama/Llama-3.1-8B-Instruct --gpu h100-sxm --tp 1 --max-model-len 131072
row plan --json --max-model-len 40960 --tp 1
row plan --json -- vllm serve Qwen/Qwen3-32B-AWQ -tp 2 --max-model-len 32768 --enforce-eager
row plan --json -- vllm serve Qwen/Qwen3-8B --tensor-parallel-size 4 --port 8000 --enable-prefix-caching
# Text output.
for tp in 1 2 4; do
  row plan --tp $tp --max-model-len 32768
  row plan --tp $tp --max-model-len 32768 --vllm-version 0.8.5 --gpu rtx2080ti-22g
  row plan --tp $tp --max-model-len 8192 --gpu h100-sxm --model Qwen/Qwen2.5-7B-Instruct
done
# Other commands.
row scale --max-model-len 32768
row scale --json --max-model-len 32768 --gpu h100-sxm --model Qwen/Qwen3-32B
row scale --tp-list 1,2,4,8 --max-model-len 8192 --model Qwen/Qwen3-8B --gpu l40s
row compare --tp-list 2,4 --target-context 32768 --target-concurrency 4
row compare --json --tp-list 1,2 --target-context 8192 --target-concurrency 16 --model Qwen/Qwen3-8B
row tune --tp 4 --target-context 32768 --target-concurrency 4
row tune --json --target-context 16384
row tune --json --tp 2 --target-context 32768 --target-concurrency 4
row sweep --grid "tp=1,2,4 max_model_len=8192,32768 enforce_eager=0,1" --format csv
row sweep --grid "vllm_version=0.8.5,0.10.1,0.19.0 gpu_memory_utilization=0.85,0.95" --format jsonl
row topo --gpu h100-sxm --num-gpus 8 --tensor-parallel-size 4
row topo --json --gpu rtx4090 --num-gpus 4 --tensor-parallel-size 4
row shard --json --model Qwen/Qwen3-14B-AWQ --tensor-parallel-size 4
