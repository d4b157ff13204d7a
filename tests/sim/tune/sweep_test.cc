// Sweep grids: parsing (good and bad words), combination order, rows in grid order whatever the
// number of threads or processes, the fast path giving the plan path's numbers, and the row formats.
#include "sim/tune/sweep.h"

#include <gtest/gtest.h>

#include <thread>

#include "sim/comm/process_group.h"
#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"

namespace tpsim {
namespace {

TEST(SweepGridTest, ParsesKeysWithUnderscoresOrDashesAndTheTpAlias) {
  auto g = ParseGrid("tp=1,2,4 max-model-len=8192,32768\n enforce_eager=0,1 quantization=awq,awq_marlin");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->axes.size(), 4u);
  EXPECT_EQ(g->axes[0].key, "tensor_parallel_size");
  EXPECT_EQ(g->axes[1].key, "max_model_len");
  EXPECT_EQ(g->axes[1].values, (std::vector<std::string>{"8192", "32768"}));
  EXPECT_EQ(g->size(), 3 * 2 * 2 * 2);
}

TEST(SweepGridTest, LastKeyVariesFastest) {
  auto g = ParseGrid("tp=1,2,4 max_model_len=8192,32768");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->Digits(0), (std::vector<int>{0, 0}));
  EXPECT_EQ(g->Digits(1), (std::vector<int>{0, 1}));
  EXPECT_EQ(g->Digits(2), (std::vector<int>{1, 0}));
  EXPECT_EQ(g->Digits(5), (std::vector<int>{2, 1}));
}

TEST(SweepGridTest, EmptyGridIsTheBaseFlagsOnce) {
  auto g = ParseGrid("  ");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->size(), 1);
}

TEST(SweepGridTest, BadWordsAreOneLineErrors) {
  const char* bad[] = {
      "foo=1",                          // unknown key
      "tp",                             // no '='
      "=1",                             // no key
      "tp=1 tensor_parallel_size=2",    // the same key twice
      "tp=1,,2",                        // empty value
      "tp=0",                           // out of range
      "tp=abc",                         // not a number
      "gpu_memory_utilization=1.5",     // outside (0, 1]
      "gpu_memory_utilization=0",       //
      "max_model_len=-5",               // not positive
      "enforce_eager=2",                // not a bool
      "block_size=24",                  // not a power of two
      "quantization=int3",              // unknown method
      "kv_cache_dtype=fp4",             // unknown dtype
      "vllm_version=x.y",               // unparsable version
      "usage_context=chat",             // unknown context
      "kv_cache_memory=8XB",            // unknown unit
  };
  for (const char* text : bad) {
    auto g = ParseGrid(text);
    ASSERT_FALSE(g.ok()) << text;
    EXPECT_EQ(g.status().code(), Status::Code::kInvalidArgument) << text;
    EXPECT_EQ(g.status().message().find('\n'), std::string::npos) << text;
  }
  EXPECT_NE(ParseGrid("foo=1").status().message().find("unknown grid key 'foo'"), std::string::npos);
  EXPECT_NE(ParseGrid("enforce_eager=2").status().message().find("enforce_eager"), std::string::npos);
}

TEST(SweepGridTest, ApplyGridValueSetsTheFlag) {
  EngineArgs a;
  ASSERT_TRUE(ApplyGridValue("tp", "4", &a).ok());
  ASSERT_TRUE(ApplyGridValue("gpu-memory-utilization", "0.85", &a).ok());
  ASSERT_TRUE(ApplyGridValue("enforce_eager", "true", &a).ok());
  ASSERT_TRUE(ApplyGridValue("kv_cache_memory", "8GiB", &a).ok());
  ASSERT_TRUE(ApplyGridValue("quantization", "auto", &a).ok());
  EXPECT_EQ(a.tensor_parallel_size, 4);
  EXPECT_DOUBLE_EQ(*a.gpu_memory_utilization, 0.85);
  EXPECT_TRUE(a.enforce_eager);
  EXPECT_EQ(*a.kv_cache_memory, 8 * kGiB);
  EXPECT_EQ(a.quantization, "");
}

std::unique_ptr<Sweep> MakeSweep(const std::string& grid_text) {
  auto g = ParseGrid(grid_text);
  EXPECT_TRUE(g.ok());
  auto s = Sweep::Create(EngineArgs(), *g, DefaultConfigsDir());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

const char kGrid[] = "tp=1,2,4,3 max_model_len=8192,32768 enforce_eager=0,1 gpu_memory_utilization=0.85,0.9";

TEST(SweepTest, RowsComeBackInGridOrderWhateverTheThreads) {
  auto sweep = MakeSweep(kGrid);
  auto one = sweep->RunAll(1);
  auto many = sweep->RunAll(5);
  ASSERT_TRUE(one.ok() && many.ok());
  ASSERT_EQ(one->size(), 32u);
  ASSERT_EQ(many->size(), 32u);
  for (std::size_t i = 0; i < one->size(); ++i) {
    const SweepRow& r = (*many)[i];
    EXPECT_EQ(r.index, static_cast<std::int64_t>(i));
    const EngineArgs a = sweep->ArgsAt(static_cast<std::int64_t>(i));
    EXPECT_EQ(r.tp, a.tensor_parallel_size);
    EXPECT_EQ(r.max_model_len, *a.max_model_len);
    EXPECT_EQ(r.enforce_eager, a.enforce_eager);
    EXPECT_DOUBLE_EQ(r.gpu_memory_utilization, *a.gpu_memory_utilization);
    EXPECT_EQ(SweepRowToJson(r).dump(), SweepRowToJson((*one)[i]).dump()) << i;
  }
  // tp 3 does not split 64 heads: those rows are "invalid", the sweep goes on.
  EXPECT_EQ((*one)[24].tp, 3);
  EXPECT_EQ((*one)[24].outcome, "invalid");
  EXPECT_EQ((*one)[24].error_kind, ErrorKind::kInvalidConfig);
  EXPECT_EQ((*one)[8].tp, 2);
  EXPECT_EQ((*one)[8].outcome, "ok");
}

TEST(SweepTest, DistributedOverProcessesGathersAtRankZeroInGridOrder) {
  auto sweep = MakeSweep(kGrid);
  auto local = sweep->RunAll(2);
  ASSERT_TRUE(local.ok());
  constexpr int kProcs = 3;
  InProcessHub hub(kProcs);
  std::vector<StatusOr<std::vector<SweepRow>>> got(kProcs, Status::Internal("not run"));
  std::vector<std::thread> procs;
  for (int p = 0; p < kProcs; ++p) {
    procs.emplace_back([&, p] {
      auto pg = hub.View(p);
      got[p] = sweep->RunDistributed(*pg, 1);
    });
  }
  for (auto& t : procs) t.join();
  ASSERT_TRUE(got[0].ok()) << got[0].status().ToString();
  ASSERT_EQ(got[0]->size(), local->size());
  for (std::size_t i = 0; i < local->size(); ++i) {
    EXPECT_EQ(SweepRowToJson((*got[0])[i]).dump(), SweepRowToJson((*local)[i]).dump()) << i;
  }
  for (int p = 1; p < kProcs; ++p) {
    ASSERT_TRUE(got[p].ok());
    EXPECT_TRUE(got[p]->empty());
  }
}

// The sweep runs without timeline events and with shared shard plans; its numbers must be the plan's.
TEST(SweepTest, RowsMatchThePlanPath) {
  auto sweep = MakeSweep("tp=1,2,4 max_model_len=8192 enforce_eager=0,1 quantization=awq,awq_marlin");
  for (std::int64_t i = 0; i < sweep->size(); ++i) {
    auto row = sweep->RunOne(i);
    ASSERT_TRUE(row.ok());
    auto cfg = ResolveEngineArgs(sweep->ArgsAt(i), DefaultConfigsDir());
    ASSERT_TRUE(cfg.ok());
    auto plan = RunDeploymentInProcess(*cfg);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(row->outcome, plan->ok ? "ok" : "error");
    EXPECT_EQ(row->num_blocks, plan->ok ? plan->num_blocks : 0);
    EXPECT_EQ(row->kv_tokens, plan->kv_tokens);
    const RankReport& k = plan->ranks.front();
    EXPECT_DOUBLE_EQ(row->weights_gib, std::round(ToGiB(k.weights) * 10000) / 10000);
    EXPECT_DOUBLE_EQ(row->kv_cache_gib, std::round(ToGiB(k.kv_cache) * 10000) / 10000);
    EXPECT_DOUBLE_EQ(row->cudagraph_gib, std::round(ToGiB(k.cudagraph) * 10000) / 10000);
    Bytes peak = 0, used = 0;
    for (const RankReport& x : plan->ranks) {
      peak = std::max(peak, x.peak_used);
      used = std::max(used, x.final_used);
    }
    EXPECT_DOUBLE_EQ(row->peak_used_gib, std::round(ToGiB(peak) * 10000) / 10000);
    EXPECT_DOUBLE_EQ(row->final_used_gib, std::round(ToGiB(used) * 10000) / 10000);
  }
}

TEST(SweepTest, UnknownModelIsNotBundled) {
  auto g = ParseGrid("model=Qwen/Qwen3-32B-AWQ,Nobody/NoSuchModel-7B tp=1");
  ASSERT_TRUE(g.ok());
  auto s = Sweep::Create(EngineArgs(), *g, DefaultConfigsDir());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
  EXPECT_NE(s.status().message().find("model not bundled: Nobody/NoSuchModel-7B"), std::string::npos);
}

TEST(SweepRowTest, JsonRoundTripAndCsvShape) {
  SweepRow r;
  r.index = 7;
  r.model = "Qwen/Qwen3-32B-AWQ";
  r.tp = 2;
  r.gpu_memory_utilization = 0.85;
  r.outcome = "error";
  r.error_kind = ErrorKind::kKvCacheTooSmall;
  r.error_message = "ValueError: needs 8.00 GiB, \"more\" than 2.24";
  r.final_used_gib = 19.0105;
  auto back = SweepRowFromJson(nlohmann::json::parse(SweepRowToJson(r).dump()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(SweepRowToJson(*back).dump(), SweepRowToJson(r).dump());
  EXPECT_FALSE(SweepRowFromJson(nlohmann::json::parse(R"({"index": 1})")).ok());

  const std::string header = SweepCsvHeader();
  EXPECT_EQ(header.rfind("index,model,gpu,tp,", 0), 0u);
  const std::string line = SweepRowToCsv(r);
  // The message holds a comma and quotes: it is quoted, quotes doubled.
  EXPECT_NE(line.find("\"ValueError: needs 8.00 GiB, \"\"more\"\" than 2.24\""), std::string::npos);
  auto count_cells = [](const std::string& s) {
    int n = 1;
    bool quoted = false;
    for (char c : s) {
      if (c == '"') quoted = !quoted;
      if (c == ',' && !quoted) ++n;
    }
    return n;
  };
  EXPECT_EQ(count_cells(line), count_cells(header));
}

}  // namespace
}  // namespace tpsim
