// Tune: the inverse questions (DESIGN §1, issue 7), answered by bisection over the forward simulation
// (RunDeploymentInProcess on ResolveWithModel configs; the model and GPU are loaded once by the caller).
//
// "Serves" means: vLLM starts (outcome ok) and its KV cache holds the target concurrency of target-length
// requests, num_blocks >= C x ceil(L / block_size). With the caller's flags as the base, tune answers
//   1. the smallest gpu_memory_utilization (0.01 steps) at which max_model_len L serves C requests;
//   2. the longest max_model_len (1-token steps, at most max_position_embeddings) that serves C;
//   3. the largest concurrency at L (at the base utilization);
//   4. the smallest tensor-parallel size among 1, 2, 4, 8 that the model's split allows and that serves.
// Each answer is checked by the forward simulation at the answer and one step beyond it (0.01 less,
// one token longer, one request more, the next smaller allowed size), and both checks are reported:
// "0.87 serves it; 0.86 does not". Bisection assumes "serves" is monotone in the searched value; when a
// check finds it is not (the step beyond also serves), the search walks on one step at a time until the
// answer holds, so a reported answer is always verified.
#ifndef TPSIM_SIM_TUNE_TUNE_H_
#define TPSIM_SIM_TUNE_TUNE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/coord/deployment.h"
#include "sim/engine/engine_args.h"
#include "sim/model/model_config.h"
#include "sim/shard/shard_plan_cache.h"
#include "topology/gpu_spec.h"

namespace tpsim {

struct TuneTarget {
  std::int64_t context = 0;      // L, tokens per request; > 0
  std::int64_t concurrency = 1;  // C, concurrent requests of L tokens; > 0
};

// One forward simulation at a probed value.
struct TuneCheck {
  bool ran = false;              // false: the step lies outside the search range (see `why_not_run`)
  std::string value;             // the probed value as printed: "0.87", "40960", "4"
  bool serves = false;
  std::string outcome;           // ok | error | invalid
  ErrorKind error_kind = ErrorKind::kNone;  // vLLM's verdict, or kInvalidConfig
  std::string error_message;
  std::int64_t num_blocks = 0;
  std::int64_t blocks_needed = 0;  // C x ceil(L / block_size) at this probe
  double concurrency_at_target = 0;  // num_blocks / ceil(L / block_size)
  double final_used_gib = 0;         // the fullest card
  std::string why_not_run;
};

struct TuneAnswer {
  std::string question;  // "min_gpu_memory_utilization" | "max_model_len" | "max_concurrency" | "min_tensor_parallel_size"
  bool found = false;
  double value = 0;      // the answer (utilization, tokens, requests or cards)
  std::string value_text;
  std::string reason;    // when not found, or what bounds the answer
  TuneCheck at;          // the check at the answer
  TuneCheck beyond;      // the check one step beyond
};

struct TuneResult {
  std::string model;
  std::string gpu;
  std::string vllm_version;
  int tp = 1;                           // the base tensor-parallel size
  double gpu_memory_utilization = 0;    // the base utilization as resolved
  int block_size = 16;
  std::int64_t max_position_embeddings = 0;
  TuneTarget target;
  TuneAnswer min_utilization;
  TuneAnswer max_model_len;
  TuneAnswer max_concurrency;
  TuneAnswer min_tp;
  int forward_runs = 0;  // simulations run in all
};

// REQUIRES: base.model/base.gpu name `model`/`gpu` (already loaded). Errors: InvalidArgument when the
// base flags (with max_model_len = target.context) are rejected by vLLM's checks, or the target is not
// positive or longer than max_position_embeddings; Internal for a failed simulation.
StatusOr<TuneResult> Tune(const EngineArgs& base, const ModelConfig& model, const GpuSpec& gpu,
                          const std::string& configs_dir, const TuneTarget& target);

// The forward check used by Tune, exposed for tests: runs `args` and judges it against `target`.
// Configs vLLM rejects give outcome "invalid" (not an error).
StatusOr<TuneCheck> CheckServes(const EngineArgs& args, const ModelConfig& model, const GpuSpec& gpu,
                                const std::string& configs_dir, const TuneTarget& target,
                                ShardPlanCache* plans = nullptr);

}  // namespace tpsim

#endif  // TPSIM_SIM_TUNE_TUNE_H_
