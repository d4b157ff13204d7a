#include "sim/engine/startup.h"

#include <gtest/gtest.h>

#include "sim/coord/deployment.h"
#include "sim/device/sim_device.h"
#include "sim/model/model_config.h"
#include "topology/comm_memory.h"

namespace tpsim {
namespace {

ResolvedConfig Resolve(int tp, const char* version, bool eager = false) {
  EngineArgs a;
  a.tensor_parallel_size = tp;
  a.max_model_len = 16384;
  a.vllm_version = version;
  a.enforce_eager = eager;
  auto c = ResolveEngineArgs(a, DefaultConfigsDir());
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

TEST(StartupTest, PhaseCountersAgreeWithTheReport) {
  const ResolvedConfig cfg = Resolve(2, "0.19.0");
  auto r = RunDeploymentInProcess(cfg);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->ok) << r->error_message;
  for (const RankReport& k : r->ranks) {
    Bytes allocated_before_load = -1, allocated_end_of_load = -1;
    Bytes prev_used = 0;
    for (const TimelineEvent& e : k.timeline.events) {
      for (Bytes b : e.by_category) EXPECT_GE(b, 0) << e.label;
      EXPECT_GE(e.reserved, e.allocated);
      if (e.phase == "model_runner_init") allocated_before_load = e.allocated;
      if (e.phase == "load_model") allocated_end_of_load = e.allocated;
      prev_used = e.device_used;
    }
    // torch allocated bytes across load_model = "Model loading took"
    EXPECT_EQ(allocated_end_of_load - allocated_before_load, k.weights);
    EXPECT_EQ(prev_used, k.final_used);
    EXPECT_EQ(k.kv_cache, r->num_blocks * r->page_bytes_per_layer * cfg.model.num_layers);
    EXPECT_LE(k.final_used, k.peak_used);
    EXPECT_LE(k.peak_used, k.total);
    for (std::size_t i = 1; i < k.timeline.phases.size(); ++i) {
      EXPECT_GE(k.timeline.phases[i].begin_s, k.timeline.phases[i - 1].begin_s);
    }
  }
}

TEST(StartupTest, EnforceEagerSkipsGraphsAndUsesTheEagerForward) {
  auto graphs = RunDeploymentInProcess(Resolve(4, "0.19.0", false));
  auto eager = RunDeploymentInProcess(Resolve(4, "0.19.0", true));
  ASSERT_TRUE(graphs.ok() && eager.ok());
  EXPECT_GT(graphs->ranks[0].cudagraph, 0);
  EXPECT_EQ(eager->ranks[0].cudagraph, 0);
  EXPECT_LT(eager->ranks[0].final_used, graphs->ranks[0].final_used);
  // The eager forward keeps more tensors alive than the compiled one.
  EXPECT_GE(eager->ranks[0].activation_peak, graphs->ranks[0].activation_peak);
}

TEST(StartupTest, SnapshotBeforeNcclChargesCommunicationToNonTorch) {
  // 0.10.x takes the init snapshot before distributed init; 0.11 after (PR #25359).
  auto before = RunDeploymentInProcess(Resolve(2, "0.10.2"));
  auto after = RunDeploymentInProcess(Resolve(2, "0.11.0"));
  ASSERT_TRUE(before.ok() && after.ok());
  const RankReport& b = before->ranks[0];
  const RankReport& a = after->ranks[0];
  EXPECT_GT(b.nccl, 0);
  // What distributed init creates outside torch (communicator structures, NCCL's device code) moves
  // into the non-torch increase when the snapshot precedes it.
  const ResolvedConfig cfg = Resolve(2, "0.10.2");
  CommQuery q;
  q.gpu = &cfg.gpu;
  q.topology = &cfg.topology;
  q.tp = 2;
  q.features = cfg.comm_features;
  q.hidden_size = static_cast<int>(cfg.model.hidden_size);
  q.max_num_batched_tokens = static_cast<int>(cfg.max_num_batched_tokens);
  auto plan = PlanCommMemory(q);
  ASSERT_TRUE(plan.ok());
  const Bytes code = ModelContextMemory(cfg.gpu, 2, cfg.comm_features).nccl_code;
  EXPECT_GT(plan->non_torch(CommPhase::kDistributedInit), 0);
  EXPECT_EQ(b.non_torch - a.non_torch, plan->non_torch(CommPhase::kDistributedInit) + code);
}

TEST(StartupTest, RanksAgreeOnTheMinimumNumberOfBlocks) {
  auto r = RunDeploymentInProcess(Resolve(4, "0.19.0"));
  ASSERT_TRUE(r.ok());
  std::int64_t min_local = INT64_MAX;
  for (const RankReport& k : r->ranks) min_local = std::min(min_local, k.num_blocks_local);
  EXPECT_EQ(r->num_blocks, min_local);
  EXPECT_EQ(r->kv_tokens, r->num_blocks * 16);
}

TEST(StartupTest, OutOfMemoryIsAVerdictNotACrash) {
  EngineArgs a;
  a.tensor_parallel_size = 1;
  a.max_model_len = 4096;
  a.gpu_memory_total_gib = 16.0;  // the 18 GiB of weights cannot load
  auto c = ResolveEngineArgs(a, DefaultConfigsDir());
  ASSERT_TRUE(c.ok());
  auto r = RunDeploymentInProcess(*c);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error_kind, ErrorKind::kOom);
  EXPECT_NE(r->error_message.find("CUDA out of memory"), std::string::npos);
}

}  // namespace
}  // namespace tpsim
