// DecoderLayer (kernels/cuda/decoder_layer.h): its shapes from a rank's plan (no device needed), and on
// a GPU a decode step that stays finite and repeats bit for bit with the same seed.
#include "kernels/cuda/decoder_layer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cuda/device_buffer.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "tests/gpu/gpu_test_util.h"

namespace tpsim {
namespace {

struct Fixture {
  ResolvedConfig cfg;
  ShardPlan plan;
};

Fixture Qwen3_32B_Awq(int tp) {
  EngineArgs a;
  a.tensor_parallel_size = tp;
  a.max_model_len = 4096;
  auto cfg = ResolveEngineArgs(a, DefaultConfigsDir());
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  ShardOptions so;
  so.tp = tp;
  so.rank = tp - 1;
  so.model_dtype = cfg->dtype;
  so.linear = cfg->linear;
  auto plan = BuildShardPlan(cfg->model, so);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return {*cfg, *plan};
}

TEST(DecoderLayerShapeTest, Qwen3AwqShardShapes) {
  for (int tp : {1, 2, 4, 8}) {
    SCOPED_TRACE(tp);
    const Fixture f = Qwen3_32B_Awq(tp);
    auto s = gpu::DecoderLayerShapeFor(f.cfg, f.plan);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->hidden, 5120);
    EXPECT_EQ(s->q_heads, 64 / tp);
    EXPECT_EQ(s->kv_heads, 8 / tp);
    EXPECT_EQ(s->head_dim, 128);
    EXPECT_EQ(s->qkv_out, (64 / tp + 2 * (8 / tp)) * 128);
    EXPECT_EQ(s->intermediate, 25600 / tp);
    EXPECT_TRUE(s->awq);
    EXPECT_EQ(s->group_size, 128);
    EXPECT_TRUE(s->qk_norm);
    EXPECT_EQ(s->rotary_dim, 128);
    EXPECT_EQ(s->block_size, f.cfg.block_size);
  }
}

TEST(DecoderLayerShapeTest, RejectsAPlanWithoutLayers) {
  const Fixture f = Qwen3_32B_Awq(2);
  ShardPlan empty = f.plan;
  empty.linears.clear();
  EXPECT_EQ(gpu::DecoderLayerShapeFor(f.cfg, empty).status().code(), Status::Code::kInvalidArgument);
}

class DecoderLayerTest : public testing::GpuTest {};

TEST_F(DecoderLayerTest, DecodeStepIsFiniteAndRepeatable) {
  const Fixture f = Qwen3_32B_Awq(8);  // the smallest shard: quick on any card
  auto shape = gpu::DecoderLayerShapeFor(f.cfg, f.plan);
  ASSERT_TRUE(shape.ok());
  gpu::DecoderLayerOptions lo;
  lo.max_seqs = 8;
  lo.context_len = 100;
  lo.seed = 9;
  float first = 0;
  for (int run = 0; run < 2; ++run) {
    auto layer = gpu::DecoderLayer::Create(*shape, lo);
    ASSERT_TRUE(layer.ok()) << layer.status().ToString();
    EXPECT_GT((*layer)->device_bytes(), 0);
    auto stream = gpu::CudaStream::Create();
    ASSERT_TRUE(stream.ok());
    ASSERT_TRUE((*layer)->Forward(lo.max_seqs, stream->get(), nullptr).ok());
    auto max_abs = (*layer)->OutputMaxAbs(lo.max_seqs, stream->get());
    ASSERT_TRUE(max_abs.ok()) << max_abs.status().ToString();
    EXPECT_TRUE(std::isfinite(*max_abs));
    EXPECT_GT(*max_abs, 0.0f);
    if (run == 0) first = *max_abs;
    else EXPECT_EQ(*max_abs, first);  // same seed, same kernels: bit-identical
    EXPECT_EQ((*layer)->Forward(lo.max_seqs + 1, stream->get(), nullptr).code(), Status::Code::kInvalidArgument);
  }
  EXPECT_TRUE(device_->Synchronize().ok());
}

}  // namespace
}  // namespace tpsim
