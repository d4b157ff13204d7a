// DecoderLayer: one Qwen3-style decoder layer of a tensor-parallel rank's shard on the GPU, with
// random weights of the shard's real shapes, run as vLLM's decode step runs it: fused add + RMSNorm,
// qkv projection (AWQ GEMM or fp16 GEMM), Qwen3's per-head q/k RMSNorm, neox rotary, the paged KV-cache
// write, decode attention over the paged pool, o projection, all-reduce, fused add + RMSNorm, gate_up
// projection, SiLU-and-mul, down projection, all-reduce. `tpsim measure` runs it in the profile phase
// (the kernels' first launches load their modules, which is device memory vLLM sees as non-torch) and
// captures it into CUDA graphs. Plain C++ (no CUDA header); buffers come from cudaMalloc on the
// current device and are freed with the layer.
#ifndef TPSIM_KERNELS_CUDA_DECODER_LAYER_H_
#define TPSIM_KERNELS_CUDA_DECODER_LAYER_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/layer_kernels.h"
#include "kernels/cuda/nccl_communicator.h"
#include "sim/base/status_or.h"
#include "sim/engine/resolved_config.h"
#include "sim/shard/shard_plan.h"

namespace tpsim::gpu {

// Per-rank shapes of the layer.
struct DecoderLayerShape {
  std::int64_t hidden = 0;
  std::int64_t q_heads = 0;        // per rank
  std::int64_t kv_heads = 0;       // per rank, after replication
  std::int64_t head_dim = 0;
  std::int64_t qkv_out = 0;        // (q_heads + 2 kv_heads) * head_dim
  std::int64_t intermediate = 0;   // per rank
  bool awq = false;                // AWQ 4-bit linears; otherwise fp16 [N, K] weights
  std::int64_t group_size = 128;
  bool qk_norm = false;            // Qwen3 q_norm / k_norm
  int rotary_dim = 0;
  double rope_theta = 10000.0;
  float rms_eps = 1e-6f;
  int block_size = 16;
};

// Layer 0 of the rank's plan. AWQ (plain or Marlin) checkpoints run the AWQ kernels; every other
// method runs fp16 weights of the same [K, N] (noted by the caller). InvalidArgument when the shapes
// are outside what the kernels take (head_dim > 256, odd rotary dim, K not a multiple of the group).
StatusOr<DecoderLayerShape> DecoderLayerShapeFor(const ResolvedConfig& cfg, const ShardPlan& plan);

struct DecoderLayerOptions {
  std::int64_t max_seqs = 64;      // decode batch the buffers hold (one token per sequence)
  std::int64_t context_len = 512;  // tokens per sequence in the KV pool, the new one included
  bool fill = true;                // random weights, inputs and past keys/values (false: capture only)
  std::uint64_t seed = 1;
};

class DecoderLayer {
 public:
  // Kernel launches of one Forward without communicator (all-reduces not counted).
  static constexpr int kKernelsWithQkNorm = 12;

  static StatusOr<std::unique_ptr<DecoderLayer>> Create(const DecoderLayerShape& shape,
                                                        const DecoderLayerOptions& options);

  // One decode step of `seqs` (1..max_seqs) sequences, enqueued on `stream` (a cudaStream_t); the two
  // all-reduces go through `comm` when it is given (tensor-parallel ranks). Launches only: no
  // allocation and no synchronisation, so it may be captured into a CUDA graph.
  Status Forward(std::int64_t seqs, void* stream, NcclCommunicator* comm);
  // Kernels one Forward launches.
  int kernels_per_forward() const { return shape_.qk_norm ? kKernelsWithQkNorm : kKernelsWithQkNorm - 2; }
  // max |hidden state| of the first `seqs` sequences after the last Forward (waits for `stream`); NaN
  // or infinity when the arithmetic broke.
  StatusOr<float> OutputMaxAbs(std::int64_t seqs, void* stream) const;
  // Device bytes of the layer's buffers.
  Bytes device_bytes() const;
  const DecoderLayerShape& shape() const { return shape_; }
  const DecoderLayerOptions& options() const { return options_; }

 private:
  struct Linear {
    std::int64_t k = 0, n = 0;
    DeviceBuffer qweight, qzeros, scales;  // AWQ
    DeviceBuffer weight;                   // fp16 [n, k]
  };
  DecoderLayer(const DecoderLayerShape& shape, const DecoderLayerOptions& options)
      : shape_(shape), options_(options) {}
  Status AllocateLinear(Linear* l, std::int64_t k, std::int64_t n, std::uint64_t seed);
  Status RunLinear(const Linear& l, const std::uint16_t* x, std::int64_t m, std::uint16_t* y, void* stream) const;

  DecoderLayerShape shape_;
  DecoderLayerOptions options_;
  Linear qkv_, o_, gate_up_, down_;
  DeviceBuffer input_norm_, post_norm_, q_norm_, k_norm_;
  DeviceBuffer rope_cache_;
  DeviceBuffer kv_pool_;  // key cache then value cache
  std::int64_t num_blocks_ = 0;
  int max_blocks_per_seq_ = 0;
  DeviceBuffer block_tables_, seq_lens_, positions_, slot_mapping_;
  DeviceBuffer hidden_, residual_, qkv_buf_, attn_, gate_up_buf_, act_;
};

}  // namespace tpsim::gpu

#endif  // TPSIM_KERNELS_CUDA_DECODER_LAYER_H_
