// `tpsim measure` end to end on GPU 0 at tp 1 (skipped without a device): a small Qwen3 AWQ model
// written here, so that it fits any test card quickly. The real run must reach the same phases as the
// simulation, its weights must occupy what the simulation says within 1%, the layer must run and stay
// finite, and every CUDA graph must be captured.
#include <gtest/gtest.h>

#include "tests/testing/temp_path.h"

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/gpu/gpu_test_util.h"
#include "tools/tpsim/commands.h"

namespace tpsim {
namespace {

constexpr const char* kTinyQwen3Awq = R"({
  "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "head_dim": 128, "hidden_size": 1024,
  "intermediate_size": 3072, "max_position_embeddings": 40960, "num_attention_heads": 16,
  "num_hidden_layers": 4, "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
  "tie_word_embeddings": true, "torch_dtype": "float16", "vocab_size": 151936,
  "quantization_config": {"bits": 4, "group_size": 128, "quant_method": "awq", "version": "gemm",
                          "zero_point": true}})";

class MeasureTest : public testing::GpuTest {};

TEST_F(MeasureTest, Tp1MeasuresEveryPhaseBesideTheSimulation) {
  const std::string path = tpsim::testing::TempPath("tiny_qwen3_awq_config.json");
  std::ofstream(path) << kTinyQwen3Awq;
  device_.reset();  // the command opens the device itself
  ::testing::internal::CaptureStdout();
  const int rc = cli::RunMeasure({"--model", path, "--tp", "1", "--max-model-len", "2048",
                                  "--max-cudagraph-capture-size", "8", "--gpu-memory-utilization", "0.5",
                                  "--kv-cache-memory", "1GiB", "--json"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << out;
  EXPECT_EQ(j["schema"], "tpsim.plan/1");
  ASSERT_EQ(j["measured"]["ranks"].size(), 1u);
  const nlohmann::json& m = j["measured"]["ranks"][0];
  EXPECT_EQ(m["outcome"], "ok") << m.dump(2);
  EXPECT_EQ(j["outcome"], "ok");
  EXPECT_GT(m["context_gib"].get<double>(), 0.0);
  EXPECT_EQ(m["total_gib"], j["inputs"]["gpu_total_gib"]);  // simulated with the device's total

  for (const auto& p : m["phases"]) EXPECT_FALSE(p["measured_used_gib"].is_null()) << p["name"];
  const double sim_w = m["categories"]["weights"]["simulated_gib"];
  const double real_w = m["categories"]["weights"]["measured_gib"];
  EXPECT_GT(sim_w, 0.0);
  EXPECT_NEAR(real_w, sim_w, 0.01 * sim_w + 0.002);
  // The KV pool is 1 GiB by flag on both sides (one segment per layer, 2 MiB rounding).
  EXPECT_NEAR(m["categories"]["kv_pool"]["measured_gib"].get<double>(),
              m["categories"]["kv_pool"]["simulated_gib"].get<double>(), 0.01);
  EXPECT_EQ(m["num_blocks"], j["kv_cache"]["num_blocks"]);

  EXPECT_TRUE(m["layer"]["ran"].get<bool>());
  EXPECT_EQ(m["layer"]["kernels"], 12);
  EXPECT_GT(m["layer"]["step_ms"].get<double>(), 0.0);
  const double max_abs = m["layer"]["output_max_abs"];
  EXPECT_TRUE(std::isfinite(max_abs));
  EXPECT_GT(max_abs, 0.0);
  const std::size_t graphs = j["inputs"]["cudagraph_capture_sizes"].size() +
                             j["inputs"]["cudagraph_full_capture_sizes"].size();
  EXPECT_EQ(m["graphs"]["captured"].get<std::size_t>(), graphs);
  EXPECT_EQ(m["graphs"]["kernel_nodes"].get<std::size_t>(), graphs * 4 * 12);
  EXPECT_GE(m["graphs"]["objects_gib"].get<double>(), 0.0);
}

TEST_F(MeasureTest, TensorParallelWithoutMpiIsRefused) {
  ::testing::internal::CaptureStderr();
  const int rc = cli::RunMeasure({"--tp", "2"});
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 2);
  EXPECT_NE(err.find("mpirun -np 2"), std::string::npos) << err;
}

}  // namespace
}  // namespace tpsim
