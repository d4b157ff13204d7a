"""Does each `vllm serve` option change start-up GPU memory, and does tpsim model it?

models       : changes start-up GPU memory and tpsim's engine flags (tools/tpsim/engine_flags.cc at the
               time of writing) already take it.
not_modelled : changes start-up GPU memory (weights, KV pool, profile-run peak, graph pool, buffers, or
               whether vLLM starts) and tpsim does not model it yet; the note says what it changes.
none         : no start-up GPU memory effect; the note justifies the non-obvious ones.

Keyed by the option's main name. A name missing here is reported by write_cli_configs.py and fails it.
"Not read" in a note means the effect is stated from vLLM's design, not checked line by line at each tag.
"""

M, N, X = "models", "not_modelled", "none"

FRONTEND_NONE = "OpenAI server frontend option (API server process, no CUDA context): no GPU memory."

MEMORY = {
    # ---- positional / serve subcommand
    "model_tag": (M, "the model to serve (positional); tpsim --model"),
    "--config": (X, "YAML file whose keys are expanded into flags before parsing (see parser_rules)"),
    "--headless": (X, "runs engines without the API server (multi-node DP); no GPU effect"),
    "--api-server-count": (X, "number of API server processes (CPU only)"),
    "--grpc": (X, FRONTEND_NONE),
    # ---- model
    "--model": (M, "tpsim --model"),
    "--task": (N, "pooling tasks (embed/classify/score/reward) change the profile run and may need no KV "
                  "cache; tpsim models generate only"),
    "--runner": (N, "pooling runner: different profile run and KV needs; tpsim models generate only"),
    "--convert": (N, "converts a generative model to pooling (see --runner)"),
    "--tokenizer": (X, "tokenizer source (CPU)"),
    "--hf-config-path": (X, "where config.json is read from; the config, not the flag, sets memory"),
    "--skip-tokenizer-init": (X, "CPU"),
    "--revision": (X, "which revision of the repository is downloaded"),
    "--code-revision": (X, "remote-code revision"),
    "--tokenizer-revision": (X, "CPU"),
    "--tokenizer-mode": (X, "CPU"),
    "--trust-remote-code": (X, "allows the model's own code; no allocation of its own"),
    "--allowed-local-media-path": (X, "multimodal input paths (CPU)"),
    "--allowed-media-domains": (X, "multimodal input URLs (CPU)"),
    "--download-dir": (X, "disk location of the weights"),
    "--load-format": (N, "`bitsandbytes` (in-flight 4-bit) and `gguf` change the weight bytes; `dummy`, "
                         "`safetensors`, `pt`, `runai_streamer`, `fastsafetensors` load the same tensors"),
    "--config-format": (X, "how config.json is read (hf/mistral)"),
    "--dtype": (M, "tpsim --dtype (weights and activations)"),
    "--kv-cache-dtype": (M, "tpsim --kv-cache-dtype (bytes per KV element)"),
    "--quantization-param-path": (X, "V0 JSON of FP8 KV scaling factors; the scales are scalars per layer"),
    "--max-model-len": (M, "tpsim --max-model-len (as an integer; human-readable forms from 0.8.5)"),
    "--guided-decoding-backend": (X, "structured-output grammar engine (CPU bitmasks)"),
    "--guided-decoding-disable-fallback": (X, "structured output (CPU)"),
    "--guided-decoding-disable-any-whitespace": (X, "structured output (CPU)"),
    "--guided-decoding-disable-additional-properties": (X, "structured output (CPU)"),
    "--logits-processor-pattern": (X, "which logits processors requests may name"),
    "--logits-processors": (X, "custom logits processors (request-time work)"),
    "--model-impl": (N, "`transformers` backend runs different model code (activation peak, fusions); "
                        "weights are the same; not read"),
    "--seed": (X, "random seed"),
    "--rope-scaling": (N, "changes the derived max_model_len (YaRN etc.) and the rotary cos/sin cache"),
    "--rope-theta": (N, "changes the rotary cache values only; size follows max_position_embeddings; "
                        "kept not_modelled with --rope-scaling"),
    "--hf-overrides": (N, "overrides config.json fields (layers, rope_scaling, max_position_embeddings, "
                          "...) before everything else is sized"),
    "--enforce-eager": (M, "tpsim --enforce-eager"),
    "--max-seq-len-to-capture": (N, "longest sequence run in a CUDA graph (graph pool, captured after "
                                    "the KV cache in V0/V1 of that time); removed after 0.10"),
    "--max-logprobs": (N, "logprob rows the sampler may return; whether the profile run allocates for "
                          "them depends on the release's dummy sampler run (not read)"),
    "--logprobs-mode": (X, "which logits are returned as logprobs (no start-up allocation)"),
    "--disable-sliding-window": (N, "sliding-window models then get full-length KV per layer"),
    "--disable-cascade-attn": (X, "attention kernel choice at run time"),
    "--served-model-name": (X, "API name only"),
    "--hf-token": (X, "download credential"),
    "--override-neuron-config": (X, "Neuron devices only"),
    "--override-pooler-config": (X, "pooling output options (pooling models only, request time)"),
    "--pooler-config": (X, "pooling output options (pooling models only, request time)"),
    "--generation-config": (X, "where default sampling parameters come from (generation_config.json or "
                               "vLLM's); sampling defaults, no allocation"),
    "--override-generation-config": (X, "default sampling parameters"),
    "--enable-sleep-mode": (N, "weights and KV are allocated through vLLM's CuMemAllocator pool instead "
                               "of PyTorch's caching allocator (segment behaviour differs)"),
    "--enable-cumem-allocator": (N, "allocations through cuMem (see --enable-sleep-mode)"),
    "--override-attention-dtype": (N, "attention dtype differs from the model dtype"),
    "--enable-prompt-embeds": (N, "the runner keeps an inputs_embeds buffer of max_num_batched_tokens x "
                                  "hidden_size (not read at each tag)"),
    "--enable-return-routed-experts": (N, "keeps a per-token routed-experts buffer (not read)"),
    "--io-processor-plugin": (X, "request pre/post-processing plugin"),
    "--renderer-num-workers": (X, "CPU renderer workers"),
    "--allow-deprecated-quantization": (X, "permission switch"),
    "--quantization": (M, "tpsim --quantization (awq, awq_marlin, gptq, gptq_marlin, fp8); other methods "
                          "(compressed-tensors, bitsandbytes, gguf, mxfp4, modelopt...) are issue 18"),
    "--quantization-config": (N, "online quantization settings (weight bytes)"),
    "--tokenizer-pool-size": (X, "CPU tokenizer pool"),
    "--tokenizer-pool-type": (X, "CPU tokenizer pool"),
    "--tokenizer-pool-extra-config": (X, "CPU tokenizer pool"),
    "--use-fp64-gumbel": (N, "sampler noise in float64 (larger sampler temporaries in the profile run; "
                             "not read)"),
    "--fingerprint-mode": (X, "engine fingerprint for caches"),
    "--fingerprint-value": (X, "engine fingerprint for caches"),
    # ---- load
    "--model-loader-extra-config": (X, "loader options (tensorizer, sharded state ...)"),
    "--ignore-patterns": (X, "files skipped when downloading"),
    "--use-tqdm-on-load": (X, "progress bar"),
    "--pt-load-map-location": (X, "device .pt checkpoints are first mapped to; the loaded model ends on the "
                                  "card either way"),
    "--safetensors-load-strategy": (X, "how safetensors files are read (mmap, eager...): host side"),
    "--safetensors-prefetch-block-size": (X, "host-side prefetch"),
    "--safetensors-prefetch-num-threads": (X, "host-side prefetch"),
    "--qlora-adapter-name-or-path": (N, "QLoRA adapter loaded with bitsandbytes weights"),
    # ---- parallel
    "--distributed-executor-backend": (X, "mp/ray/uni/external_launcher: process placement; whether Ray "
                                          "adds memory on the cards was not checked"),
    "--worker-use-ray": (X, "deprecated spelling of the Ray backend"),
    "--pipeline-parallel-size": (N, "layers split across stages: weights, KV and activations per rank; "
                                    "see research/vllm_pp_dp_memory.md"),
    "--tensor-parallel-size": (M, "tpsim --tensor-parallel-size / -tp"),
    "--data-parallel-size": (N, "one engine per DP rank (each a full replica, or EP shards with "
                                "--enable-expert-parallel); DP coordination adds NCCL groups"),
    "--data-parallel-size-local": (X, "how many DP ranks run on this node (placement)"),
    "--data-parallel-rank": (X, "placement"),
    "--data-parallel-start-rank": (X, "placement"),
    "--data-parallel-address": (X, "network address"),
    "--data-parallel-rpc-port": (X, "network port"),
    "--data-parallel-backend": (X, "mp/ray launch of DP ranks"),
    "--data-parallel-hybrid-lb": (X, "load-balancing mode"),
    "--data-parallel-external-lb": (X, "load-balancing mode"),
    "--data-parallel-multi-port-external-lb": (X, "load-balancing mode"),
    "--data-parallel-supervisor-port": (X, "network port"),
    "--dp-supervisor-probe-interval-s": (X, "health probe"),
    "--dp-supervisor-probe-timeout-s": (X, "health probe"),
    "--dp-supervisor-probe-failure-threshold": (X, "health probe"),
    "--enable-expert-parallel": (N, "MoE experts sharded by expert instead of by tensor slice; all2all "
                                    "buffers; see research/vllm_moe_memory.md"),
    "--enable-ep-weight-filter": (X, "skips reading non-local expert weights from disk (speed)"),
    "--all2all-backend": (N, "DeepEP/pplx/NIXL all2all buffers under EP"),
    "--enable-dbo": (N, "dual-batch overlap: micro-batch buffers (not read)"),
    "--ubatch-size": (N, "micro-batching (see --enable-dbo)"),
    "--dbo-decode-token-threshold": (X, "scheduling threshold"),
    "--dbo-prefill-token-threshold": (X, "scheduling threshold"),
    "--enable-elastic-ep": (N, "elastic EP keeps extra expert/communication state (not read)"),
    "--enable-eplb": (N, "expert load balancing; with redundant experts more expert weights per rank"),
    "--num-redundant-experts": (N, "extra expert weights per rank"),
    "--eplb-config": (N, "EPLB settings incl. num_redundant_experts"),
    "--eplb-window-size": (X, "EPLB statistics window"),
    "--eplb-step-interval": (X, "EPLB rebalancing interval"),
    "--eplb-log-balancedness": (X, "logging"),
    "--expert-placement-strategy": (X, "which experts go to which rank (same count)"),
    "--max-parallel-loading-workers": (X, "loading concurrency (host)"),
    "--ray-workers-use-nsight": (X, "profiling"),
    "--disable-custom-all-reduce": (M, "tpsim --disable-custom-all-reduce"),
    "--disable-nccl-for-dp-synchronization": (N, "DP synchronisation over gloo instead of NCCL (one NCCL "
                                                 "communicator fewer); DP not modelled"),
    "--worker-cls": (X, "worker class"),
    "--worker-extension-cls": (X, "worker mixin"),
    "--master-addr": (X, "multi-node rendezvous"),
    "--master-port": (X, "multi-node rendezvous"),
    "--nnodes": (X, "multi-node launch"),
    "--node-rank": (X, "multi-node launch"),
    "--distributed-timeout-seconds": (X, "timeout"),
    "--cpu-distributed-timeout-seconds": (X, "timeout"),
    "--decode-context-parallel-size": (N, "KV cache split across DCP ranks inside the TP group"),
    "--prefill-context-parallel-size": (N, "prefill context parallel: KV and activations split"),
    "--dcp-comm-backend": (X, "DCP collective choice"),
    "--dcp-kv-cache-interleave-size": (X, "KV interleaving across DCP ranks (layout, same size)"),
    "--cp-kv-cache-interleave-size": (X, "KV interleaving across CP ranks (layout, same size)"),
    "--numa-bind": (X, "CPU/NUMA placement"),
    "--numa-bind-nodes": (X, "CPU/NUMA placement"),
    "--numa-bind-cpus": (X, "CPU/NUMA placement"),
    # ---- cache
    "--block-size": (M, "tpsim --block-size"),
    "--gpu-memory-utilization": (M, "tpsim --gpu-memory-utilization"),
    "--kv-cache-memory-bytes": (M, "tpsim spells it --kv-cache-memory (issue 18 adds vLLM's name)"),
    "--swap-space": (X, "CPU swap blocks only: V0 allocates swap_space GiB of pinned host memory "
                        "(num_cpu_blocks = swap_space_bytes // block bytes); the V1 KV manager never "
                        "swaps; parameter removed by PR #36216 (2026-03-07)"),
    "--num-gpu-blocks-override": (N, "fixes the number of KV blocks instead of the profiled budget"),
    "--enable-prefix-caching": (X, "block hashing on the CPU (v1/engine/core.py); the KV budget does not "
                                   "read it. Exception: hybrid (Mamba) models, where it sizes the block "
                                   "table per request (gpu_model_runner.py) and enables mamba cache "
                                   "modes"),
    "--prefix-caching-hash-algo": (X, "hash function for prefix caching (CPU)"),
    "--cpu-offload-gb": (N, "this many GiB of weights per card stay in pinned host memory"),
    "--cpu-offload-params": (N, "which parameters are offloaded"),
    "--calculate-kv-scales": (N, "FP8 KV scales computed in the first forward (profile-run path)"),
    "--kv-cache-dtype-skip-layers": (N, "named layers keep an unquantised KV cache"),
    "--kv-sharing-fast-prefill": (N, "cross-layer KV sharing models skip prefill of shared layers (not "
                                     "read)"),
    "--mamba-cache-dtype": (N, "Mamba state dtype (hybrid models' KV pages)"),
    "--mamba-ssm-cache-dtype": (N, "SSM state dtype (hybrid models' KV pages)"),
    "--mamba-block-size": (N, "hybrid models' page size"),
    "--mamba-cache-mode": (N, "how many Mamba states per request are kept (none/align/all)"),
    "--enable-mamba-cache-stochastic-rounding": (X, "numerics"),
    "--mamba-cache-philox-rounds": (X, "numerics"),
    "--mamba-backend": (N, "Mamba kernel backend (workspace; not read)"),
    "--kv-offloading-size": (N, "CPU KV offloading: pinned host buffer of this many GiB plus GPU staging "
                                "(not read)"),
    "--kv-offloading-backend": (N, "see --kv-offloading-size"),
    "--offload-backend": (N, "weight offloading backend (UVA/prefetch)"),
    "--offload-group-size": (N, "weight offloading groups"),
    "--offload-num-in-group": (N, "weight offloading groups"),
    "--offload-prefetch-step": (N, "prefetch buffers of offloaded layers"),
    "--offload-params": (N, "which parameters are offloaded"),
    # ---- multimodal
    "--limit-mm-per-prompt": (N, "multimodal items in the profile run (encoder cache budget)"),
    "--media-io-kwargs": (X, "media decoding (CPU)"),
    "--mm-processor-kwargs": (N, "processor settings change the dummy multimodal input of the profile run"),
    "--disable-mm-preprocessor-cache": (X, "CPU cache"),
    "--mm-processor-cache-gb": (X, "CPU/shared-memory cache"),
    "--mm-processor-cache-type": (X, "CPU/shared-memory cache"),
    "--mm-shm-cache-max-object-size-mb": (X, "shared-memory cache"),
    "--mm-encoder-only": (N, "only the vision encoder is loaded"),
    "--language-model-only": (N, "the vision tower is not loaded"),
    "--mm-encoder-tp-mode": (N, "vision encoder weights sharded (weights) or replicated (data)"),
    "--enable-multimodal-encoder-data-parallel": (N, "vision encoder replicated per rank"),
    "--mm-encoder-attn-backend": (X, "encoder attention kernel"),
    "--mm-encoder-attn-dtype": (N, "encoder attention dtype (not read)"),
    "--mm-encoder-fp8-scale-path": (N, "FP8 vision encoder (weight bytes; not read)"),
    "--mm-encoder-fp8-scale-save-path": (X, "calibration output"),
    "--mm-encoder-fp8-scale-save-margin": (X, "calibration output"),
    "--interleave-mm-strings": (X, "prompt formatting"),
    "--skip-mm-profiling": (N, "the profile run skips the multimodal encoder (lower measured peak)"),
    "--video-pruning-rate": (X, "request-time token pruning"),
    "--mm-tensor-ipc": (X, "IPC of multimodal tensors"),
    "--enable-mm-embeds": (X, "accepts precomputed embeddings (request time)"),
    # ---- LoRA / prompt adapters
    "--enable-lora": (N, "LoRA slot tensors per layer and the profile run with LoRA; at 0.6.6 also stops "
                         "the >32K auto chunked prefill"),
    "--enable-lora-bias": (N, "LoRA bias slots"),
    "--max-loras": (N, "number of GPU LoRA slots"),
    "--max-lora-rank": (N, "size of each LoRA slot"),
    "--lora-extra-vocab-size": (N, "extra embedding/lm_head rows per slot"),
    "--lora-dtype": (N, "dtype of LoRA slots"),
    "--long-lora-scaling-factors": (N, "extra rotary caches for long-LoRA"),
    "--max-cpu-loras": (X, "host-side adapter cache"),
    "--fully-sharded-loras": (N, "LoRA slots sharded across TP"),
    "--lora-target-modules": (N, "which layers get LoRA slots"),
    "--default-mm-loras": (X, "which adapter a modality uses"),
    "--enable-tower-connector-lora": (N, "LoRA slots on the vision tower/connector"),
    "--specialize-active-lora": (X, "kernel specialisation"),
    "--enable-mixed-moe-lora-format": (N, "MoE LoRA slot format (not read)"),
    "--enable-prompt-adapter": (N, "prompt-adapter embedding slots (V0)"),
    "--max-prompt-adapters": (N, "prompt-adapter slots"),
    "--max-prompt-adapter-token": (N, "prompt-adapter slot length"),
    # ---- device / observability
    "--device": (X, "device type (tpsim: cuda)"),
    "--show-hidden-metrics-for-version": (X, "metrics"),
    "--otlp-traces-endpoint": (X, "tracing"),
    "--collect-detailed-traces": (X, "tracing"),
    "--kv-cache-metrics": (X, "metrics"),
    "--kv-cache-metrics-sample": (X, "metrics"),
    "--cudagraph-metrics": (X, "metrics"),
    "--enable-layerwise-nvtx-tracing": (X, "profiling"),
    "--enable-mfu-metrics": (X, "metrics"),
    "--enable-logging-iteration-details": (X, "logging"),
    "--disable-log-stats": (X, "logging"),
    "--disable-log-requests": (X, "logging"),
    "--enable-log-requests": (X, "logging"),
    "--aggregate-engine-logging": (X, "logging"),
    "--disable-async-output-proc": (X, "V0 output processing thread (CPU)"),
    # ---- scheduler
    "--max-num-batched-tokens": (M, "tpsim --max-num-batched-tokens"),
    "--max-num-seqs": (M, "tpsim --max-num-seqs"),
    "--max-num-partial-prefills": (X, "scheduling"),
    "--max-long-partial-prefills": (X, "scheduling"),
    "--long-prefill-token-threshold": (X, "scheduling"),
    "--num-lookahead-slots": (X, "V0 spec-decode slots per step; blocks are sized from memory, not slots"),
    "--scheduler-delay-factor": (X, "scheduling"),
    "--preemption-mode": (X, "V0 recompute/swap choice at run time"),
    "--num-scheduler-steps": (X, "V0 multi-step scheduling (run time)"),
    "--multi-step-stream-outputs": (X, "V0 multi-step output streaming"),
    "--scheduling-policy": (X, "fcfs/priority"),
    "--enable-chunked-prefill": (M, "tpsim --enable-chunked-prefill"),
    "--disable-chunked-mm-input": (X, "scheduling of multimodal chunks"),
    "--scheduler-cls": (X, "scheduler class"),
    "--scheduler-reserve-full-isl": (X, "admission control"),
    "--disable-hybrid-kv-cache-manager": (N, "one KV page layout for all layers (sliding-window and hybrid "
                                             "models then get full-size KV)"),
    "--async-scheduling": (N, "overlapped scheduling keeps extra pinned and device input buffers (not "
                              "read)"),
    "--stream-interval": (X, "output streaming"),
    "--cuda-graph-sizes": (N, "CUDA-graph capture sizes (graph pool); replaced by "
                              "--cudagraph-capture-sizes / --max-cudagraph-capture-size"),
    "--cudagraph-capture-sizes": (N, "capture sizes list (graph pool and, from 0.18, the estimate); tpsim "
                                     "takes only the largest size"),
    "--max-cudagraph-capture-size": (M, "tpsim --max-cudagraph-capture-size"),
    "--use-v2-block-manager": (X, "V0 block manager implementation (CPU bookkeeping)"),
    # ---- speculative decoding
    "--speculative-config": (N, "draft model / EAGLE head weights, its KV cache and profile run; n-gram "
                                "has no weights; capture sizes grow with num_speculative_tokens"),
    "--spec-method": (N, "shorthand for speculative_config.method"),
    "--spec-model": (N, "shorthand for speculative_config.model"),
    "--spec-tokens": (N, "shorthand for speculative_config.num_speculative_tokens"),
    "--speculative-model": (N, "V0 draft model (weights, KV, profile); at 0.6.6 also stops auto chunked "
                               "prefill"),
    "--speculative-model-quantization": (N, "draft model weight format"),
    "--num-speculative-tokens": (N, "tokens proposed per step"),
    "--speculative-disable-mqa-scorer": (X, "V0 scoring kernel choice"),
    "--speculative-draft-tensor-parallel-size": (N, "draft model TP"),
    "--speculative-max-model-len": (N, "draft model context"),
    "--speculative-disable-by-batch-size": (X, "run-time switch"),
    "--ngram-prompt-lookup-max": (X, "n-gram proposer window (no weights)"),
    "--ngram-prompt-lookup-min": (X, "n-gram proposer window (no weights)"),
    "--spec-decoding-acceptance-method": (X, "V0 acceptance sampler choice"),
    "--typical-acceptance-sampler-posterior-threshold": (X, "sampler parameter"),
    "--typical-acceptance-sampler-posterior-alpha": (X, "sampler parameter"),
    "--disable-logprobs-during-spec-decoding": (X, "run-time switch"),
    # ---- other config objects
    "--kv-transfer-config": (N, "KV connector (NIXL, LMCache, P2P NCCL ...) buffers and registration"),
    "--kv-events-config": (X, "KV event publishing (CPU)"),
    "--ec-transfer-config": (N, "encoder-cache transfer connector (not read)"),
    "--compilation-config": (N, "cudagraph_mode, capture sizes, level/mode, inductor: graph pool and "
                                "compile peak; tpsim models max_cudagraph_capture_size only"),
    "--attention-config": (N, "attention backend and options (KV layout, workspace)"),
    "--attention-backend": (N, "attention backend (KV layout, block size, workspace)"),
    "--reasoning-config": (X, "reasoning budget options (request time)"),
    "--kernel-config": (N, "kernel selection incl. FlashInfer autotune and MoE/linear backends"),
    "--moe-backend": (N, "MoE kernel backend (workspace, weight layout)"),
    "--linear-backend": (N, "linear kernel backend (weight repacking; not read)"),
    "--ir-op-priority": (X, "which IR op implementation is preferred (same tensors)"),
    "--enable-flashinfer-autotune": (N, "FlashInfer autotuning at warm-up (transient workspace; not read)"),
    "--gdn-prefill-backend": (X, "kernel choice for gated delta net prefill (no start-up allocation found; "
                                 "not read in detail)"),
    "--additional-config": (X, "platform plugin options"),
    "--structured-outputs-config": (X, "structured output engine (CPU)"),
    "--reasoning-parser": (X, "parses reasoning out of the output text (CPU)"),
    "--reasoning-parser-plugin": (X, "CPU"),
    "--enable-reasoning": (X, "0.8.x switch for the reasoning parser (CPU)"),
    "--profiler-config": (X, "profiling"),
    "--optimization-level": (N, "-O0..-O3: cudagraph mode (NONE/PIECEWISE/FULL_AND_PIECEWISE) and "
                                "compilation passes"),
    "--performance-mode": (N, "`throughput` doubles the default max_num_batched_tokens and max_num_seqs "
                              "(profile-run peak, capture sizes)"),
    "--weight-transfer-config": (X, "RL weight-sync group (created on request; not read)"),
    "--fail-on-environ-validation": (X, "start-up check of VLLM_* variables"),
    "--shutdown-timeout": (X, "shutdown"),
}

FRONTEND_NAMES = {
    "--host", "--port", "--uds", "--uvicorn-log-level", "--disable-uvicorn-access-log",
    "--disable-access-log-for-endpoints", "--allow-credentials", "--allowed-origins", "--allowed-methods",
    "--allowed-headers", "--api-key", "--lora-modules", "--prompt-adapters", "--chat-template",
    "--chat-template-content-format", "--trust-request-chat-template", "--default-chat-template-kwargs",
    "--response-role", "--ssl-keyfile", "--ssl-certfile", "--ssl-ca-certs", "--enable-ssl-refresh",
    "--ssl-cert-reqs", "--ssl-ciphers", "--root-path", "--middleware", "--return-tokens-as-token-ids",
    "--disable-frontend-multiprocessing", "--enable-request-id-headers", "--enable-auto-tool-choice",
    "--exclude-tools-when-tool-choice-none", "--tool-call-parser", "--tool-parser-plugin", "--tool-server",
    "--log-config-file", "--max-log-len", "--disable-fastapi-docs", "--enable-prompt-tokens-details",
    "--enable-server-load-tracking", "--enable-force-include-usage", "--enable-tokenizer-info-endpoint",
    "--enable-log-outputs", "--enable-log-deltas", "--log-error-stack", "--tokens-only",
    "--h11-max-incomplete-event-size", "--h11-max-header-count", "--enable-offline-docs",
    "--enable-flash-late-interaction",
}
FRONTEND_NOTES = {
    "--lora-modules": "adapters loaded at start-up into the host-side cache; GPU slots are set by "
                      "--max-loras/--max-lora-rank",
    "--disable-frontend-multiprocessing": "runs the API server in the engine's process; the frontend "
                                          "allocates nothing on the card",
    "--enable-flash-late-interaction": "late-interaction scoring kernel for pooling requests (request time)",
}


def classify(name):
    if name in MEMORY:
        return MEMORY[name]
    if name in FRONTEND_NAMES:
        return (X, FRONTEND_NOTES.get(name, FRONTEND_NONE))
    return None
