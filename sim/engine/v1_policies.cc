// The V1 engine's eras (vllm/v1/worker/gpu_worker.py, gpu_model_runner.py; research/
// vllm_memory_mechanism.md §1.4, §2.4, §4.1). Each era derives from the one before it and overrides what
// changed; a comparison with a release inside a method places a PR that landed inside that era, and
// holds for every later era that inherits it.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "sim/engine/era_policies.h"

namespace tpsim {

namespace {

bool NameContains(std::string hay, const std::string& needle) {
  std::transform(hay.begin(), hay.end(), hay.begin(), [](unsigned char c) { return std::tolower(c); });
  return hay.find(needle) != std::string::npos;
}

// V1 0.8.0 - 0.9.0 (gpu_worker.determine_available_memory ≈v0.8.0): the peak includes the weights and
// the non-torch part is everything the device holds outside torch's allocated bytes (context, NCCL,
// other processes, torch's cached-but-free blocks).
class V1_0_8Policy : public VllmPolicy {
 public:
  VllmEra era() const override { return VllmEra::kV1_0_8; }

  double DefaultGpuMemoryUtilization() const override { return 0.90; }
  int MarlinMinComputeCapability(const VllmVersion&) const override { return 80; }
  // EngineArgs._set_default_args_v1 / get_batch_defaults (research §2.4).
  SchedulerDefaults DefaultScheduler(const VllmVersion& v, const SchedulerInputs& in) const override {
    SchedulerDefaults d;
    d.chunked_prefill = ChunkedPrefill(v, in.enable_chunked_prefill);
    if (BigCardBatchDefaults(v, in)) {
      d.max_num_batched_tokens = in.usage_llm ? 16384 : 8192;
      d.max_num_seqs = 1024;
    } else {
      d.max_num_batched_tokens = in.usage_llm ? 8192 : 2048;
      d.max_num_seqs = v < VllmVersion{0, 8, 4} ? 1024 : 256;
    }
    return d;
  }
  std::int64_t DefaultBatchedTokens(const VllmVersion& v, const SchedulerDefaults& d,
                                    std::int64_t max_model_len, std::int64_t s) const override {
    std::int64_t t = d.max_num_batched_tokens;
    if (!d.chunked_prefill) t = std::max(max_model_len, t);
    if (CapsBatchDefaults(v)) t = std::min(t, s * max_model_len);
    return t;
  }
  std::int64_t CapDefaultMaxNumSeqs(const VllmVersion& v, std::int64_t s, std::int64_t t) const override {
    return CapsBatchDefaults(v) ? std::min(s, t) : s;
  }
  std::vector<std::int64_t> CaptureSizes(const VllmVersion& v, std::int64_t s, std::int64_t t,
                                         std::int64_t override_max) const override {
    const std::int64_t m = override_max > 0 ? std::min(override_max, t) : DefaultMaxCaptureSize(v, s, t);
    std::vector<std::int64_t> sizes;
    for (std::int64_t c : {1, 2, 4}) {
      if (c <= m) sizes.push_back(c);
    }
    if (!Step16Above256(v)) {
      for (std::int64_t c = 8; c <= m; c += 8) sizes.push_back(c);
    } else {
      for (std::int64_t c = 8; c < std::min<std::int64_t>(m + 1, 256); c += 8) sizes.push_back(c);
      for (std::int64_t c = 256; c <= m; c += 16) sizes.push_back(c);
    }
    std::sort(sizes.rbegin(), sizes.rend());
    return sizes;
  }
  CudaGraphMode GraphMode() const override { return CudaGraphMode::kPiecewise; }
  bool SubtractsCudaGraphEstimate(bool) const override { return false; }
  std::int64_t ProfileNumReqs(std::int64_t s, std::int64_t t) const override { return std::min(s, t); }

  Bytes Requested(Bytes total, double u) const override {
    return static_cast<Bytes>(static_cast<double>(total) * u);
  }
  bool SnapshotBeforeDistributedInit() const override { return true; }
  bool ChecksFreeMemoryAtInit() const override { return false; }
  // GPUModelRunner.__init__ persistent buffers (research §1.1 table): on top of the budget.
  std::vector<RunnerBuffer> RunnerBuffers(const ResolvedConfig& cfg) const override {
    const std::int64_t t = cfg.max_num_batched_tokens, s = cfg.max_num_seqs;
    const Bytes b = DTypeBytes(cfg.dtype);
    return {
        {"input_ids [T] int32", t * 4},
        {"positions [T] int64", t * 8},
        {"inputs_embeds [T, H]", t * cfg.model.hidden_size * b},
        {"query_start_loc [S+1] int32", (s + 1) * 4},
        {"seq_lens [S] int32", s * 4},
        {"slot_mapping [T] int64", t * 8},
        {"block_table [S, max_blocks] int32", s * CeilDiv(cfg.max_model_len, cfg.block_size) * 4},
        {"sampling tensors [S] x 6", s * 4 * 6},
    };
  }
  bool CompilesForward(bool enforce_eager) const override { return !enforce_eager; }
  // Piecewise: vLLM keeps only weak references to every piece's outputs except the last, so the shared
  // pool is reused piece after piece: it holds about one piece's working set (the MLP window of the
  // compiled forward) at the largest size.
  Bytes CudaGraphPoolBytes(const ResolvedConfig& cfg) const override {
    return cfg.capture_sizes.front() * DTypeBytes(cfg.dtype) *
           (cfg.model.hidden_size + 3 * cfg.model.intermediate_size / cfg.tp);
  }
  bool EstimatesCudaGraphs() const override { return false; }
  KvBudget Budget(const ProfileReadings& r, bool) const override {
    KvBudget b;
    b.activation_peak = r.peak_during_profile - r.before_profile.torch_allocated;
    b.non_torch = std::max<Bytes>(0, r.after_profile.cuda_used - r.after_profile.torch_allocated);
    b.available = r.requested - (r.peak_during_profile + b.non_torch);
    return b;
  }
  bool WarmsUpSamplerAfterCapture() const override { return true; }  // compile_or_warm_up_model
  // TopKTopPSampler used FlashInfer whenever installed (assumed, as in vLLM's images).
  SamplerPath SamplerPathFor(const VllmVersion&, std::int64_t) const override {
    return SamplerPath::kFlashInfer;
  }
  bool SamplerComputesLogprobs() const override { return false; }

  // floor(floor(available / page) / L) (KVCacheConfig with one tensor per layer).
  std::int64_t NumBlocks(Bytes available, Bytes page, std::int64_t layers) const override {
    return (available / page) / layers;
  }
  // _check_enough_kv_cache_memory.
  KvVerdict CheckKvCache(const ResolvedConfig& cfg, Bytes available, std::int64_t) const override {
    const Bytes needed = BytesForOneRequest(cfg, cfg.max_model_len);
    if (needed <= available) return {};
    char buf[768];
    std::snprintf(buf, sizeof(buf),
                  "To serve at least one request with the models's max seq len (%lld), (%.2f GiB KV "
                  "cache is needed, which is larger than the available KV cache memory (%.2f GiB). "
                  "Based on the available memory, the estimated maximum model length is %lld. Try "
                  "increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
                  "initializing the engine.",
                  static_cast<long long>(cfg.max_model_len), ToGiB(needed), ToGiB(available),
                  static_cast<long long>(EstimateMaxModelLen(cfg, available)));
    return KvCacheTooSmall(buf);
  }
  double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                        std::int64_t max_model_len) const override {
    return TokensOverLengthConcurrency(num_blocks, block_size, max_model_len);
  }

 protected:
  // "V1 always uses chunked prefills" until the 0.12 scheduler changes (PR #28665).
  virtual bool ChunkedPrefill(const VllmVersion&, std::optional<bool>) const { return true; }
  // From 0.12 the defaults are capped: T <= S x max_model_len, then S <= T.
  virtual bool CapsBatchDefaults(const VllmVersion&) const { return false; }
  // Whether the card gets the large batch defaults: by name before 0.8.5, by memory (>= 70 GiB) from
  // 0.8.5, and not on an A100 from 0.9.0.
  virtual bool BigCardBatchDefaults(const VllmVersion& v, const SchedulerInputs& in) const {
    if (v < VllmVersion{0, 8, 5}) {
      return NameContains(in.gpu_name, "h100") || NameContains(in.gpu_name, "h200");
    }
    if (v < VllmVersion{0, 9, 0}) return in.gpu_total >= 70 * kGiB;
    return in.gpu_total >= 70 * kGiB && !NameContains(in.gpu_name, "a100");
  }
  // max_capture_size without --max-cudagraph-capture-size: 512, capped at T from 0.9.0.
  virtual std::int64_t DefaultMaxCaptureSize(const VllmVersion& v, std::int64_t, std::int64_t t) const {
    return v < VllmVersion{0, 9, 0} ? 512 : std::min<std::int64_t>(512, t);
  }
  // The capture list steps by 16 above 256 (0.12); by 8 up to m before.
  virtual bool Step16Above256(const VllmVersion&) const { return false; }
};

// V1 0.9.1 - 0.10.x: three terms, init snapshot before NCCL (PRs #18974, #19312).
class V1_0_9_1Policy : public V1_0_8Policy {
 public:
  VllmEra era() const override { return VllmEra::kV1_0_9_1; }
  Bytes Requested(Bytes total, double u) const override {
    return static_cast<Bytes>(std::ceil(static_cast<double>(total) * u));
  }
  // "Free memory on device ... on startup is less than desired GPU memory utilization".
  bool ChecksFreeMemoryAtInit() const override { return true; }
  KvBudget Budget(const ProfileReadings& r, bool) const override { return ThreeTermBudget(r, 0); }
  // FlashInfer became opt-in by 0.10.2 (not pinned to a PR, research §9).
  SamplerPath SamplerPathFor(const VllmVersion& v, std::int64_t) const override {
    return v < VllmVersion{0, 10, 2} ? SamplerPath::kFlashInfer : SamplerPath::kSort;
  }
  // get_max_concurrency_for_kv_cache_config (PR #19029).
  double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                        std::int64_t max_model_len) const override {
    return static_cast<double>(num_blocks) / static_cast<double>(CeilDiv(max_model_len, block_size));
  }

 protected:
  // 512 before 0.10, then min(2 S, 512); capped at T.
  std::int64_t DefaultMaxCaptureSize(const VllmVersion& v, std::int64_t s, std::int64_t t) const override {
    const std::int64_t m = v < VllmVersion{0, 10, 0} ? 512 : std::min<std::int64_t>(2 * s, 512);
    return std::min(m, t);
  }
};

// V1 0.11 - 0.17: the snapshot moved after NCCL init (PR #25359); FULL_AND_PIECEWISE graphs.
class V1_0_11Policy : public V1_0_9_1Policy {
 public:
  VllmEra era() const override { return VllmEra::kV1_0_11; }
  // Marlin on Turing from PR #31008 (2025-12-19, 0.14).
  int MarlinMinComputeCapability(const VllmVersion& v) const override {
    return v >= VllmVersion{0, 14, 0} ? 75 : 80;
  }
  CudaGraphMode GraphMode() const override { return CudaGraphMode::kFullAndPiecewise; }
  bool SnapshotBeforeDistributedInit() const override { return false; }

 protected:
  static bool From012(const VllmVersion& v) { return v >= VllmVersion{0, 12, 0}; }
  bool ChunkedPrefill(const VllmVersion& v, std::optional<bool> given) const override {
    return From012(v) ? given.value_or(true) : true;
  }
  bool CapsBatchDefaults(const VllmVersion& v) const override { return From012(v); }
  bool Step16Above256(const VllmVersion& v) const override { return From012(v); }
};

// V1 0.18 - 0.19: the CUDA-graph estimate is measured; subtracted only with
// VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 (PR #30515).
class V1_0_18Policy : public V1_0_11Policy {
 public:
  VllmEra era() const override { return VllmEra::kV1_0_18; }
  bool SubtractsCudaGraphEstimate(bool estimate_env_var) const override { return estimate_env_var; }
  bool EstimatesCudaGraphs() const override { return true; }
  KvBudget Budget(const ProfileReadings& r, bool subtract_cudagraph_estimate) const override {
    return ThreeTermBudget(r, subtract_cudagraph_estimate ? r.cudagraph_estimate : 0);
  }
  // The Triton top-k/top-p kernel from 0.19 for N >= 8 rows.
  SamplerPath SamplerPathFor(const VllmVersion& v, std::int64_t rows) const override {
    return v >= VllmVersion{0, 19, 0} && rows >= 8 ? SamplerPath::kTriton : SamplerPath::kSort;
  }
};

// V1 0.20+: the CUDA-graph estimate subtracted by default, utilization 0.92 (PR #38284).
class V1_0_20Policy final : public V1_0_18Policy {
 public:
  VllmEra era() const override { return VllmEra::kV1_0_20; }
  double DefaultGpuMemoryUtilization() const override { return 0.92; }
  bool SubtractsCudaGraphEstimate(bool) const override { return true; }
};

}  // namespace

const VllmPolicy& V1PolicyInstance(VllmEra era) {
  static const V1_0_8Policy v1_0_8;
  static const V1_0_9_1Policy v1_0_9_1;
  static const V1_0_11Policy v1_0_11;
  static const V1_0_18Policy v1_0_18;
  static const V1_0_20Policy v1_0_20;
  switch (era) {
    case VllmEra::kV1_0_8: return v1_0_8;
    case VllmEra::kV1_0_9_1: return v1_0_9_1;
    case VllmEra::kV1_0_11: return v1_0_11;
    case VllmEra::kV1_0_18: return v1_0_18;
    case VllmEra::kV1_0_20: return v1_0_20;
    case VllmEra::kV0: break;
  }
  return v1_0_11;  // unreachable for a V1 era
}

}  // namespace tpsim
