// The seed-study findings computed from synthetic rows whose physics is known: every number a
// finding reports is checked against what the synthetic rule implies.
#include "sim/tune/findings.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tpsim {
namespace {

// Synthetic deployment rule (GiB per card, a 24 GiB card):
//   weights = W / tp x (1.02 when tp > 1), W = 8 (Small) or 20 (Big)
//   context 0.5, NCCL 0.02 when tp > 1, custom all-reduce 0.1 at tp 2 only, non-torch 0.25
//   activation = 0.5 + 0.1 x (T / 2048 - 1), + 0.05 when eager
//   available KV = u x 24 - everything above (- graph_in_budget when not eager)
//   CUDA graphs 0.4 unless eager; final use = u x 24 + graphs (- graph_in_budget when not eager)
//   starts when available KV > 0 and holds one max_model_len request (tokens = KV GiB x 1000 x tp)
struct Rule {
  double graph_in_budget = 0;  // > 0: the graph estimate comes out of the KV budget
};

std::vector<SweepRow> SyntheticRows(const Rule& rule, std::vector<std::int64_t> lens = {8192, 32768}) {
  std::vector<SweepRow> rows;
  std::int64_t index = 0;
  for (const char* model : {"A/Small", "A/Big"}) {
    const double w_total = std::string(model) == "A/Small" ? 8 : 20;
    for (int tp : {1, 2, 4}) {
      for (double u : {0.8, 0.85, 0.9, 0.95}) {
        for (std::int64_t len : lens) {
          for (std::int64_t t : {2048, 8192}) {
            for (bool eager : {false, true}) {
              SweepRow r;
              r.index = index++;
              r.model = model;
              r.gpu = "card24";
              r.tp = tp;
              r.vllm_version = "0.19.0";
              r.gpu_memory_utilization = u;
              r.max_model_len = len;
              r.max_num_seqs = 256;
              r.max_num_batched_tokens = t;
              r.enforce_eager = eager;
              r.quantization = "awq_marlin";
              r.kv_cache_dtype = "auto";
              r.block_size = 16;
              r.total_gib = 24;
              r.cuda_context_gib = 0.5;
              r.nccl_gib = tp > 1 ? 0.02 : 0;
              r.custom_allreduce_gib = tp == 2 ? 0.1 : 0;
              r.weights_gib = w_total / tp * (tp > 1 ? 1.02 : 1.0);
              r.activation_gib = 0.5 + 0.1 * (static_cast<double>(t) / 2048 - 1) + (eager ? 0.05 : 0);
              r.non_torch_gib = 0.25;
              const double graphs = eager ? 0 : 0.4;
              const double in_budget = eager ? 0 : rule.graph_in_budget;
              r.available_kv_gib = u * 24 - r.cuda_context_gib - r.nccl_gib - r.custom_allreduce_gib -
                                   r.weights_gib - r.activation_gib - r.non_torch_gib - in_budget;
              const auto tokens = static_cast<std::int64_t>(std::llround(r.available_kv_gib * 1000 * tp));
              if (r.available_kv_gib <= 0) {
                r.outcome = "error";
                r.error_kind = ErrorKind::kNoKvMemory;
              } else if (tokens < len) {
                r.outcome = "error";
                r.error_kind = ErrorKind::kKvCacheTooSmall;
              } else {
                r.outcome = "ok";
                r.kv_cache_gib = r.available_kv_gib;
                r.kv_tokens = tokens;
                r.num_blocks = tokens / 16;
                r.max_concurrency = static_cast<double>(tokens) / static_cast<double>(len);
                r.cudagraph_gib = graphs;
                r.final_used_gib = u * 24 + graphs - in_budget;
              }
              rows.push_back(r);
            }
          }
        }
      }
    }
  }
  return rows;
}

const Finding& Find(const std::vector<Finding>& fs, const std::string& id) {
  for (const Finding& f : fs) {
    if (f.id == id) return f;
  }
  static Finding none;
  ADD_FAILURE() << "no finding " << id;
  return none;
}

bool Says(const Finding& f, const std::string& words) {
  for (const std::string& l : f.lines) {
    if (l.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(FindingsTest, ContextBarelyMovesMemoryWhileBatchedTokensTakeFromTheKvCache) {
  const auto fs = SeedStudyFindings(SyntheticRows({}));
  const Finding& f = Find(fs, "context_vs_batched_tokens");
  ASSERT_TRUE(f.supported);
  EXPECT_NEAR(f.numbers.at("len_final_used_delta_max_abs_gib"), 0.0, 1e-9);
  EXPECT_NEAR(f.numbers.at("tokens_activation_delta_gib"), 0.3, 1e-9);
  EXPECT_NEAR(f.numbers.at("tokens_kv_cache_delta_gib"), -0.3, 1e-9);
  EXPECT_NEAR(f.numbers.at("kv_gib_per_activation_gib"), 1.0, 1e-9);
  EXPECT_NEAR(f.numbers.at("tokens_final_used_delta_gib"), 0.0, 1e-9);
  EXPECT_TRUE(Says(f, "barely moves"));
  EXPECT_TRUE(Says(f, "shrinks"));
}

TEST(FindingsTest, EnforceEagerShowsInFinalUseNotInTheKvBudget) {
  const auto fs = SeedStudyFindings(SyntheticRows({}));
  const Finding& f = Find(fs, "enforce_eager");
  ASSERT_TRUE(f.supported);
  EXPECT_NEAR(f.numbers.at("cudagraph_saved_gib"), 0.4, 1e-9);
  EXPECT_NEAR(f.numbers.at("final_used_delta_gib"), -0.4, 1e-9);
  EXPECT_NEAR(f.numbers.at("available_kv_delta_gib"), -0.05, 1e-9);
  EXPECT_NEAR(f.numbers.at("kv_budget_delta_not_from_profile_gib"), 0.0, 1e-9);
  EXPECT_TRUE(Says(f, "not in the KV budget"));
}

TEST(FindingsTest, EnforceEagerInTheKvBudgetWhenTheGraphEstimateIsSubtracted) {
  const auto fs = SeedStudyFindings(SyntheticRows({0.4}));
  const Finding& f = Find(fs, "enforce_eager");
  ASSERT_TRUE(f.supported);
  EXPECT_NEAR(f.numbers.at("kv_budget_delta_not_from_profile_gib"), 0.4, 1e-9);
  EXPECT_TRUE(Says(f, "takes out of the KV budget"));
}

TEST(FindingsTest, UtilizationSlopeIsFittedFromTheRows) {
  const auto fs = SeedStudyFindings(SyntheticRows({}));
  const Finding& f = Find(fs, "utilization_linear");
  ASSERT_TRUE(f.supported);
  EXPECT_NEAR(f.numbers.at("slope_gib_per_unit"), 24.0, 1e-6);
  EXPECT_NEAR(f.numbers.at("kv_slope_gib_per_unit"), 24.0, 1e-6);
  EXPECT_NEAR(f.numbers.at("slope_over_total"), 1.0, 1e-6);
  EXPECT_NEAR(f.numbers.at("min_r2"), 1.0, 1e-9);
  EXPECT_TRUE(Says(f, "is linear"));
}

TEST(FindingsTest, BigModelOnOneCardNeverStarts) {
  const auto fs = SeedStudyFindings(SyntheticRows({}));
  const Finding& f = Find(fs, "does_not_start");
  ASSERT_TRUE(f.supported);
  EXPECT_EQ(f.numbers.at("Big/tp1/ok"), 0);
  EXPECT_EQ(f.numbers.at("Big/tp1/runs"), 32);  // 4 utilizations x 2 contexts x 2 budgets x eager
  EXPECT_EQ(f.numbers.at("Small/tp4/ok"), f.numbers.at("Small/tp4/runs"));
  EXPECT_EQ(f.numbers.at("never_starting_deployments"), 1);
  EXPECT_TRUE(Says(f, "Big on 1 x card24"));
  EXPECT_TRUE(Says(f, "never starts: 0 of 32 runs"));
}

TEST(FindingsTest, PartialFailuresNameTheFlagsUnderWhichItNeverStarts) {
  // A 20,000-token context is longer than Small/tp1's KV tokens at every utilization.
  const auto fs = SeedStudyFindings(SyntheticRows({}, {8192, 20000}));
  const Finding& f = Find(fs, "does_not_start");
  // Small tp 1 at 0.8: KV = 19.2 - 9.25 - act = ~9.4 GiB -> 9,400 tokens: 20,000 never fits.
  EXPECT_TRUE(Says(f, "Small on 1 x card24 (24.00 GiB each) starts in"));
  EXPECT_TRUE(Says(f, "max_model_len=20000 (0 of"));
}

TEST(FindingsTest, TensorParallelIsNotOneOverN) {
  const auto fs = SeedStudyFindings(SyntheticRows({}));
  const Finding& f = Find(fs, "tp_not_1_over_n");
  ASSERT_TRUE(f.supported);
  EXPECT_NEAR(f.numbers.at("Small/weights_lo_gib"), 8.0, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/weights_hi_gib"), 2.04, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/weights_excess"), 0.02, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/fixed_hi_gib") - f.numbers.at("Small/fixed_lo_gib"), 0.02, 1e-9);
  // Final use per card does not divide: it is the budget at every size.
  EXPECT_NEAR(f.numbers.at("Small/final_used_hi_gib"), f.numbers.at("Small/final_used_lo_gib"), 1e-9);
  // Big never starts at tp 1: its final use is told from tp 4 alone.
  EXPECT_EQ(f.numbers.count("Big/final_used_lo_gib"), 0u);
  EXPECT_GT(f.numbers.at("Big/final_used_hi_gib"), 0);
}

TEST(FindingsTest, TwoToFourCards) {
  const auto fs = SeedStudyFindings(SyntheticRows({}));
  const Finding& f = Find(fs, "two_to_four_cards");
  ASSERT_TRUE(f.supported);
  EXPECT_NEAR(f.numbers.at("Small/weights_2_gib"), 4.08, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/weights_4_gib"), 2.04, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/custom_allreduce_2_gib"), 0.1, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/custom_allreduce_4_gib"), 0.0, 1e-9);
  EXPECT_NEAR(f.numbers.at("Small/cudagraph_4_gib"), 0.4, 1e-9);  // non-eager pairs only
  // Tokens per card: KV GiB x 1000 x tp, so the ratio is 2 x (KV at 4 / KV at 2) > 2.
  EXPECT_GT(f.numbers.at("Small/kv_tokens_ratio"), 2.0);
  EXPECT_TRUE(Says(f, "turns its custom all-reduce off"));
}

TEST(FindingsTest, RowsWithoutTheNeededPairsSaySo) {
  std::vector<SweepRow> rows = SyntheticRows({}, {8192});
  const auto fs = SeedStudyFindings(rows);
  const Finding& f = Find(fs, "context_vs_batched_tokens");
  EXPECT_FALSE(f.supported);
  EXPECT_TRUE(Says(f, "not enough rows"));
  EXPECT_TRUE(SeedStudyFindings({}).size() == 6u);
  for (const Finding& g : SeedStudyFindings({})) EXPECT_FALSE(g.supported) << g.id;
}

TEST(FindingsTest, PairsDifferOnlyInTheFactor) {
  std::vector<SweepRow> rows = SyntheticRows({});
  rows[0].outcome = "invalid";
  const auto pairs = PairsOn(rows, Factor::kEnforceEager, "0", "1", false);
  for (const auto& [lo, hi] : pairs) {
    EXPECT_FALSE(lo->enforce_eager);
    EXPECT_TRUE(hi->enforce_eager);
    EXPECT_EQ(lo->tp, hi->tp);
    EXPECT_EQ(lo->model, hi->model);
    EXPECT_EQ(lo->gpu_memory_utilization, hi->gpu_memory_utilization);
    EXPECT_EQ(lo->max_num_batched_tokens, hi->max_num_batched_tokens);
    EXPECT_NE(lo->index, 0);
  }
  EXPECT_EQ(pairs.size(), rows.size() / 2 - 1);
  EXPECT_LT(PairsOn(rows, Factor::kEnforceEager, "0", "1", true).size(), pairs.size());
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 2, 3}), 2.5);
}

}  // namespace
}  // namespace tpsim
