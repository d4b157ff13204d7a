// The engine flag table: every flag is declared once with a field its type fits, every spelling is
// unique, EngineArgs' defaults pass the range checks, and ResolveWithModel refuses out-of-range
// EngineArgs built by code with the same words as the command line.
#include "sim/engine/engine_flag_table.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"

namespace tpsim {
namespace {

// A value each value type accepts.
std::string Sample(const EngineFlag& f) {
  switch (f.rule.type) {
    case flags::ValueType::kChoice: return std::string(f.rule.choices.front());
    case flags::ValueType::kInteger: return "2";
    case flags::ValueType::kCount: return "8k";
    case flags::ValueType::kBytes: return "1GiB";
    case flags::ValueType::kReal: return "0.75";
    case flags::ValueType::kBool: return "true";
    case flags::ValueType::kText: return "x";
  }
  return "";
}

TEST(EngineFlagTableTest, SpellingsAreUniqueAndNoFlagIsNamedNoSomething) {
  std::set<std::string> seen;  // over all flags; "-tp" and "--tp" of one flag read alike
  for (const EngineFlag& f : EngineFlags().specs()) {
    std::set<std::string> own = {flags::NormalizeSpelling(f.name)};
    for (std::string_view a : f.aliases) own.insert(flags::NormalizeSpelling(a));
    for (const std::string& s : own) EXPECT_TRUE(seen.insert(s).second) << s;
    EXPECT_FALSE(f.name.starts_with("no-")) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
  }
  for (const std::string& s : seen) EXPECT_EQ(EngineFlags().Find(s) != nullptr, true) << s;
}

TEST(EngineFlagTableTest, EveryStoredFlagTakesASampleOfItsType) {
  for (const EngineFlag& f : EngineFlags().specs()) {
    EngineArgs a;
    const std::string v = Sample(f);
    const Status s = flags::ApplyText(f, "argument --" + std::string(f.name), v, &a);
    EXPECT_TRUE(s.ok()) << f.name << " = " << v << ": " << s.ToString();
    if (f.stored()) {
      EXPECT_TRUE(flags::ReadField(f, a).has_value()) << f.name;
    }
  }
}

TEST(EngineFlagTableTest, DefaultsPassTheRangeChecks) { EXPECT_TRUE(ValidateEngineArgs(EngineArgs()).ok()); }

TEST(EngineFlagTableTest, MemoryEffectAndOriginAreDeclared) {
  EXPECT_EQ(EngineFlags().Find("port")->memory, flags::MemoryEffect::kNone);
  EXPECT_FALSE(EngineFlags().Find("port")->usable(flags::kOnCommandLine));
  EXPECT_EQ(EngineFlags().Find("max-model-len")->memory, flags::MemoryEffect::kChangesMemory);
  EXPECT_EQ(EngineFlags().Find("estimate-cudagraphs")->env, "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS");
  EXPECT_EQ(EngineFlags().Find("-tp")->name, "tensor-parallel-size");
  EXPECT_EQ(EngineFlags().Find("-q")->name, "quantization");
}

// EngineArgs built by code (tune, sweep) are checked by ResolveWithModel with the table's words.
TEST(EngineFlagTableTest, ResolveWithModelRefusesOutOfRangeArgsBuiltByCode) {
  StatusOr<ModelConfig> model = LoadModelConfig("Qwen/Qwen3-32B-AWQ", DefaultConfigsDir());
  StatusOr<GpuSpec> gpu = LoadGpuSpec("rtx4090", DefaultConfigsDir());
  ASSERT_TRUE(model.ok() && gpu.ok());
  const std::map<std::string, std::pair<void (*)(EngineArgs*), std::string>> cases = {
      {"tp", {[](EngineArgs* a) { a->tensor_parallel_size = 0; }, "--tensor-parallel-size must be between 1 and 64, got 0"}},
      {"util", {[](EngineArgs* a) { a->gpu_memory_utilization = 1.5; },
                "GPU memory utilization must be within (0, 1]. Got 1.500000."}},
      {"block", {[](EngineArgs* a) { a->block_size = 24; }, "--block-size must be a power of two between 1 and 256, got 24"}},
      {"seqs", {[](EngineArgs* a) { a->max_num_seqs = 0; }, "--max-num-seqs must be between 1 and 1048576, got 0"}},
      {"kv", {[](EngineArgs* a) { a->kv_cache_dtype = "int3"; }, "invalid --kv-cache-dtype 'int3'"}},
      {"release", {[](EngineArgs* a) { a->vllm_version = "0.5.0"; }, "unsupported --vllm-version 0.5.0"}},
      {"usage", {[](EngineArgs* a) { a->usage_context = "chat"; }, "invalid --usage-context 'chat'"}},
  };
  for (const auto& [name, c] : cases) {
    EngineArgs a;
    c.first(&a);
    StatusOr<ResolvedConfig> r = ResolveWithModel(a, *model, *gpu, DefaultConfigsDir());
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << name;
    EXPECT_EQ(r.status().message().rfind(c.second, 0), 0u) << name << ": " << r.status().message();
    EXPECT_EQ(ValidateEngineArgs(a).message(), r.status().message()) << name;
  }
}

}  // namespace
}  // namespace tpsim
