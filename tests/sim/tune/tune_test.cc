// Tune's answers against forward runs made independently of it: the plan path (ResolveEngineArgs +
// RunDeploymentInProcess with the default options: timelines on, no shard-plan cache) must find that
// each answer serves the target and that one step beyond does not.
#include "sim/tune/tune.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"

namespace tpsim {
namespace {

struct Loaded {
  ModelConfig model;
  GpuSpec gpu;
};

Loaded Load() {
  auto m = LoadModelConfig("Qwen/Qwen3-32B-AWQ", DefaultConfigsDir());
  auto g = LoadGpuSpec("rtx4090", DefaultConfigsDir());
  EXPECT_TRUE(m.ok() && g.ok());
  return {*m, *g};
}

// Serves = vLLM starts and num_blocks >= C x ceil(L / block_size), judged from a plain plan.
bool ServesByPlan(EngineArgs a, std::int64_t context, std::int64_t concurrency) {
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(a, DefaultConfigsDir());
  if (!cfg.ok()) return false;
  StatusOr<PlanResult> r = RunDeploymentInProcess(*cfg);
  if (!r.ok()) return false;
  return r->ok && r->num_blocks >= concurrency * ((context + cfg->block_size - 1) / cfg->block_size);
}

struct Case {
  int tp;
  std::int64_t context;
  std::int64_t concurrency;
};

class TuneConsistencyTest : public ::testing::TestWithParam<Case> {};

TEST_P(TuneConsistencyTest, AnswersServeAndOneStepBeyondDoesNot) {
  const Case c = GetParam();
  const Loaded l = Load();
  EngineArgs base;
  base.tensor_parallel_size = c.tp;
  auto r = Tune(base, l.model, l.gpu, DefaultConfigsDir(), {c.context, c.concurrency});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->forward_runs, 4);

  // 1. Smallest utilization, to 0.01.
  const TuneAnswer& u = r->min_utilization;
  if (u.found) {
    EngineArgs a = base;
    a.max_model_len = c.context;
    a.gpu_memory_utilization = u.value;
    EXPECT_TRUE(ServesByPlan(a, c.context, c.concurrency)) << u.value_text;
    EXPECT_TRUE(u.at.serves);
    if (u.value > 0.015) {
      a.gpu_memory_utilization = std::round(u.value * 100 - 1) / 100;
      EXPECT_FALSE(ServesByPlan(a, c.context, c.concurrency)) << *a.gpu_memory_utilization;
      EXPECT_TRUE(u.beyond.ran);
      EXPECT_FALSE(u.beyond.serves);
    }
  } else {
    // Not found: no utilization in 0.01 .. 1.00 serves it.
    for (int step = 1; step <= 100; step += 7) {
      EngineArgs a = base;
      a.max_model_len = c.context;
      a.gpu_memory_utilization = step / 100.0;
      EXPECT_FALSE(ServesByPlan(a, c.context, c.concurrency)) << step;
    }
  }

  // 2. Longest max_model_len at the target concurrency.
  const TuneAnswer& len = r->max_model_len;
  ASSERT_TRUE(len.found);
  const auto l_ans = static_cast<std::int64_t>(len.value);
  EngineArgs a = base;
  a.max_model_len = l_ans;
  EXPECT_TRUE(ServesByPlan(a, l_ans, c.concurrency));
  if (l_ans < l.model.max_position_embeddings) {
    a.max_model_len = l_ans + 1;
    EXPECT_FALSE(ServesByPlan(a, l_ans + 1, c.concurrency));
    EXPECT_FALSE(len.beyond.serves);
  } else {
    EXPECT_FALSE(len.beyond.ran);
    EXPECT_NE(len.beyond.why_not_run.find("max_position_embeddings"), std::string::npos);
  }

  // 3. Largest concurrency at L.
  const TuneAnswer& conc = r->max_concurrency;
  a = base;
  a.max_model_len = c.context;
  if (conc.found) {
    const auto n = static_cast<std::int64_t>(conc.value);
    EXPECT_TRUE(ServesByPlan(a, c.context, n));
    EXPECT_FALSE(ServesByPlan(a, c.context, n + 1));
    EXPECT_EQ(conc.beyond.value, std::to_string(n + 1));
  } else {
    EXPECT_FALSE(ServesByPlan(a, c.context, 1));
  }

  // 4. Smallest tensor-parallel size.
  const TuneAnswer& tp = r->min_tp;
  ASSERT_TRUE(tp.found);
  a = base;
  a.max_model_len = c.context;
  a.tensor_parallel_size = static_cast<int>(tp.value);
  EXPECT_TRUE(ServesByPlan(a, c.context, c.concurrency));
  for (int smaller : {1, 2, 4}) {
    if (smaller >= tp.value) break;
    a.tensor_parallel_size = smaller;
    EXPECT_FALSE(ServesByPlan(a, c.context, c.concurrency)) << "tp " << smaller;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, TuneConsistencyTest,
                         ::testing::Values(Case{4, 32768, 4}, Case{2, 16384, 2}, Case{1, 8192, 1},
                                           Case{1, 32768, 1}));

// Qwen3-32B-AWQ on one RTX 4090 cannot hold one 32,768-token request at any utilization: the
// utilization question has no answer and the smallest size is 2.
TEST(TuneTest, Qwen3_32B_OneCardCannotServe32k) {
  const Loaded l = Load();
  EngineArgs base;
  auto r = Tune(base, l.model, l.gpu, DefaultConfigsDir(), {32768, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->min_utilization.found);
  EXPECT_FALSE(r->min_utilization.reason.empty());
  EXPECT_FALSE(r->max_concurrency.found);
  EXPECT_EQ(r->min_tp.value, 2);
  EXPECT_EQ(r->min_tp.beyond.value, "1");
  EXPECT_FALSE(r->min_tp.beyond.serves);
}

TEST(TuneTest, RejectsTargetsItCannotAnswer) {
  const Loaded l = Load();
  EngineArgs base;
  EXPECT_EQ(Tune(base, l.model, l.gpu, DefaultConfigsDir(), {0, 1}).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(Tune(base, l.model, l.gpu, DefaultConfigsDir(), {8192, 0}).status().code(),
            Status::Code::kInvalidArgument);
  auto too_long = Tune(base, l.model, l.gpu, DefaultConfigsDir(), {l.model.max_position_embeddings + 1, 1});
  EXPECT_EQ(too_long.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("max_model_len"), std::string::npos);
}

// A split the model refuses (3 does not divide 64 heads) is an "invalid" check, never an error.
TEST(TuneTest, CheckServesReportsRefusedSplitsAsInvalid) {
  const Loaded l = Load();
  EngineArgs a;
  a.tensor_parallel_size = 3;
  a.max_model_len = 8192;
  auto c = CheckServes(a, l.model, l.gpu, DefaultConfigsDir(), {8192, 1});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->outcome, "invalid");
  EXPECT_FALSE(c->serves);
  EXPECT_NE(c->error_message.find("divisible"), std::string::npos);
}

}  // namespace
}  // namespace tpsim
