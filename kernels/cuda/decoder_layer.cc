#include "kernels/cuda/decoder_layer.h"

#include <algorithm>
#include <cmath>

#include "kernels/cuda/half.h"

namespace tpsim::gpu {

namespace {

const LinearShard* FindLinear(const ShardPlan& plan, const std::string& name) {
  for (const LinearShard& l : plan.linears) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

// Fills `n` halves uniform in [-a, a).
Status FillSymmetric(DeviceBuffer& b, std::int64_t n, float a, std::uint64_t seed) {
  return FillUniformF16(b.as<std::uint16_t>(), n, -a, a, seed);
}

}  // namespace

StatusOr<DecoderLayerShape> DecoderLayerShapeFor(const ResolvedConfig& cfg, const ShardPlan& plan) {
  const LinearShard* qkv = FindLinear(plan, "model.layers.0.self_attn.qkv_proj");
  const LinearShard* o = FindLinear(plan, "model.layers.0.self_attn.o_proj");
  const LinearShard* gate_up = FindLinear(plan, "model.layers.0.mlp.gate_up_proj");
  const LinearShard* down = FindLinear(plan, "model.layers.0.mlp.down_proj");
  if (qkv == nullptr || o == nullptr || gate_up == nullptr || down == nullptr) {
    return Status::InvalidArgument("the plan has no layer 0 with qkv/o/gate_up/down projections");
  }
  DecoderLayerShape s;
  s.hidden = cfg.model.hidden_size;
  s.q_heads = plan.q_heads_per_rank;
  s.kv_heads = plan.kv_heads_per_rank;
  s.head_dim = cfg.model.head_dim;
  s.qkv_out = qkv->out_features;
  s.intermediate = gate_up->out_features / 2;
  s.awq = qkv->quantized &&
          (cfg.linear == LinearMethod::kAwq || cfg.linear == LinearMethod::kAwqMarlin);
  s.group_size = cfg.model.quant.group_size > 0 ? cfg.model.quant.group_size : s.hidden;
  s.qk_norm = cfg.model.qk_norm;
  s.rotary_dim = static_cast<int>(cfg.model.rotary_dim());
  s.rope_theta = cfg.model.rope_theta;
  s.rms_eps = static_cast<float>(cfg.model.rms_norm_eps);
  s.block_size = cfg.block_size;
  if (s.qkv_out != (s.q_heads + 2 * s.kv_heads) * s.head_dim || o->in_features != s.q_heads * s.head_dim ||
      down->in_features != s.intermediate) {
    return Status::InvalidArgument("layer 0's projections do not match the plan's head counts");
  }
  if (s.head_dim > 256 || s.rotary_dim <= 0 || s.rotary_dim % 2 != 0 || s.rotary_dim > s.head_dim) {
    return Status::InvalidArgument("the layer kernels take head_dim <= 256 and an even rotary dim");
  }
  if (s.awq) {
    for (const LinearShard* l : {qkv, o, gate_up, down}) {
      if (l->in_features % s.group_size != 0 || l->out_features % 8 != 0) {
        return Status::InvalidArgument(l->name + ": K not a multiple of the AWQ group or N of 8");
      }
    }
  }
  return s;
}

Status DecoderLayer::AllocateLinear(Linear* l, std::int64_t k, std::int64_t n, std::uint64_t seed) {
  l->k = k;
  l->n = n;
  const bool fill = options_.fill;
  if (shape_.awq) {
    const std::int64_t groups = k / shape_.group_size;
    TPSIM_ASSIGN_OR_RETURN(l->qweight, DeviceBuffer::Allocate(k * (n / 8) * 4));
    TPSIM_ASSIGN_OR_RETURN(l->qzeros, DeviceBuffer::Allocate(groups * (n / 8) * 4));
    TPSIM_ASSIGN_OR_RETURN(l->scales, DeviceBuffer::Allocate(groups * n * 2));
    if (fill) {
      TPSIM_RETURN_IF_ERROR(FillRandomBits(l->qweight.data(), l->qweight.size(), seed));
      TPSIM_RETURN_IF_ERROR(FillRandomBits(l->qzeros.data(), l->qzeros.size(), seed + 1));
      // (q - z) has variance ~42.5 for uniform nibbles: scales ~ 1/sqrt(42.5 K) keep |y| ~ |x|.
      const float s = 1.0f / std::sqrt(42.5f * static_cast<float>(k));
      TPSIM_RETURN_IF_ERROR(FillUniformF16(l->scales.as<std::uint16_t>(), groups * n, 0.5f * s, 1.5f * s, seed + 2));
    }
  } else {
    TPSIM_ASSIGN_OR_RETURN(l->weight, DeviceBuffer::Allocate(n * k * 2));
    if (fill) TPSIM_RETURN_IF_ERROR(FillSymmetric(l->weight, n * k, std::sqrt(3.0f / static_cast<float>(k)), seed));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<DecoderLayer>> DecoderLayer::Create(const DecoderLayerShape& shape,
                                                            const DecoderLayerOptions& options) {
  if (options.max_seqs <= 0 || options.context_len <= 0 || shape.block_size <= 0) {
    return Status::InvalidArgument("DecoderLayer: max_seqs, context_len and block_size must be positive");
  }
  std::unique_ptr<DecoderLayer> l(new DecoderLayer(shape, options));
  const std::uint64_t seed = options.seed;
  const std::int64_t h = shape.hidden, hd = shape.head_dim, s = options.max_seqs;
  TPSIM_RETURN_IF_ERROR(l->AllocateLinear(&l->qkv_, h, shape.qkv_out, seed * 100 + 1));
  TPSIM_RETURN_IF_ERROR(l->AllocateLinear(&l->o_, shape.q_heads * hd, h, seed * 100 + 11));
  TPSIM_RETURN_IF_ERROR(l->AllocateLinear(&l->gate_up_, h, 2 * shape.intermediate, seed * 100 + 21));
  TPSIM_RETURN_IF_ERROR(l->AllocateLinear(&l->down_, shape.intermediate, h, seed * 100 + 31));
  TPSIM_ASSIGN_OR_RETURN(l->input_norm_, DeviceBuffer::Allocate(h * 2));
  TPSIM_ASSIGN_OR_RETURN(l->post_norm_, DeviceBuffer::Allocate(h * 2));
  TPSIM_ASSIGN_OR_RETURN(l->q_norm_, DeviceBuffer::Allocate(hd * 2));
  TPSIM_ASSIGN_OR_RETURN(l->k_norm_, DeviceBuffer::Allocate(hd * 2));

  // Rotary cache for the positions a sequence of context_len tokens uses.
  TPSIM_ASSIGN_OR_RETURN(l->rope_cache_, DeviceBuffer::Allocate(options.context_len * shape.rotary_dim * 4));
  TPSIM_RETURN_IF_ERROR(
      BuildRopeCache(l->rope_cache_.as<float>(), options.context_len, shape.rotary_dim, shape.rope_theta));

  // KV pool: sequence i owns blocks [i * max_blocks, (i + 1) * max_blocks), the newest token at
  // position context_len - 1.
  l->max_blocks_per_seq_ = static_cast<int>((options.context_len + shape.block_size - 1) / shape.block_size);
  l->num_blocks_ = s * l->max_blocks_per_seq_;
  const std::int64_t cache_elems = l->num_blocks_ * shape.block_size * shape.kv_heads * hd;
  TPSIM_ASSIGN_OR_RETURN(l->kv_pool_, DeviceBuffer::Allocate(2 * cache_elems * 2));
  std::vector<std::int32_t> tables(s * l->max_blocks_per_seq_), lens(s, static_cast<std::int32_t>(options.context_len));
  std::vector<std::int64_t> positions(s, options.context_len - 1), slots(s);
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(tables.size()); ++i) tables[i] = static_cast<std::int32_t>(i);
  const std::int64_t last = options.context_len - 1;
  for (std::int64_t i = 0; i < s; ++i) {
    slots[i] = static_cast<std::int64_t>(tables[i * l->max_blocks_per_seq_ + last / shape.block_size]) * shape.block_size +
               last % shape.block_size;
  }
  TPSIM_ASSIGN_OR_RETURN(l->block_tables_, DeviceBuffer::FromHost(tables));
  TPSIM_ASSIGN_OR_RETURN(l->seq_lens_, DeviceBuffer::FromHost(lens));
  TPSIM_ASSIGN_OR_RETURN(l->positions_, DeviceBuffer::FromHost(positions));
  TPSIM_ASSIGN_OR_RETURN(l->slot_mapping_, DeviceBuffer::FromHost(slots));

  TPSIM_ASSIGN_OR_RETURN(l->hidden_, DeviceBuffer::Allocate(s * h * 2));
  TPSIM_ASSIGN_OR_RETURN(l->residual_, DeviceBuffer::Allocate(s * h * 2));
  TPSIM_ASSIGN_OR_RETURN(l->qkv_buf_, DeviceBuffer::Allocate(s * shape.qkv_out * 2));
  TPSIM_ASSIGN_OR_RETURN(l->attn_, DeviceBuffer::Allocate(s * shape.q_heads * hd * 2));
  TPSIM_ASSIGN_OR_RETURN(l->gate_up_buf_, DeviceBuffer::Allocate(s * 2 * shape.intermediate * 2));
  TPSIM_ASSIGN_OR_RETURN(l->act_, DeviceBuffer::Allocate(s * shape.intermediate * 2));

  if (options.fill) {
    for (DeviceBuffer* norm : {&l->input_norm_, &l->post_norm_, &l->q_norm_, &l->k_norm_}) {
      TPSIM_RETURN_IF_ERROR(FillUniformF16(norm->as<std::uint16_t>(), norm->size() / 2, 0.9f, 1.1f, seed + norm->size()));
    }
    TPSIM_RETURN_IF_ERROR(FillSymmetric(l->kv_pool_, 2 * cache_elems, 1.0f, seed * 100 + 41));
    TPSIM_RETURN_IF_ERROR(FillSymmetric(l->hidden_, s * h, 1.0f, seed * 100 + 42));
    TPSIM_RETURN_IF_ERROR(FillSymmetric(l->residual_, s * h, 1.0f, seed * 100 + 43));
  }
  TPSIM_RETURN_IF_ERROR(SynchronizeCurrentDevice());
  return l;
}

Status DecoderLayer::RunLinear(const Linear& l, const std::uint16_t* x, std::int64_t m, std::uint16_t* y,
                               void* stream) const {
  if (shape_.awq) {
    const AwqWeight w{l.qweight.as<std::int32_t>(), l.qzeros.as<std::int32_t>(), l.scales.as<std::uint16_t>(),
                      l.k, l.n, shape_.group_size};
    return AwqGemm(x, m, w, y, stream);
  }
  return GemmF16(x, l.weight.as<std::uint16_t>(), m, l.k, l.n, y, stream);
}

Status DecoderLayer::Forward(std::int64_t seqs, void* stream, NcclCommunicator* comm) {
  if (seqs <= 0 || seqs > options_.max_seqs) return Status::InvalidArgument("DecoderLayer: batch out of range");
  const DecoderLayerShape& s = shape_;
  const std::int64_t h = s.hidden, hd = s.head_dim;
  std::uint16_t* x = hidden_.as<std::uint16_t>();
  std::uint16_t* qkv = qkv_buf_.as<std::uint16_t>();
  std::uint16_t* q = qkv;
  std::uint16_t* k = qkv + s.q_heads * hd;
  std::uint16_t* v = qkv + (s.q_heads + s.kv_heads) * hd;
  const std::int64_t cache_elems = num_blocks_ * s.block_size * s.kv_heads * hd;
  const PagedKvCache cache{kv_pool_.as<std::uint16_t>(), kv_pool_.as<std::uint16_t>() + cache_elems, num_blocks_,
                           s.block_size, static_cast<int>(s.kv_heads), static_cast<int>(hd)};

  // Attention block.
  TPSIM_RETURN_IF_ERROR(FusedAddRmsNorm(x, residual_.as<std::uint16_t>(), input_norm_.as<std::uint16_t>(), seqs, h,
                                        s.rms_eps, stream));
  TPSIM_RETURN_IF_ERROR(RunLinear(qkv_, x, seqs, qkv, stream));
  if (s.qk_norm) {
    TPSIM_RETURN_IF_ERROR(RmsNorm(q, q, q_norm_.as<std::uint16_t>(), {seqs, s.q_heads, hd, s.qkv_out, s.qkv_out},
                                  s.rms_eps, stream));
    TPSIM_RETURN_IF_ERROR(RmsNorm(k, k, k_norm_.as<std::uint16_t>(), {seqs, s.kv_heads, hd, s.qkv_out, s.qkv_out},
                                  s.rms_eps, stream));
  }
  RotaryArgs rope;
  rope.positions = positions_.as<std::int64_t>();
  rope.q = q;
  rope.q_token_stride = s.qkv_out;
  rope.num_q_heads = static_cast<int>(s.q_heads);
  rope.k = k;
  rope.k_token_stride = s.qkv_out;
  rope.num_kv_heads = static_cast<int>(s.kv_heads);
  rope.head_dim = static_cast<int>(hd);
  rope.rotary_dim = s.rotary_dim;
  rope.cos_sin_cache = rope_cache_.as<float>();
  rope.tokens = seqs;
  TPSIM_RETURN_IF_ERROR(RotaryNeox(rope, stream));
  TPSIM_RETURN_IF_ERROR(WriteKvCache(k, v, s.qkv_out, slot_mapping_.as<std::int64_t>(), seqs, cache, stream));
  DecodeAttentionArgs attn;
  attn.q = q;
  attn.q_token_stride = s.qkv_out;
  attn.num_q_heads = static_cast<int>(s.q_heads);
  attn.block_tables = block_tables_.as<std::int32_t>();
  attn.max_blocks_per_seq = max_blocks_per_seq_;
  attn.seq_lens = seq_lens_.as<std::int32_t>();
  attn.num_seqs = seqs;
  attn.scale = 1.0f / std::sqrt(static_cast<float>(hd));
  attn.out = attn_.as<std::uint16_t>();
  TPSIM_RETURN_IF_ERROR(PagedDecodeAttention(attn, cache, stream));
  TPSIM_RETURN_IF_ERROR(RunLinear(o_, attn_.as<std::uint16_t>(), seqs, x, stream));
  if (comm != nullptr) TPSIM_RETURN_IF_ERROR(comm->AllReduceSum(x, x, seqs * h, DType::kF16, stream));

  // MLP block.
  TPSIM_RETURN_IF_ERROR(FusedAddRmsNorm(x, residual_.as<std::uint16_t>(), post_norm_.as<std::uint16_t>(), seqs, h,
                                        s.rms_eps, stream));
  TPSIM_RETURN_IF_ERROR(RunLinear(gate_up_, x, seqs, gate_up_buf_.as<std::uint16_t>(), stream));
  TPSIM_RETURN_IF_ERROR(SiluAndMul(gate_up_buf_.as<std::uint16_t>(), act_.as<std::uint16_t>(), seqs, s.intermediate, stream));
  TPSIM_RETURN_IF_ERROR(RunLinear(down_, act_.as<std::uint16_t>(), seqs, x, stream));
  if (comm != nullptr) TPSIM_RETURN_IF_ERROR(comm->AllReduceSum(x, x, seqs * h, DType::kF16, stream));
  return Status::Ok();
}

StatusOr<float> DecoderLayer::OutputMaxAbs(std::int64_t seqs, void* stream) const {
  if (seqs <= 0 || seqs > options_.max_seqs) return Status::InvalidArgument("DecoderLayer: batch out of range");
  TPSIM_RETURN_IF_ERROR(SynchronizeStream(stream));
  std::vector<std::uint16_t> host(seqs * shape_.hidden);
  TPSIM_RETURN_IF_ERROR(hidden_.Download(host.data(), static_cast<Bytes>(host.size() * 2)));
  float worst = 0.0f;
  for (std::uint16_t bits : host) {
    const float v = HalfBitsToFloat(bits);
    if (!std::isfinite(v)) return v;
    worst = std::max(worst, std::fabs(v));
  }
  return worst;
}

Bytes DecoderLayer::device_bytes() const {
  Bytes total = 0;
  for (const Linear* l : {&qkv_, &o_, &gate_up_, &down_}) {
    total += l->qweight.size() + l->qzeros.size() + l->scales.size() + l->weight.size();
  }
  for (const DeviceBuffer* b : {&input_norm_, &post_norm_, &q_norm_, &k_norm_, &rope_cache_, &kv_pool_, &block_tables_,
                                &seq_lens_, &positions_, &slot_mapping_, &hidden_, &residual_, &qkv_buf_, &attn_,
                                &gate_up_buf_, &act_}) {
    total += b->size();
  }
  return total;
}

}  // namespace tpsim::gpu
