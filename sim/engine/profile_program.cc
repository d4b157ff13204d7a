#include "sim/engine/profile_program.h"

#include <algorithm>
#include <string>

#include "sim/engine/vllm_policy.h"

namespace tpsim {

namespace {

// A scope of torch tensors freed together (Python references dropped at a function's return).
class Scope {
 public:
  explicit Scope(RankMachine* m) : m_(m) {}
  ~Scope() { Release(); }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  StatusOr<BlockHandle> Alloc(MemCategory cat, const std::string& label, Bytes bytes) {
    TPSIM_ASSIGN_OR_RETURN(BlockHandle h, m_->TorchAlloc(cat, label, bytes));
    handles_.push_back(h);
    return h;
  }
  // Frees one tensor early (Inductor's free-at-last-use, or a rebinding).
  void Drop(BlockHandle h) {
    auto it = std::find(handles_.begin(), handles_.end(), h);
    if (it == handles_.end()) return;
    handles_.erase(it);
    m_->TorchFree(h);
  }
  // Hands a tensor to the caller (it outlives the scope).
  BlockHandle Keep(BlockHandle h) {
    handles_.erase(std::find(handles_.begin(), handles_.end(), h));
    return h;
  }
  void Release() {
    for (auto it = handles_.rbegin(); it != handles_.rend(); ++it) m_->TorchFree(*it);
    handles_.clear();
  }

 private:
  RankMachine* m_;
  std::vector<BlockHandle> handles_;
};

bool DequantisesWholeWeight(const ResolvedConfig& cfg, std::int64_t tokens) {
  return cfg.linear == LinearMethod::kAwq && tokens >= 256;  // AWQLinearMethod.apply
}

}  // namespace

Bytes CublasWorkspaceBytes(int compute_capability) {
  return compute_capability >= 90 ? 32 * kMiB : 8 * kMiB + 128 * kKiB;
}

double ForwardFlops(const ResolvedConfig& cfg, const ShardPlan& plan, std::int64_t tokens) {
  double weights = 0;
  for (const LinearShard& ls : plan.linears) {
    weights += static_cast<double>(ls.in_features) * static_cast<double>(ls.out_features);
  }
  const double attn = 2.0 * static_cast<double>(plan.q_heads_per_rank * cfg.model.head_dim) *
                      static_cast<double>(tokens) * static_cast<double>(cfg.model.num_layers);
  return 2.0 * weights * static_cast<double>(tokens) + attn * static_cast<double>(tokens) / 2;
}

Status EmitForward(const ResolvedConfig& cfg, const ShardPlan& plan, std::int64_t tokens,
                   bool compiled, RankMachine* m, BlockHandle* hidden,
                   std::vector<BlockHandle>* persistent) {
  const Bytes b = DTypeBytes(cfg.dtype);
  const Bytes row = cfg.model.hidden_size * b;
  const bool tp_gt1 = cfg.tp > 1;
  const auto act = MemCategory::kActivations;
  if (persistent->empty()) {
    TPSIM_ASSIGN_OR_RETURN(BlockHandle ws,
                           m->TorchAlloc(act, "cuBLAS workspace",
                                         CublasWorkspaceBytes(cfg.gpu.compute_capability())));
    persistent->push_back(ws);
  }
  // An all-reduce is out of place: a new [T, H] tensor replaces its input.
  auto all_reduce = [&](BlockHandle in, const std::string& what) -> StatusOr<BlockHandle> {
    if (!tp_gt1) return in;
    TPSIM_ASSIGN_OR_RETURN(BlockHandle out, m->TorchAlloc(act, what + " all-reduce", tokens * row));
    m->Collective("all_reduce " + what, tokens * row);
    m->TorchFree(in);
    return out;
  };
  auto linear = [&](const LinearShard& ls) -> StatusOr<BlockHandle> {
    BlockHandle dq = 0;
    if (ls.quantized && DequantisesWholeWeight(cfg, tokens)) {
      TPSIM_ASSIGN_OR_RETURN(dq, m->TorchAlloc(act, ls.name + " dequantised",
                                               ls.in_features * ls.out_features * 2));
    }
    auto out = m->TorchAlloc(act, ls.name + " out", tokens * ls.out_features * b);
    if (dq != 0) m->TorchFree(dq);
    return out;
  };

  // VocabParallelEmbedding: masked lookup, then all-reduce at tp > 1.
  TPSIM_ASSIGN_OR_RETURN(BlockHandle x, m->TorchAlloc(act, "embed_tokens out", tokens * row));
  TPSIM_ASSIGN_OR_RETURN(x, all_reduce(x, "embed_tokens"));
  BlockHandle residual = 0;
  const Bytes q_bytes = tokens * plan.q_heads_per_rank * cfg.model.head_dim * b;
  const Bytes kv_bytes = tokens * plan.kv_heads_per_rank * cfg.model.head_dim * b;
  const std::size_t per_layer = plan.linears.size() / static_cast<std::size_t>(cfg.model.num_layers);
  for (std::int64_t layer = 0; layer < cfg.model.num_layers; ++layer) {
    const LinearShard* lin = &plan.linears[static_cast<std::size_t>(layer) * per_layer];
    // input_layernorm: layer 0 keeps x as the residual and writes a new tensor; later layers use
    // fused_add_rms_norm in place on x and the residual.
    BlockHandle normed = x;
    const bool first = residual == 0;
    if (first) {
      residual = x;
      TPSIM_ASSIGN_OR_RETURN(normed, m->TorchAlloc(act, "input_layernorm out", tokens * row));
    }
    TPSIM_ASSIGN_OR_RETURN(BlockHandle qkv, linear(lin[0]));
    if (compiled) {  // the normed input is dead after qkv_proj
      if (normed != residual) m->TorchFree(normed);
      if (normed == x) x = 0;
      normed = 0;
    }
    BlockHandle qn = 0, kn = 0;
    if (cfg.model.qk_norm) {
      TPSIM_ASSIGN_OR_RETURN(qn, m->TorchAlloc(act, "q_norm out", q_bytes));
      TPSIM_ASSIGN_OR_RETURN(kn, m->TorchAlloc(act, "k_norm out", kv_bytes));
    }
    TPSIM_ASSIGN_OR_RETURN(BlockHandle ao, m->TorchAlloc(act, "attention out", q_bytes));
    m->TorchFree(qkv);
    if (qn != 0) m->TorchFree(qn);
    if (kn != 0) m->TorchFree(kn);
    BlockHandle ao_live = ao;
    TPSIM_ASSIGN_OR_RETURN(BlockHandle o, linear(lin[1]));
    if (compiled) m->TorchFree(ao), ao_live = 0;
    TPSIM_ASSIGN_OR_RETURN(o, all_reduce(o, "o_proj"));
    if (ao_live != 0) m->TorchFree(ao_live);  // Qwen3Attention.forward returns
    // post_attention_layernorm: fused in place on o and the residual. MLP:
    TPSIM_ASSIGN_OR_RETURN(BlockHandle gu, linear(lin[2]));
    if (compiled) m->TorchFree(o), o = 0;
    TPSIM_ASSIGN_OR_RETURN(BlockHandle a, m->TorchAlloc(act, "silu_and_mul out",
                                                        tokens * lin[3].in_features * b));
    if (compiled) m->TorchFree(gu), gu = 0;
    TPSIM_ASSIGN_OR_RETURN(BlockHandle d, linear(lin[3]));
    if (compiled) m->TorchFree(a), a = 0;
    TPSIM_ASSIGN_OR_RETURN(d, all_reduce(d, "down_proj"));
    // The MLP and the layer return: their locals die, the caller rebinds x to the layer's output.
    for (BlockHandle dead : {gu, a, o}) {
      if (dead != 0) m->TorchFree(dead);
    }
    if (normed != 0 && normed != x && normed != residual) m->TorchFree(normed);
    if (x != 0 && x != residual) m->TorchFree(x);
    x = d;
  }
  // model.norm is fused in place; the residual dies when the model's forward returns.
  if (residual != 0 && residual != x) m->TorchFree(residual);
  *hidden = x;
  return Status::Ok();
}

Status EmitSampler(const ResolvedConfig& cfg, const ShardPlan& plan, std::int64_t rows,
                   RankMachine* m) {
  Scope s(m);
  const std::int64_t vp = plan.vocab_padded;
  const std::int64_t v = cfg.model.vocab_size;
  const int b = DTypeBytes(cfg.dtype);
  const VllmPolicy& policy = PolicyFor(cfg);
  TPSIM_RETURN_IF_ERROR(
      s.Alloc(MemCategory::kSampler, "last hidden states", rows * cfg.model.hidden_size * b).status());
  TPSIM_ASSIGN_OR_RETURN(BlockHandle local,
                         s.Alloc(MemCategory::kSampler, "logits (local shard)", rows * plan.vocab_per_rank * b));
  if (cfg.tp > 1) {
    // tensor_model_parallel_all_gather: [tp, N, V/tp] buffer, then movedim + reshape copies to [N, V].
    TPSIM_ASSIGN_OR_RETURN(BlockHandle buf, s.Alloc(MemCategory::kSampler, "all-gather buffer", rows * vp * b));
    m->Collective("all_gather logits", rows * vp * b);
    TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "logits (gathered)", rows * vp * b).status());
    s.Drop(buf);
    s.Drop(local);
  }
  TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "logits float32", rows * v * 4).status());
  TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "greedy argmax", rows * 8).status());
  const SamplerPath path = policy.SamplerPathFor(cfg.version, rows);
  if (path == SamplerPath::kSort) {
    Scope sort(m);
    TPSIM_RETURN_IF_ERROR(sort.Alloc(MemCategory::kSampler, "sorted logits", rows * v * 4).status());
    TPSIM_RETURN_IF_ERROR(sort.Alloc(MemCategory::kSampler, "sort indices", rows * v * 8).status());
    TPSIM_RETURN_IF_ERROR(sort.Alloc(MemCategory::kSampler, "probs_sort", rows * v * 4).status());
    TPSIM_RETURN_IF_ERROR(sort.Alloc(MemCategory::kSampler, "top-p mask", rows * v).status());
    TPSIM_RETURN_IF_ERROR(sort.Alloc(MemCategory::kSampler, "scatter back", rows * v * 4).status());
  } else if (path == SamplerPath::kFlashInfer) {
    // top_k_top_p_sampling_from_logits: top-k masked logits and their softmax, then a sampling kernel.
    TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "flashinfer masked logits", rows * v * 4).status());
    TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "flashinfer probs", rows * v * 4).status());
    return Status::Ok();
  }
  TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "probs float32", rows * v * 4).status());
  if (policy.SamplerComputesLogprobs()) {
    TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "logprobs float32", rows * v * 4).status());
  }
  TPSIM_RETURN_IF_ERROR(s.Alloc(MemCategory::kSampler, "exponential q", rows * v * 4).status());
  return Status::Ok();
}

}  // namespace tpsim
