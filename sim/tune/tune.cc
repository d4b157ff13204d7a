#include "sim/tune/tune.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>

#include "sim/engine/resolved_config.h"
#include "sim/report/plan_report.h"

namespace tpsim {

namespace {

// Utilization is searched in hundredths: 1 .. 100 (0.01 .. 1.00).
constexpr int kUtilizationSteps = 100;
// Tensor-parallel sizes considered for the smallest-size question (one box of up to 8 cards).
constexpr int kTpCandidates[] = {1, 2, 4, 8};

// Failures of asking too much of the card: the start-up check of utilization x total against the free
// memory (insufficient_free_memory) and an allocation that no longer fits (oom).
bool TooMuchMemory(const TuneCheck& c) {
  return c.error_kind == ErrorKind::kInsufficientFreeMemory || c.error_kind == ErrorKind::kOom;
}

std::string Hundredths(int u) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%d.%02d", u / 100, u % 100);
  return buf;
}

// Runs and memoises the checks of one question (keyed by the probed integer value).
class Prober {
 public:
  using MakeProbe = std::function<void(std::int64_t v, EngineArgs* args, TuneTarget* target)>;
  using Label = std::function<std::string(std::int64_t v)>;

  Prober(const EngineArgs& base, const ModelConfig& model, const GpuSpec& gpu,
         const std::string& configs_dir, ShardPlanCache* plans, int* runs, MakeProbe make, Label label)
      : base_(base), model_(model), gpu_(gpu), configs_dir_(configs_dir), plans_(plans), runs_(runs),
        make_(std::move(make)), label_(std::move(label)) {}

  StatusOr<TuneCheck> At(std::int64_t v) {
    auto it = memo_.find(v);
    if (it != memo_.end()) return it->second;
    EngineArgs args = base_;
    TuneTarget target;
    make_(v, &args, &target);
    TPSIM_ASSIGN_OR_RETURN(TuneCheck c, CheckServes(args, model_, gpu_, configs_dir_, target, plans_));
    ++*runs_;
    c.value = label_(v);
    memo_.emplace(v, c);
    return c;
  }

  TuneCheck NotRun(std::int64_t v, const std::string& why) const {
    TuneCheck c;
    c.value = label_(v);
    c.why_not_run = why;
    return c;
  }

 private:
  const EngineArgs& base_;
  const ModelConfig& model_;
  const GpuSpec& gpu_;
  const std::string& configs_dir_;
  ShardPlanCache* plans_;
  int* runs_;
  MakeProbe make_;
  Label label_;
  std::map<std::int64_t, TuneCheck> memo_;
};

std::string Describe(const TuneCheck& c) {
  if (c.outcome == "ok") {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "KV cache holds %lld blocks, %lld needed",
                  static_cast<long long>(c.num_blocks), static_cast<long long>(c.blocks_needed));
    return buf;
  }
  return c.error_kind == ErrorKind::kNone ? c.outcome : std::string(ErrorKindName(c.error_kind));
}

// Smallest v in [lo, hi] with serves(v), given serves(hi); then verified at v and v - 1, walking down
// while v - 1 also serves. `lo_excl_label` explains why lo - 1 is not tried.
StatusOr<TuneAnswer> SearchSmallest(Prober& p, std::int64_t lo, std::int64_t hi,
                                    const std::string& below_range) {
  TuneAnswer a;
  TPSIM_ASSIGN_OR_RETURN(TuneCheck top, p.At(hi));
  if (!top.serves) {
    a.found = false;
    a.at = top;
    a.reason = "even " + top.value + " does not serve it (" + Describe(top) + ")";
    return a;
  }
  std::int64_t bad = lo - 1, good = hi;  // invariant: serves(good); bad < lo or !serves(bad)
  while (good - bad > 1) {
    const std::int64_t mid = bad + (good - bad) / 2;
    TPSIM_ASSIGN_OR_RETURN(TuneCheck c, p.At(mid));
    (c.serves ? good : bad) = mid;
  }
  for (;;) {
    TPSIM_ASSIGN_OR_RETURN(a.at, p.At(good));
    if (good <= lo) {
      a.beyond = p.NotRun(good - 1, below_range);
      break;
    }
    TPSIM_ASSIGN_OR_RETURN(a.beyond, p.At(good - 1));
    if (!a.beyond.serves) break;
    --good;  // not monotone here: walk down until the step beyond fails
  }
  a.found = true;
  a.value = static_cast<double>(good);
  a.value_text = a.at.value;
  return a;
}

// Largest v in [lo, hi] with serves(v), given serves(lo); verified at v and v + 1.
StatusOr<TuneAnswer> SearchLargest(Prober& p, std::int64_t lo, std::int64_t hi,
                                   const std::string& above_range) {
  TuneAnswer a;
  TPSIM_ASSIGN_OR_RETURN(TuneCheck bottom, p.At(lo));
  if (!bottom.serves) {
    a.found = false;
    a.at = bottom;
    a.reason = "even " + bottom.value + " does not serve it (" + Describe(bottom) + ")";
    return a;
  }
  std::int64_t good = lo, bad = hi + 1;
  TPSIM_ASSIGN_OR_RETURN(TuneCheck top, p.At(hi));
  if (top.serves) good = hi;
  while (bad - good > 1) {
    const std::int64_t mid = good + (bad - good) / 2;
    TPSIM_ASSIGN_OR_RETURN(TuneCheck c, p.At(mid));
    (c.serves ? good : bad) = mid;
  }
  for (;;) {
    TPSIM_ASSIGN_OR_RETURN(a.at, p.At(good));
    if (good >= hi) {
      a.beyond = p.NotRun(good + 1, above_range);
      a.reason = above_range;
      break;
    }
    TPSIM_ASSIGN_OR_RETURN(a.beyond, p.At(good + 1));
    if (!a.beyond.serves) break;
    ++good;
  }
  a.found = true;
  a.value = static_cast<double>(good);
  a.value_text = a.at.value;
  return a;
}

}  // namespace

StatusOr<TuneCheck> CheckServes(const EngineArgs& args, const ModelConfig& model, const GpuSpec& gpu,
                                const std::string& configs_dir, const TuneTarget& target,
                                ShardPlanCache* plans) {
  TuneCheck c;
  c.ran = true;
  StatusOr<ResolvedConfig> cfg = ResolveWithModel(args, model, gpu, configs_dir);
  if (!cfg.ok()) {
    if (cfg.status().code() == Status::Code::kInternal) return cfg.status();
    c.outcome = "invalid";
    c.error_kind = ErrorKind::kInvalidConfig;
    c.error_message = cfg.status().message();
    return c;
  }
  c.blocks_needed = target.concurrency * CeilDiv(target.context, cfg->block_size);
  RunOptions options;
  options.record_timeline = false;
  options.shard_plans = plans;
  StatusOr<PlanResult> r = RunDeploymentInProcess(*cfg, options);
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kInternal) return r.status();
    c.outcome = "invalid";
    c.error_kind = ErrorKind::kInvalidConfig;
    c.error_message = r.status().message();
    return c;
  }
  c.outcome = r->ok ? "ok" : "error";
  c.error_kind = r->error_kind;
  c.error_message = r->error_message;
  c.num_blocks = r->ok ? r->num_blocks : 0;
  c.concurrency_at_target =
      static_cast<double>(c.num_blocks) / static_cast<double>(CeilDiv(target.context, cfg->block_size));
  Bytes final_used = 0;
  for (const RankReport& k : r->ranks) final_used = std::max(final_used, k.final_used);
  c.final_used_gib = JsonGiB(final_used);
  c.serves = r->ok && c.num_blocks >= c.blocks_needed;
  return c;
}

StatusOr<TuneResult> Tune(const EngineArgs& base_in, const ModelConfig& model, const GpuSpec& gpu,
                          const std::string& configs_dir, const TuneTarget& target) {
  if (target.context < 1) return Status::InvalidArgument("--target-context must be positive");
  if (target.concurrency < 1) return Status::InvalidArgument("--target-concurrency must be positive");
  EngineArgs base = base_in;
  base.max_model_len = target.context;
  TPSIM_ASSIGN_OR_RETURN(ResolvedConfig resolved, ResolveWithModel(base, model, gpu, configs_dir));
  TuneResult out;
  out.model = resolved.model.name;
  out.gpu = resolved.gpu.key;
  out.vllm_version = ToString(resolved.version);
  out.tp = resolved.tp;
  out.gpu_memory_utilization = resolved.gpu_memory_utilization;
  out.block_size = resolved.block_size;
  out.max_position_embeddings = model.max_position_embeddings;
  out.target = target;
  // Later probes keep the base utilization as resolved, so that every question is asked of one
  // deployment.
  base.gpu_memory_utilization = resolved.gpu_memory_utilization;
  ShardPlanCache plans;
  const TuneTarget t = target;

  // 1. Smallest utilization.
  {
    Prober p(
        base, model, gpu, configs_dir, &plans, &out.forward_runs,
        [t](std::int64_t u, EngineArgs* a, TuneTarget* tt) {
          a->gpu_memory_utilization = static_cast<double>(u) / kUtilizationSteps;
          *tt = t;
        },
        [](std::int64_t u) { return Hundredths(static_cast<int>(u)); });
    // Too much is a failure too: above some utilization vLLM refuses to start because the card's
    // free memory at start-up is less than the requested share (insufficient_free_memory), or the
    // KV cache leaves too little headroom for what comes after it (CUDA graphs: oom). "Serves" holds
    // on an interval, so the top of the search is first found by bisection on "not too much", which
    // is monotone in the utilization.
    std::int64_t top = kUtilizationSteps;
    TPSIM_ASSIGN_OR_RETURN(TuneCheck at_top, p.At(top));
    std::string top_kind;
    if (TooMuchMemory(at_top)) {
      top_kind = ErrorKindName(at_top.error_kind);
      std::int64_t accepted = 0, refused = top;
      while (refused - accepted > 1) {
        const std::int64_t mid = accepted + (refused - accepted) / 2;
        TPSIM_ASSIGN_OR_RETURN(TuneCheck c, p.At(mid));
        if (TooMuchMemory(c)) {
          refused = mid;
          top_kind = ErrorKindName(c.error_kind);
        } else {
          accepted = mid;
        }
      }
      top = std::max<std::int64_t>(accepted, 1);
    }
    TPSIM_ASSIGN_OR_RETURN(out.min_utilization,
                           SearchSmallest(p, 1, top, "0.00 is not a utilization"));
    if (top < kUtilizationSteps) {
      const std::string note = "above " + Hundredths(static_cast<int>(top)) + " vLLM fails with " +
                               top_kind + " (too much of the card requested)";
      out.min_utilization.reason += (out.min_utilization.reason.empty() ? "" : "; ") + note;
    }
    out.min_utilization.question = "min_gpu_memory_utilization";
    out.min_utilization.value /= kUtilizationSteps;
  }

  // 2. Longest max_model_len at the target concurrency.
  {
    const std::int64_t limit = model.max_position_embeddings;
    Prober p(
        base, model, gpu, configs_dir, &plans, &out.forward_runs,
        [t](std::int64_t len, EngineArgs* a, TuneTarget* tt) {
          a->max_model_len = len;
          *tt = {len, t.concurrency};
        },
        [](std::int64_t len) { return std::to_string(len); });
    TPSIM_ASSIGN_OR_RETURN(
        out.max_model_len,
        SearchLargest(p, 1, limit,
                      "bounded by the model's max_position_embeddings (" + std::to_string(limit) + ")"));
    out.max_model_len.question = "max_model_len";
  }

  // 3. Largest concurrency at L: one simulation gives the blocks; the answer and one more request are
  // then both checked.
  {
    Prober p(
        base, model, gpu, configs_dir, &plans, &out.forward_runs,
        [t](std::int64_t c, EngineArgs*, TuneTarget* tt) { *tt = {t.context, c}; },
        [](std::int64_t c) { return std::to_string(c); });
    TuneAnswer& a = out.max_concurrency;
    a.question = "max_concurrency";
    TPSIM_ASSIGN_OR_RETURN(TuneCheck one, p.At(1));
    if (!one.serves) {
      a.at = one;
      a.reason = "not even one request of " + std::to_string(t.context) + " tokens (" + Describe(one) +
                 ")";
    } else {
      const std::int64_t cmax = one.num_blocks / CeilDiv(t.context, resolved.block_size);
      TPSIM_ASSIGN_OR_RETURN(a.at, p.At(cmax));
      TPSIM_ASSIGN_OR_RETURN(a.beyond, p.At(cmax + 1));
      a.found = a.at.serves && !a.beyond.serves;
      if (!a.found) return Status::Internal("concurrency check disagrees with the KV block count");
      a.value = static_cast<double>(cmax);
      a.value_text = a.at.value;
      if (cmax > resolved.max_num_seqs) {
        a.reason = "the KV cache holds " + std::to_string(cmax) + " but the scheduler runs at most "
                   "max_num_seqs = " + std::to_string(resolved.max_num_seqs) + " at once";
      }
    }
  }

  // 4. Smallest tensor-parallel size.
  {
    Prober p(
        base, model, gpu, configs_dir, &plans, &out.forward_runs,
        [t](std::int64_t tp, EngineArgs* a, TuneTarget* tt) {
          a->tensor_parallel_size = static_cast<int>(tp);
          *tt = t;
        },
        [](std::int64_t tp) { return std::to_string(tp); });
    TuneAnswer& a = out.min_tp;
    a.question = "min_tensor_parallel_size";
    const TuneCheck* last_allowed_failure = nullptr;
    TuneCheck failure;
    std::vector<std::string> refused;
    for (int tp : kTpCandidates) {
      TPSIM_ASSIGN_OR_RETURN(TuneCheck c, p.At(tp));
      if (c.outcome == "invalid") {
        refused.push_back("tp " + std::to_string(tp) + ": " + c.error_message);
        continue;
      }
      if (c.serves) {
        a.found = true;
        a.value = tp;
        a.value_text = c.value;
        a.at = c;
        a.beyond = last_allowed_failure != nullptr
                       ? *last_allowed_failure
                       : p.NotRun(tp == 1 ? 0 : tp / 2, tp == 1 ? "1 is the smallest size"
                                                                : "no smaller size the model's split allows");
        break;
      }
      failure = c;
      last_allowed_failure = &failure;
    }
    if (!a.found) {
      if (last_allowed_failure != nullptr) a.at = *last_allowed_failure;
      a.reason = "no size in 1, 2, 4, 8 serves it";
    }
    for (const std::string& r : refused) a.reason += (a.reason.empty() ? "" : "; ") + std::string("refused ") + r;
  }
  return out;
}

}  // namespace tpsim
