// Every file under tests/data/bad_inputs/ must be refused with a one-line InvalidArgument naming the
// problem. The table below lists the words expected per file; a file without an entry (or an entry
// without a file) fails the test, so the fixtures and their expectations stay in step.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sim/base/input_util.h"
#include "sim/model/model_config.h"
#include "sim/model/safetensors.h"
#include "tests/sim/model/model_test_util.h"

namespace tpsim {
namespace {

using testing_model::ExpectRefusal;
using Code = Status::Code;

// st_header_* fixtures are parsed as if a 64-byte data region followed the header (see README.md).
constexpr std::uint64_t kFixtureDataBytes = 64;

const std::map<std::string, std::vector<std::string_view>>& Expected() {
  static const auto* expected = new std::map<std::string, std::vector<std::string_view>>{
      {"config_empty.json", {"empty input"}},
      {"config_not_json.json", {"not valid JSON", "line 1"}},
      {"config_top_level_array.json", {"top level must be a JSON object", "array"}},
      {"config_string_hidden_size.json", {"hidden_size: expected a positive integer", "(string)"}},
      {"config_bool_hidden_size.json", {"hidden_size", "(bool)"}},
      {"config_negative_layers.json", {"num_hidden_layers", "-28"}},
      {"config_float_heads.json", {"num_attention_heads", "16.5 (float)"}},
      {"config_heads_not_divisible.json", {"num_key_value_heads", "does not divide"}},
      {"config_absurd_vocab.json", {"vocab_size", "exceeds the limit"}},
      {"config_missing_vocab.json", {"vocab_size: missing"}},
      {"config_moe_architecture.json", {"unsupported architecture 'Qwen3MoeForCausalLM'"}},
      {"config_unknown_quant_method.json", {"quant_method", "'bitsandbytes'"}},
      {"config_awq_8_bits.json", {"only 4-bit", "got 8 bits"}},
      {"config_awq_group_not_dividing.json", {"group_size: 96 does not divide hidden_size 1024"}},
      {"config_bytes_overflow.json", {"overflow 64-bit byte counts"}},
      {"config_unknown_rope_type.json", {"unsupported rope type 'longrope'"}},
      {"config_unknown_dtype.json", {"torch_dtype: unknown dtype 'int4'"}},
      {"st_header_top_level_array.json", {"expected a JSON object, got an array"}},
      {"st_header_truncated.json", {"not valid JSON"}},
      {"st_header_unknown_dtype.json", {"unknown safetensors dtype 'Q4_K'"}},
      {"st_header_negative_dim.json", {"shape: expected an array of non-negative integers"}},
      {"st_header_shape_overflow.json", {"overflows 64 bits"}},
      {"st_header_bytes_mismatch.json", {"span 8 bytes", "needs 16"}},
      {"st_header_offsets_past_end.json", {"past the end of the data region (64 bytes)"}},
      {"st_header_offsets_reversed.json", {"begin 8 is after end 4"}},
      {"st_header_offsets_one_value.json", {"data_offsets: expected [begin, end]"}},
      {"st_header_metadata_not_strings.json", {"__metadata__", "must be a string"}},
      {"st_header_entry_not_object.json", {"tensor 'w': expected an object"}},
  };
  return *expected;
}

std::filesystem::path FixtureDir() {
  return std::filesystem::path(TPSIM_SOURCE_DIR) / "tests" / "data" / "bad_inputs";
}

TEST(BadInputsTest, EveryFixtureHasAnExpectationAndViceVersa) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(FixtureDir())) {
    std::string leaf = entry.path().filename().string();
    if (leaf != "README.md") files.push_back(leaf);
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> listed;
  for (const auto& [leaf, needles] : Expected()) listed.push_back(leaf);
  EXPECT_EQ(files, listed);
  EXPECT_GE(files.size(), 12u);
}

TEST(BadInputsTest, EveryFixtureIsRefusedOnOneLineNamingTheProblem) {
  for (const auto& [leaf, needles] : Expected()) {
    SCOPED_TRACE(leaf);
    const std::string path = (FixtureDir() / leaf).string();
    StatusOr<std::string> text = ReadWholeFile(path, 1 << 20);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    Status s;
    if (leaf.rfind("config_", 0) == 0) {
      s = ParseModelConfig(*text, leaf).status();
    } else {
      ASSERT_EQ(leaf.rfind("st_header_", 0), 0u) << "unknown fixture kind";
      s = ParseSafetensorsHeader(*text, 8 + text->size() + kFixtureDataBytes, leaf).status();
    }
    ExpectRefusal(s, Code::kInvalidArgument, {leaf + ": "});
    for (std::string_view needle : needles) {
      EXPECT_NE(s.message().find(needle), std::string::npos)
          << "message lacks '" << needle << "': " << s.message();
    }
  }
}

}  // namespace
}  // namespace tpsim
