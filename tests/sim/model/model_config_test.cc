#include "sim/model/model_config.h"

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/sim/model/model_test_util.h"

namespace tpsim {
namespace {

using testing_model::ExpectRefusal;
using testing_model::SafetensorsImage;
using testing_model::ScratchDir;
using testing_model::WriteFile;
using Code = Status::Code;

// Qwen/Qwen3-32B-AWQ config.json as published on the Hugging Face hub.
constexpr char kQwen3_32bAwq[] = R"({
  "architectures": ["Qwen3ForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151645,
  "head_dim": 128,
  "hidden_act": "silu",
  "hidden_size": 5120,
  "initializer_range": 0.02,
  "intermediate_size": 25600,
  "max_position_embeddings": 40960,
  "max_window_layers": 64,
  "model_type": "qwen3",
  "num_attention_heads": 64,
  "num_hidden_layers": 64,
  "num_key_value_heads": 8,
  "quantization_config": {
    "bits": 4,
    "group_size": 128,
    "modules_to_not_convert": null,
    "quant_method": "awq",
    "version": "gemm",
    "zero_point": true
  },
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 1000000,
  "sliding_window": null,
  "tie_word_embeddings": false,
  "torch_dtype": "float16",
  "transformers_version": "4.51.0",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 151936
})";

// Qwen/Qwen2.5-7B-Instruct: no head_dim (3584 / 28 = 128), bias on q/k/v implied by the architecture.
constexpr char kQwen25_7b[] = R"({
  "architectures": ["Qwen2ForCausalLM"],
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151645,
  "hidden_act": "silu",
  "hidden_size": 3584,
  "initializer_range": 0.02,
  "intermediate_size": 18944,
  "max_position_embeddings": 32768,
  "max_window_layers": 28,
  "model_type": "qwen2",
  "num_attention_heads": 28,
  "num_hidden_layers": 28,
  "num_key_value_heads": 4,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 131072,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.43.1",
  "use_cache": true,
  "use_sliding_window": false,
  "vocab_size": 152064
})";

// meta-llama/Llama-3.1-8B-Instruct: llama3 rope scaling, no head_dim.
constexpr char kLlama31_8b[] = R"({
  "architectures": ["LlamaForCausalLM"],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009],
  "hidden_act": "silu",
  "hidden_size": 4096,
  "initializer_range": 0.02,
  "intermediate_size": 14336,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.42.3",
  "use_cache": true,
  "vocab_size": 128256
})";

// Qwen/Qwen3-0.6B: head_dim 128 is explicit and differs from hidden_size / heads = 64; tied.
constexpr char kQwen3_06b[] = R"({
  "architectures": ["Qwen3ForCausalLM"], "head_dim": 128, "hidden_size": 1024,
  "intermediate_size": 3072, "max_position_embeddings": 40960, "model_type": "qwen3",
  "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
  "rms_norm_eps": 1e-06, "rope_theta": 1000000, "tie_word_embeddings": true,
  "torch_dtype": "bfloat16", "vocab_size": 151936
})";

// A small valid Qwen3 config whose fields the refusal tests override one at a time.
std::string SmallQwen3(const std::string& extra_fields = "") {
  std::string s = R"({"architectures": ["Qwen3ForCausalLM"], "hidden_size": 1024,
    "intermediate_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 16,
    "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936,
    "max_position_embeddings": 40960)";
  if (!extra_fields.empty()) s += ", " + extra_fields;
  return s + "}";
}

// SmallQwen3 with `field` replaced by `value` (a JSON literal).
std::string SmallQwen3With(const std::string& field, const std::string& value) {
  std::string s = SmallQwen3();
  std::string key = "\"" + field + "\": ";
  std::size_t at = s.find(key);
  if (at == std::string::npos) return SmallQwen3(key + value);
  std::size_t end = s.find_first_of(",}", at);
  return s.substr(0, at) + key + value + s.substr(end);
}

TEST(ParseModelConfigTest, Qwen3_32bAwq) {
  StatusOr<ModelConfig> c = ParseModelConfig(kQwen3_32bAwq, "Qwen/Qwen3-32B-AWQ");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "Qwen/Qwen3-32B-AWQ");
  EXPECT_EQ(c->architecture, "Qwen3ForCausalLM");
  EXPECT_EQ(c->model_type, "qwen3");
  EXPECT_EQ(c->hidden_size, 5120);
  EXPECT_EQ(c->intermediate_size, 25600);
  EXPECT_EQ(c->num_layers, 64);
  EXPECT_EQ(c->num_heads, 64);
  EXPECT_EQ(c->num_kv_heads, 8);
  EXPECT_EQ(c->head_dim, 128);
  EXPECT_EQ(c->vocab_size, 151936);
  EXPECT_EQ(c->max_position_embeddings, 40960);
  EXPECT_FALSE(c->tie_word_embeddings);
  EXPECT_EQ(c->dtype, DType::kF16);
  EXPECT_TRUE(c->qk_norm);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_DOUBLE_EQ(c->rope_theta, 1e6);
  EXPECT_EQ(c->rope_type, "");
  EXPECT_DOUBLE_EQ(c->rms_norm_eps, 1e-6);
  EXPECT_EQ(c->rotary_dim(), 128);
  ASSERT_TRUE(c->is_quantized());
  EXPECT_EQ(c->quant.method, QuantMethod::kAwq);
  EXPECT_EQ(QuantMethodName(c->quant.method), "awq");
  EXPECT_EQ(c->quant.bits, 4);
  EXPECT_EQ(c->quant.group_size, 128);
  EXPECT_TRUE(c->quant.zero_point);
  EXPECT_EQ(c->quant.version, "gemm");
  EXPECT_TRUE(c->quant.modules_to_not_convert.empty());
  EXPECT_FALSE(c->quant.lm_head_quantized);
  EXPECT_TRUE(c->checkpoint_tensors.empty());
}

TEST(ParseModelConfigTest, Qwen25HasQkvBiasAndDerivedHeadDim) {
  StatusOr<ModelConfig> c = ParseModelConfig(kQwen25_7b, "Qwen/Qwen2.5-7B-Instruct");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->architecture, "Qwen2ForCausalLM");
  EXPECT_TRUE(c->qkv_bias);
  EXPECT_FALSE(c->qk_norm);
  EXPECT_EQ(c->head_dim, 3584 / 28);
  EXPECT_EQ(c->num_kv_heads, 4);
  EXPECT_EQ(c->vocab_size, 152064);
  EXPECT_EQ(c->dtype, DType::kBF16);
  EXPECT_FALSE(c->is_quantized());
  EXPECT_EQ(QuantMethodName(c->quant.method), "none");
}

TEST(ParseModelConfigTest, Llama31HasLlama3RopeScaling) {
  StatusOr<ModelConfig> c = ParseModelConfig(kLlama31_8b, "meta-llama/Llama-3.1-8B-Instruct");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->model_type, "llama");
  EXPECT_EQ(c->head_dim, 128);
  EXPECT_EQ(c->rope_type, "llama3");
  EXPECT_DOUBLE_EQ(c->rope_factor, 8.0);
  EXPECT_EQ(c->rope_original_max_position, 8192);
  EXPECT_DOUBLE_EQ(c->rope_theta, 500000.0);
  EXPECT_DOUBLE_EQ(c->rms_norm_eps, 1e-5);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_FALSE(c->mlp_bias);
  EXPECT_FALSE(c->qk_norm);
  EXPECT_EQ(c->max_position_embeddings, 131072);
}

TEST(ParseModelConfigTest, ExplicitHeadDimWinsOverHiddenOverHeads) {
  StatusOr<ModelConfig> c = ParseModelConfig(kQwen3_06b, "Qwen/Qwen3-0.6B");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->head_dim, 128);
  EXPECT_NE(c->head_dim, c->hidden_size / c->num_heads);
  EXPECT_TRUE(c->tie_word_embeddings);
}

TEST(ParseModelConfigTest, HeadDimIsDerivedWhenAbsentOrNull) {
  std::string no_head_dim = SmallQwen3With("head_dim", "null");
  StatusOr<ModelConfig> c = ParseModelConfig(no_head_dim, "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->head_dim, 1024 / 16);

  // 1000 is not divisible by 16: with no explicit head_dim there is no answer.
  std::string odd = SmallQwen3With("hidden_size", "1000");
  odd = odd.substr(0, odd.find("\"head_dim\"")) + odd.substr(odd.find("\"vocab_size\""));
  ExpectRefusal(ParseModelConfig(odd, "x").status(), Code::kInvalidArgument,
                {"x: head_dim", "not divisible"});
}

TEST(ParseModelConfigTest, DefaultsWhenOptionalFieldsAreAbsent) {
  std::string text = R"({"architectures": ["MistralForCausalLM"], "hidden_size": 4096,
    "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
    "vocab_size": 32768, "max_position_embeddings": 32768})";
  StatusOr<ModelConfig> c = ParseModelConfig(text, "mistral");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->model_type, "mistral");
  EXPECT_EQ(c->num_kv_heads, 32);  // defaults to num_attention_heads
  EXPECT_EQ(c->dtype, DType::kBF16);
  EXPECT_FALSE(c->tie_word_embeddings);
  EXPECT_FALSE(c->qkv_bias);
  EXPECT_DOUBLE_EQ(c->partial_rotary_factor, 1.0);
}

TEST(ParseModelConfigTest, ModelTypeIsTheFallbackForArchitecture) {
  std::string text = SmallQwen3();
  text.replace(text.find("\"architectures\": [\"Qwen3ForCausalLM\"]"),
               std::string("\"architectures\": [\"Qwen3ForCausalLM\"]").size(),
               "\"model_type\": \"qwen2\"");
  StatusOr<ModelConfig> c = ParseModelConfig(text, "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->architecture, "Qwen2ForCausalLM");
  EXPECT_TRUE(c->qkv_bias);
}

TEST(ParseModelConfigTest, NewerDtypeKeyAndAttentionBias) {
  StatusOr<ModelConfig> c =
      ParseModelConfig(SmallQwen3(R"("dtype": "float32", "attention_bias": true)"), "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->dtype, DType::kF32);
  EXPECT_TRUE(c->qkv_bias);
}

TEST(ParseModelConfigTest, YarnRopeAndPartialRotary) {
  StatusOr<ModelConfig> c = ParseModelConfig(
      SmallQwen3(R"("rope_scaling": {"type": "yarn", "factor": 4,
                                     "original_max_position_embeddings": 32768},
                  "partial_rotary_factor": 0.5)"),
      "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->rope_type, "yarn");
  EXPECT_DOUBLE_EQ(c->rope_factor, 4.0);
  EXPECT_EQ(c->rope_original_max_position, 32768);
  EXPECT_EQ(c->rotary_dim(), 64);
}

TEST(ParseModelConfigTest, GptqFp8AndCompressedTensors) {
  StatusOr<ModelConfig> gptq = ParseModelConfig(
      SmallQwen3(R"("quantization_config": {"quant_method": "gptq", "bits": 8, "group_size": 128,
                    "desc_act": true, "sym": false, "lm_head": false})"),
      "x");
  ASSERT_TRUE(gptq.ok()) << gptq.status().ToString();
  EXPECT_EQ(gptq->quant.method, QuantMethod::kGptq);
  EXPECT_EQ(gptq->quant.bits, 8);
  EXPECT_TRUE(gptq->quant.desc_act);
  EXPECT_TRUE(gptq->quant.zero_point);  // !sym

  StatusOr<ModelConfig> fp8 = ParseModelConfig(
      SmallQwen3(R"("quantization_config": {"quant_method": "fp8", "activation_scheme": "dynamic",
                    "weight_block_size": [128, 128]})"),
      "x");
  ASSERT_TRUE(fp8.ok()) << fp8.status().ToString();
  EXPECT_EQ(fp8->quant.method, QuantMethod::kFp8);
  EXPECT_EQ(fp8->quant.bits, 8);
  EXPECT_EQ(fp8->quant.activation_scheme, "dynamic");
  EXPECT_EQ(fp8->quant.weight_block_size, (std::vector<std::int64_t>{128, 128}));

  StatusOr<ModelConfig> ct = ParseModelConfig(
      SmallQwen3(R"("quantization_config": {"quant_method": "compressed-tensors",
        "format": "pack-quantized", "ignore": ["lm_head"],
        "config_groups": {"group_0": {"targets": ["Linear"],
          "weights": {"num_bits": 4, "group_size": 128, "symmetric": true, "type": "int"}}}})"),
      "x");
  ASSERT_TRUE(ct.ok()) << ct.status().ToString();
  EXPECT_EQ(ct->quant.method, QuantMethod::kCompressedTensors);
  EXPECT_EQ(QuantMethodName(ct->quant.method), "compressed-tensors");
  EXPECT_EQ(ct->quant.bits, 4);
  EXPECT_EQ(ct->quant.group_size, 128);
  EXPECT_EQ(ct->quant.version, "pack-quantized");
  EXPECT_EQ(ct->quant.modules_to_not_convert, (std::vector<std::string>{"lm_head"}));

  StatusOr<ModelConfig> ct8 = ParseModelConfig(
      SmallQwen3(R"("quantization_config": {"quant_method": "compressed-tensors"})"), "x");
  ASSERT_TRUE(ct8.ok()) << ct8.status().ToString();
  EXPECT_EQ(ct8->quant.bits, 8);
}

TEST(ParseModelConfigTest, AwqModulesToNotConvert) {
  StatusOr<ModelConfig> c = ParseModelConfig(
      SmallQwen3(R"("quantization_config": {"quant_method": "awq", "bits": 4, "group_size": -1,
                    "zero_point": false, "modules_to_not_convert": ["visual", "mlp.gate"]})"),
      "x");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->quant.group_size, -1);
  EXPECT_FALSE(c->quant.zero_point);
  EXPECT_EQ(c->quant.modules_to_not_convert, (std::vector<std::string>{"visual", "mlp.gate"}));
}

// Each broken config is refused with InvalidArgument, on one line, naming the field and the problem.
struct BrokenConfig {
  const char* label;
  std::string text;
  std::vector<std::string_view> needles;
};

TEST(ParseModelConfigTest, RefusesBrokenConfigsWithOneLineMessages) {
  const BrokenConfig cases[] = {
      {"empty", "", {"cfg: empty input"}},
      {"whitespace", " \n\t ", {"cfg: only whitespace"}},
      {"not json", "{\"hidden_size\": 1024,,}", {"cfg: not valid JSON", "line 1"}},
      {"multi-line not json", "{\n\"a\": 1,\n\"b\": ]\n}", {"not valid JSON", "line 3"}},
      {"top-level array", "[1, 2]", {"cfg: top level must be a JSON object", "array"}},
      {"top-level string", "\"config\"", {"top level must be a JSON object", "string"}},
      {"string hidden_size", SmallQwen3With("hidden_size", "\"1024\""),
       {"cfg: hidden_size: expected a positive integer", "\"1024\" (string)"}},
      {"bool hidden_size", SmallQwen3With("hidden_size", "true"), {"hidden_size", "(bool)"}},
      {"array hidden_size", SmallQwen3With("hidden_size", "[1024]"), {"hidden_size", "an array"}},
      {"zero hidden_size", SmallQwen3With("hidden_size", "0"),
       {"hidden_size: expected a positive integer, got 0"}},
      {"negative layers", SmallQwen3With("num_hidden_layers", "-28"),
       {"num_hidden_layers", "positive integer", "-28"}},
      {"float heads", SmallQwen3With("num_attention_heads", "16.5"),
       {"num_attention_heads", "16.5 (float)"}},
      {"heads not divisible", SmallQwen3With("num_attention_heads", "12"),
       {"num_key_value_heads", "does not divide num_attention_heads 12"}},
      {"more kv heads than heads", SmallQwen3With("num_key_value_heads", "32"),
       {"num_key_value_heads: 32 does not divide"}},
      {"absurd vocab", SmallQwen3With("vocab_size", "1000000000"),
       {"vocab_size: 1000000000 exceeds the limit"}},
      {"absurd hidden", SmallQwen3With("hidden_size", "2097152"), {"hidden_size", "exceeds"}},
      {"absurd layers", SmallQwen3With("num_hidden_layers", "10001"), {"num_hidden_layers", "exceeds"}},
      {"uint64 vocab", SmallQwen3With("vocab_size", "18446744073709551615"),
       {"vocab_size: 18446744073709551615 exceeds"}},
      {"missing vocab", SmallQwen3With("vocab_size", "null"), {"vocab_size: missing"}},
      {"bytes overflow",
       R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 1048576,
           "intermediate_size": 4194304, "num_hidden_layers": 10000, "num_attention_heads": 16384,
           "head_dim": 16384, "vocab_size": 16777216, "max_position_embeddings": 1073741824})",
       {"overflow 64-bit byte counts"}},
      {"moe", R"({"architectures": ["Qwen3MoeForCausalLM"], "hidden_size": 2048})",
       {"architectures: unsupported architecture 'Qwen3MoeForCausalLM'", "dense decoders",
        "Qwen3ForCausalLM"}},
      {"moe model_type", R"({"model_type": "qwen3_moe", "hidden_size": 2048})",
       {"model_type: unsupported architecture 'qwen3_moe'"}},
      {"no architecture", R"({"hidden_size": 2048})", {"architectures: missing"}},
      {"architectures not list", R"({"architectures": "LlamaForCausalLM"})",
       {"architectures: expected a non-empty list"}},
      {"unknown quant", SmallQwen3(R"("quantization_config": {"quant_method": "bitsandbytes"})"),
       {"quantization_config.quant_method", "'bitsandbytes'"}},
      {"quant not object", SmallQwen3(R"("quantization_config": "awq")"),
       {"quantization_config: expected an object"}},
      {"awq 8 bits",
       SmallQwen3(R"("quantization_config": {"quant_method": "awq", "bits": 8, "group_size": 128,
                                              "zero_point": true})"),
       {"quantization_config.bits", "only 4-bit", "got 8 bits"}},
      {"awq group not dividing",
       SmallQwen3(R"("quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 96,
                                              "zero_point": true})"),
       {"quantization_config.group_size: 96 does not divide hidden_size 1024"}},
      {"awq group zero",
       SmallQwen3(R"("quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 0,
                                              "zero_point": true})"),
       {"quantization_config.group_size", "-1 (per channel) or a positive"}},
      {"awq no zero_point",
       SmallQwen3(R"("quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128})"),
       {"quantization_config.zero_point: missing"}},
      {"awq modules not strings",
       SmallQwen3(R"("quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128,
                     "zero_point": true, "modules_to_not_convert": [1]})"),
       {"modules_to_not_convert", "list of strings"}},
      {"gptq 5 bits",
       SmallQwen3(R"("quantization_config": {"quant_method": "gptq", "bits": 5, "group_size": 128})"),
       {"quantization_config.bits", "2/3/4/8-bit", "GPTQ"}},
      {"fp8 block",
       SmallQwen3(R"("quantization_config": {"quant_method": "fp8", "weight_block_size": [128]})"),
       {"weight_block_size: expected [rows, cols]"}},
      {"rope unknown", SmallQwen3(R"("rope_scaling": {"rope_type": "longrope", "factor": 4.0})"),
       {"rope_scaling.rope_type: unsupported rope type 'longrope'"}},
      {"rope no factor", SmallQwen3(R"("rope_scaling": {"rope_type": "yarn"})"),
       {"rope_scaling.factor: missing"}},
      {"rope not object", SmallQwen3(R"("rope_scaling": 4)"), {"rope_scaling: expected an object"}},
      {"rope factor negative", SmallQwen3(R"("rope_scaling": {"type": "linear", "factor": -2})"),
       {"rope_scaling.factor", "-2"}},
      {"unknown dtype", SmallQwen3(R"("torch_dtype": "int4")"), {"torch_dtype: unknown dtype 'int4'"}},
      {"dtype not string", SmallQwen3(R"("torch_dtype": 16)"), {"torch_dtype: expected a string"}},
      {"tie not bool", SmallQwen3(R"("tie_word_embeddings": "false")"),
       {"tie_word_embeddings: expected true or false"}},
      {"eps zero", SmallQwen3(R"("rms_norm_eps": 0)"), {"rms_norm_eps"}},
      {"partial rotary too big", SmallQwen3(R"("partial_rotary_factor": 1.5)"),
       {"partial_rotary_factor"}},
      {"newline in arch name", R"({"architectures": ["Evil\nArch"]})",
       {"unsupported architecture 'Evil\\nArch'"}},
  };
  for (const BrokenConfig& bc : cases) {
    SCOPED_TRACE(bc.label);
    StatusOr<ModelConfig> c = ParseModelConfig(bc.text, "cfg");
    ASSERT_FALSE(c.ok()) << bc.label << " was accepted";
    ExpectRefusal(c.status(), Code::kInvalidArgument, {"cfg: "});
    for (std::string_view needle : bc.needles) {
      EXPECT_NE(c.status().message().find(needle), std::string::npos)
          << "message lacks '" << needle << "': " << c.status().message();
    }
  }
}

// --- files and directories ---------------------------------------------------------------------

TEST(LoadModelConfigTest, ResolvesBundledNamesDirectoriesAndFiles) {
  ScratchDir tmp;
  const std::string configs = tmp / "configs";
  WriteFile(configs + "/models/Qwen/Qwen3-32B-AWQ/config.json", kQwen3_32bAwq);
  WriteFile(configs + "/models/meta-llama/Llama-3.1-8B-Instruct/config.json", kLlama31_8b);
  WriteFile(configs + "/models/Qwen/NotAModel/README.md", "no config here");

  StatusOr<std::string> bundled = ResolveModelConfigPath("Qwen/Qwen3-32B-AWQ", configs);
  ASSERT_TRUE(bundled.ok()) << bundled.status().ToString();
  EXPECT_EQ(*bundled, configs + "/models/Qwen/Qwen3-32B-AWQ/config.json");

  const std::string dir = tmp / "local-model";
  WriteFile(dir + "/config.json", kQwen25_7b);
  StatusOr<std::string> from_dir = ResolveModelConfigPath(dir, configs);
  ASSERT_TRUE(from_dir.ok()) << from_dir.status().ToString();
  EXPECT_EQ(*from_dir, dir + "/config.json");
  StatusOr<std::string> from_file = ResolveModelConfigPath(dir + "/config.json", configs);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(*from_file, dir + "/config.json");

  StatusOr<ModelConfig> loaded = LoadModelConfig("Qwen/Qwen3-32B-AWQ", configs);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->name, "Qwen/Qwen3-32B-AWQ");
  EXPECT_EQ(loaded->intermediate_size, 25600);
  EXPECT_TRUE(loaded->checkpoint_files.empty());

  EXPECT_EQ(BundledModelNames(configs),
            (std::vector<std::string>{"Qwen/Qwen3-32B-AWQ", "meta-llama/Llama-3.1-8B-Instruct"}));
  EXPECT_TRUE(BundledModelNames(tmp / "nowhere").empty());
}

TEST(LoadModelConfigTest, MissingAndUnreadableInputsAreOneLineErrors) {
  ScratchDir tmp;
  ExpectRefusal(ResolveModelConfigPath("Org/NoSuchModel", tmp / "configs").status(), Code::kNotFound,
                {"Org/NoSuchModel: no such file"});
  ExpectRefusal(LoadModelConfig(tmp / "missing/config.json", tmp / "configs").status(),
                Code::kNotFound, {"no such file"});
  ExpectRefusal(ResolveModelConfigPath("", tmp / "configs").status(), Code::kInvalidArgument,
                {"empty"});

  std::filesystem::create_directories(tmp.path() / "empty-dir");
  ExpectRefusal(LoadModelConfig(tmp / "empty-dir", tmp / "configs").status(), Code::kNotFound,
                {"empty-dir: directory has no config.json"});

  // config.json that is a directory: the OS refuses to read it.
  std::filesystem::create_directories(tmp.path() / "dir-config/config.json");
  ExpectRefusal(LoadModelConfig(tmp / "dir-config", tmp / "configs").status(),
                Code::kInvalidArgument, {"config.json: is a directory"});

  // A malformed file: the message starts with its path.
  WriteFile(tmp / "bad/config.json",
            "{\"architectures\": [\"LlamaForCausalLM\"],\n\"hidden_size\": -1}");
  ExpectRefusal(LoadModelConfig(tmp / "bad", tmp / "configs").status(), Code::kInvalidArgument,
                {(tmp / "bad/config.json") + ": hidden_size"});
}

// Two tensors, F16 [4, 2] (16 bytes) at 0 and BF16 [3] (6 bytes) at 16, in a 22-byte data region.
constexpr char kTwoTensorHeader[] =
    R"({"__metadata__": {"format": "pt"},
        "model.norm.weight": {"dtype": "BF16", "shape": [3], "data_offsets": [16, 22]},
        "model.embed_tokens.weight": {"dtype": "F16", "shape": [4, 2], "data_offsets": [0, 16]}})";

TEST(LoadModelConfigTest, AttachesSafetensorsTensorsOfTheModelDirectory) {
  ScratchDir tmp;
  const std::string dir = tmp / "tiny";
  WriteFile(dir + "/config.json", kQwen3_06b);
  WriteFile(dir + "/model.safetensors", SafetensorsImage(kTwoTensorHeader, 22));

  StatusOr<ModelConfig> c = LoadModelConfig(dir, tmp / "configs");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, dir);
  EXPECT_EQ(c->checkpoint_files, (std::vector<std::string>{dir + "/model.safetensors"}));
  ASSERT_EQ(c->checkpoint_tensors.size(), 2u);
  const SafetensorsTensor& embed = c->checkpoint_tensors[0];  // data order: offset 0 first
  EXPECT_EQ(embed.name, "model.embed_tokens.weight");
  EXPECT_EQ(embed.dtype, DType::kF16);
  EXPECT_EQ(embed.shape, (std::vector<std::int64_t>{4, 2}));
  EXPECT_EQ(embed.bytes, 16);
  const SafetensorsTensor& norm = c->checkpoint_tensors[1];
  EXPECT_EQ(norm.name, "model.norm.weight");
  EXPECT_EQ(norm.dtype, DType::kBF16);
  EXPECT_EQ(norm.begin, 16);
  EXPECT_EQ(norm.end, 22);
  EXPECT_EQ(norm.bytes, 6);

  // Pointing at the config.json itself reads the same directory.
  StatusOr<ModelConfig> via_file = LoadModelConfig(dir + "/config.json", tmp / "configs");
  ASSERT_TRUE(via_file.ok()) << via_file.status().ToString();
  EXPECT_EQ(via_file->checkpoint_tensors.size(), 2u);

  // A broken shard makes the whole load fail, naming the shard.
  WriteFile(dir + "/model-extra.safetensors", "abc");
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kInvalidArgument,
                {"model-extra.safetensors: file is 3 bytes"});
}

TEST(LoadModelConfigTest, ShardsComeFromTheIndexWeightMap) {
  ScratchDir tmp;
  const std::string dir = tmp / "sharded";
  WriteFile(dir + "/config.json", kQwen3_06b);
  WriteFile(dir + "/model-00001-of-00002.safetensors",
            SafetensorsImage(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 8));
  WriteFile(dir + "/model-00002-of-00002.safetensors",
            SafetensorsImage(R"({"b": {"dtype": "I32", "shape": [1, 1], "data_offsets": [0, 4]}})", 4));
  // Not in the weight map, and not even valid: must be ignored when an index exists.
  WriteFile(dir + "/stray.safetensors", "junk");
  WriteFile(dir + "/model.safetensors.index.json",
            R"({"metadata": {"total_size": 12}, "weight_map": {
                 "b": "model-00002-of-00002.safetensors", "a": "model-00001-of-00002.safetensors"}})");

  StatusOr<ModelConfig> c = LoadModelConfig(dir, tmp / "configs");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->checkpoint_files.size(), 2u);
  EXPECT_EQ(c->checkpoint_files[0], dir + "/model-00001-of-00002.safetensors");
  ASSERT_EQ(c->checkpoint_tensors.size(), 2u);
  EXPECT_EQ(c->checkpoint_tensors[0].name, "a");
  EXPECT_EQ(c->checkpoint_tensors[1].name, "b");
  EXPECT_EQ(c->checkpoint_tensors[1].dtype, DType::kI32);

  // The index names a tensor its shard does not hold.
  WriteFile(dir + "/model.safetensors.index.json",
            R"({"weight_map": {"a": "model-00001-of-00002.safetensors",
                               "c": "model-00001-of-00002.safetensors",
                               "b": "model-00002-of-00002.safetensors"}})");
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kInvalidArgument,
                {"weight_map", "tensor 'c' is not in"});

  // The index names a shard that is not there.
  WriteFile(dir + "/model.safetensors.index.json",
            R"({"weight_map": {"a": "model-00003-of-00002.safetensors"}})");
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kNotFound,
                {"model-00003-of-00002.safetensors: no such file", "named in"});

  // The index tries to leave the model directory.
  WriteFile(dir + "/model.safetensors.index.json", R"({"weight_map": {"a": "../x.safetensors"}})");
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kInvalidArgument,
                {"weight_map", "not a file name in the model directory"});

  // The index is not JSON, or lacks weight_map.
  WriteFile(dir + "/model.safetensors.index.json", "{");
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kInvalidArgument,
                {"model.safetensors.index.json: not valid JSON"});
  WriteFile(dir + "/model.safetensors.index.json", "{}");
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kInvalidArgument,
                {"weight_map: missing"});
}

TEST(LoadModelConfigTest, SameTensorInTwoShardsIsRefused) {
  ScratchDir tmp;
  const std::string dir = tmp / "dup";
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";
  WriteFile(dir + "/config.json", kQwen3_06b);
  WriteFile(dir + "/one.safetensors", SafetensorsImage(header, 8));
  WriteFile(dir + "/two.safetensors", SafetensorsImage(header, 8));
  ExpectRefusal(LoadModelConfig(dir, tmp / "configs").status(), Code::kInvalidArgument,
                {"two.safetensors: tensor 'a' is also in", "one.safetensors"});
}

TEST(DefaultConfigsDirTest, EnvironmentOverridesTheSourceTree) {
  const char* saved = std::getenv("TPSIM_CONFIGS");
  std::string saved_value = saved ? saved : "";
  ::setenv("TPSIM_CONFIGS", "/somewhere/configs", 1);
  EXPECT_EQ(DefaultConfigsDir(), "/somewhere/configs");
  ::unsetenv("TPSIM_CONFIGS");
  EXPECT_EQ(DefaultConfigsDir(), std::string(TPSIM_SOURCE_DIR) + "/configs");
  if (saved) ::setenv("TPSIM_CONFIGS", saved_value.c_str(), 1);
}

}  // namespace
}  // namespace tpsim
