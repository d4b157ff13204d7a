// The V0 engine, 0.6.5 - 0.10.x (vllm/worker/worker.py, vllm/utils.py memory_profiling): also what a
// V1-era release runs on compute capability < 8.0 before 0.11 (release_table.h).
#include <algorithm>
#include <cstdio>

#include "sim/engine/era_policies.h"

namespace tpsim {

namespace {

class V0Policy final : public VllmPolicy {
 public:
  VllmEra era() const override { return VllmEra::kV0; }

  double DefaultGpuMemoryUtilization() const override { return 0.90; }
  int MarlinMinComputeCapability(const VllmVersion&) const override { return 80; }
  // _set_default_args_v0: chunked prefill only past 32K tokens unless given; S 256; T 2048 with
  // chunked prefill, else max(max_model_len, 2048).
  SchedulerDefaults DefaultScheduler(const VllmVersion&, const SchedulerInputs& in) const override {
    SchedulerDefaults d;
    d.chunked_prefill = in.enable_chunked_prefill.value_or(in.max_model_len > 32768);
    d.max_num_seqs = 256;
    d.max_num_batched_tokens = d.chunked_prefill ? 2048 : std::max<std::int64_t>(in.max_model_len, 2048);
    return d;
  }
  std::int64_t DefaultBatchedTokens(const VllmVersion&, const SchedulerDefaults& d, std::int64_t,
                                    std::int64_t) const override {
    return d.max_num_batched_tokens;
  }
  std::int64_t CapDefaultMaxNumSeqs(const VllmVersion&, std::int64_t s, std::int64_t) const override {
    return s;
  }
  // _BATCH_SIZES_TO_CAPTURE = [1, 2, 4] + [8 i], kept up to the first candidate >= S; no override.
  std::vector<std::int64_t> CaptureSizes(const VllmVersion&, std::int64_t s, std::int64_t,
                                         std::int64_t) const override {
    std::vector<std::int64_t> cand = {1, 2, 4}, sizes;
    for (int i = 1; i <= 1024; ++i) cand.push_back(8 * i);
    for (std::int64_t c : cand) {
      sizes.push_back(c);
      if (c >= s) break;
    }
    std::sort(sizes.rbegin(), sizes.rend());
    return sizes;
  }
  CudaGraphMode GraphMode() const override { return CudaGraphMode::kPiecewise; }  // whole-model graphs
  bool SubtractsCudaGraphEstimate(bool) const override { return false; }
  std::int64_t ProfileNumReqs(std::int64_t s, std::int64_t) const override { return s; }

  Bytes Requested(Bytes total, double u) const override {
    return static_cast<Bytes>(static_cast<double>(total) * u);
  }
  bool SnapshotBeforeDistributedInit() const override { return true; }
  bool ChecksFreeMemoryAtInit() const override { return false; }
  std::vector<RunnerBuffer> RunnerBuffers(const ResolvedConfig&) const override { return {}; }
  bool CompilesForward(bool) const override { return false; }  // the eager profile run
  // One whole-model graph per size; intermediates are reused inside the pool: the eager forward's live
  // set at the largest size.
  Bytes CudaGraphPoolBytes(const ResolvedConfig& cfg) const override {
    return cfg.capture_sizes.front() * DTypeBytes(cfg.dtype) *
           (5 * cfg.model.hidden_size + 3 * cfg.model.intermediate_size / cfg.tp);
  }
  bool EstimatesCudaGraphs() const override { return false; }
  KvBudget Budget(const ProfileReadings& r, bool) const override { return ThreeTermBudget(r, 0); }
  bool WarmsUpSamplerAfterCapture() const override { return false; }
  // V0's Sampler: S rows, the sort path, and float32 logprobs (research §2.2).
  SamplerPath SamplerPathFor(const VllmVersion&, std::int64_t) const override { return SamplerPath::kSort; }
  bool SamplerComputesLogprobs() const override { return true; }

  // CacheEngine: floor(available / (L x page)).
  std::int64_t NumBlocks(Bytes available, Bytes page, std::int64_t layers) const override {
    return available / (page * layers);
  }
  // raise_if_cache_size_invalid.
  KvVerdict CheckKvCache(const ResolvedConfig& cfg, Bytes, std::int64_t num_blocks) const override {
    const std::int64_t tokens = cfg.block_size * num_blocks;
    if (cfg.max_model_len <= tokens) return {};
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "The model's max seq len (%lld) is larger than the maximum number of tokens that can "
                  "be stored in KV cache (%lld). Try increasing `gpu_memory_utilization` or decreasing "
                  "`max_model_len` when initializing the engine.",
                  static_cast<long long>(cfg.max_model_len), static_cast<long long>(tokens));
    return KvCacheTooSmall(buf);
  }
  double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                        std::int64_t max_model_len) const override {
    return TokensOverLengthConcurrency(num_blocks, block_size, max_model_len);
  }
};

}  // namespace

const VllmPolicy& V0PolicyInstance() {
  static const V0Policy policy;
  return policy;
}

}  // namespace tpsim
