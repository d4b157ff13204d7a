// VllmPolicy: every rule of vLLM that depends on the release, one policy object per accounting era
// (research/vllm_memory_mechanism.md §1.4, DESIGN §5) behind one interface. The release table
// (release_table.h) maps a release to its era; ResolveWithModel asks the policy for the defaults,
// StartupRun for what happens at each phase, the KV sizing for block rounding and vLLM's checks.
// Where a vLLM PR changed a rule inside an era, the method takes the release and compares it here;
// nothing outside the policies and the release table compares versions.
//
// Each era's class derives from the one before it and overrides what changed (vllm_policy.cc), so a
// new era is one class; the interface documents the rule each method owns.
//
// Policies are immutable singletons: PolicyFor returns a reference valid for the program's life, safe
// to share between threads.
#ifndef TPSIM_SIM_ENGINE_VLLM_POLICY_H_
#define TPSIM_SIM_ENGINE_VLLM_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine/kv_cache.h"
#include "sim/engine/release_table.h"
#include "sim/engine/resolved_config.h"
#include "sim/rank/rank_machine.h"

namespace tpsim {

// Counters read at the points vLLM reads them.
struct ProfileReadings {
  MemSnapshot init;            // vLLM's init/baseline snapshot
  MemSnapshot before_profile;  // after empty_cache + reset_peak, before the dummy run
  MemSnapshot after_profile;   // after the dummy run, gc and empty_cache
  Bytes peak_during_profile = 0;  // torch allocated peak read right after profile_run
  Bytes weights = 0;           // "Model loading took"
  Bytes requested = 0;
  Bytes cudagraph_estimate = 0;
};

struct KvBudget {
  Bytes available = 0;
  Bytes activation_peak = 0;  // as that version logs it
  Bytes non_torch = 0;        // as that version logs it
};

// Which top-k/top-p sampler the dummy sampler run takes (profile_program.h describes each).
enum class SamplerPath { kSort, kFlashInfer, kTriton };

// What the scheduler defaults depend on (research §2.4, §2.5).
struct SchedulerInputs {
  std::string gpu_name;
  Bytes gpu_total = 0;
  bool usage_llm = false;  // --usage-context llm (the LLM class) rather than the API server
  std::int64_t max_model_len = 0;
  std::optional<bool> enable_chunked_prefill;  // as given
};
struct SchedulerDefaults {
  bool chunked_prefill = true;
  std::int64_t max_num_seqs = 0;            // S when not given
  std::int64_t max_num_batched_tokens = 0;  // T when not given, before DefaultBatchedTokens
};

// One persistent buffer of the model runner, allocated before the weights.
struct RunnerBuffer {
  const char* label;
  Bytes bytes;
};

class VllmPolicy {
 public:
  virtual ~VllmPolicy() = default;
  virtual VllmEra era() const = 0;
  std::string_view name() const { return VllmEraName(era()); }

  // ---- Defaults (ResolveWithModel) ----
  // gpu_memory_utilization when not given.
  virtual double DefaultGpuMemoryUtilization() const = 0;
  // Lowest compute capability on which vLLM picks a Marlin kernel for a quantized checkpoint.
  virtual int MarlinMinComputeCapability(const VllmVersion& v) const = 0;
  // Chunked prefill and the batch sizes vLLM would pick.
  virtual SchedulerDefaults DefaultScheduler(const VllmVersion& v, const SchedulerInputs& in) const = 0;
  // T when not given, once S is known.
  virtual std::int64_t DefaultBatchedTokens(const VllmVersion& v, const SchedulerDefaults& d,
                                            std::int64_t max_model_len, std::int64_t max_num_seqs) const = 0;
  // S when not given, once T is known (some releases cap it at T).
  virtual std::int64_t CapDefaultMaxNumSeqs(const VllmVersion& v, std::int64_t max_num_seqs,
                                            std::int64_t max_num_batched_tokens) const = 0;
  // The CUDA-graph capture sizes, descending (§4.1); max_capture_override 0 = not given.
  virtual std::vector<std::int64_t> CaptureSizes(const VllmVersion& v, std::int64_t max_num_seqs,
                                                 std::int64_t max_num_batched_tokens,
                                                 std::int64_t max_capture_override) const = 0;
  // The graph mode when graphs are captured (not enforce_eager).
  virtual CudaGraphMode GraphMode() const = 0;
  // Whether the CUDA-graph estimate is taken off the KV budget (not enforce_eager), given
  // VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1.
  virtual bool SubtractsCudaGraphEstimate(bool estimate_env_var) const = 0;
  // Rows of the dummy sampler run: V1 min(S, T), V0 S.
  virtual std::int64_t ProfileNumReqs(std::int64_t max_num_seqs,
                                      std::int64_t max_num_batched_tokens) const = 0;

  // ---- Start-up (StartupRun) ----
  // ceil(total x u) or total x u.
  virtual Bytes Requested(Bytes total, double u) const = 0;
  // True when the init snapshot is taken before distributed init (NCCL then counts as non-torch).
  virtual bool SnapshotBeforeDistributedInit() const = 0;
  // Whether init_device refuses to start when free memory is below the requested bytes.
  virtual bool ChecksFreeMemoryAtInit() const = 0;
  // The model runner's persistent buffers (empty: the engine has none).
  virtual std::vector<RunnerBuffer> RunnerBuffers(const ResolvedConfig& cfg) const = 0;
  // Whether the profile run's forward is torch.compile'd (the compiled live-set model).
  virtual bool CompilesForward(bool enforce_eager) const = 0;
  // Bytes of the CUDA-graph memory pool at the largest capture size. REQUIRES: capture sizes.
  virtual Bytes CudaGraphPoolBytes(const ResolvedConfig& cfg) const = 0;
  // Whether the CUDA-graph estimate is measured in the profiling window.
  virtual bool EstimatesCudaGraphs() const = 0;
  // The era's formula for the KV budget.
  virtual KvBudget Budget(const ProfileReadings& r, bool subtract_cudagraph_estimate) const = 0;
  // Whether the sampler runs again after graph capture (its blocks stay cached).
  virtual bool WarmsUpSamplerAfterCapture() const = 0;
  // The sampler the dummy run takes on `rows` rows, and whether it also computes float32 logprobs.
  virtual SamplerPath SamplerPathFor(const VllmVersion& v, std::int64_t rows) const = 0;
  virtual bool SamplerComputesLogprobs() const = 0;

  // ---- KV cache ----
  // Blocks for `available` bytes.
  virtual std::int64_t NumBlocks(Bytes available, Bytes page_bytes_per_layer,
                                 std::int64_t num_layers) const = 0;
  // vLLM's check after sizing, in its words (kind "" when it fits).
  virtual KvVerdict CheckKvCache(const ResolvedConfig& cfg, Bytes available,
                                 std::int64_t num_blocks) const = 0;
  // "Maximum concurrency" for num_blocks.
  virtual double MaxConcurrency(std::int64_t num_blocks, std::int64_t block_size,
                                std::int64_t max_model_len) const = 0;
};

// The policy of an era; of a resolved (or hand-built) configuration's era.
const VllmPolicy& PolicyFor(VllmEra era);
const VllmPolicy& PolicyFor(const ResolvedConfig& cfg);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_VLLM_POLICY_H_
