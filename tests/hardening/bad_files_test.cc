// Hardening: missing, unreadable, special and malformed files behind --model, --config, --topology
// and --timeline. Each must be refused with exit 2, one line on stderr, nothing on stdout and no file
// written (cli_harness.h), within the time and memory limits. The files are written by the tests.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hardening/cli_harness.h"

namespace tpsim::hardening {
namespace {

const std::string kBundledConfig =
    std::string(TPSIM_SOURCE_DIR) + "/configs/models/Qwen/Qwen3-32B-AWQ/config.json";

// The bytes of a safetensors file: u64 little-endian header length, header, then `data`.
std::string Safetensors(const std::string& header, std::uint64_t claimed_length, const std::string& data = "") {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((claimed_length >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string Safetensors(const std::string& header) { return Safetensors(header, header.size()); }

// A model directory in `scratch` holding the bundled Qwen3-32B-AWQ config.json and `weights` as
// model.safetensors.
std::string ModelDirWithWeights(const Scratch& scratch, const std::string& weights) {
  const std::string dir = scratch.In("model");
  fs::create_directories(dir);
  fs::copy_file(kBundledConfig, dir + "/config.json");
  WriteFile(dir + "/model.safetensors", weights);
  return dir;
}

// ---- --model

TEST(BadModelFileTest, EmptyConfigFile) {
  Scratch s;
  WriteFile(s.In("config.json"), "");
  ExpectRefused(s, {"plan", "--model", s.In("config.json")}, "empty");
}

TEST(BadModelFileTest, DirectoryWithoutConfigJson) {
  Scratch s;
  fs::create_directories(s.In("model"));
  ExpectRefused(s, {"plan", "--model", s.In("model")}, "config.json");
}

TEST(BadModelFileTest, ConfigJsonIsADirectory) {
  Scratch s;
  fs::create_directories(s.In("model/config.json"));
  ExpectRefused(s, {"plan", "--model", s.In("model")}, "config.json");
  ExpectRefused(s, {"plan", "--model", s.In("model/config.json")});
}

TEST(BadModelFileTest, MissingPath) {
  ExpectRefused({"plan", "--model", "/nonexistent/dir/config.json"}, "/nonexistent/dir/config.json");
}

TEST(BadModelFileTest, DeviceFiles) {
  ExpectRefused({"plan", "--model", "/dev/null"}, "/dev/null");
  ExpectRefused({"plan", "--model", "/dev/zero"}, "/dev/zero");
}

TEST(BadModelFileTest, Fifo) {
  Scratch s;
  ASSERT_EQ(mkfifo(s.In("config.json").c_str(), 0644), 0);
  ExpectRefused(s, {"plan", "--model", s.In("config.json")});
}

TEST(BadModelFileTest, UnreadablePaths) {
  Scratch s;
  fs::create_symlink(s.In("nowhere.json"), s.In("dangling.json"));
  ExpectRefused(s, {"plan", "--model", s.In("dangling.json")});
  fs::create_symlink(s.In("loop_b"), s.In("loop_a"));
  fs::create_symlink(s.In("loop_a"), s.In("loop_b"));
  ExpectRefused(s, {"plan", "--model", s.In("loop_a")});
  WriteFile(s.In("plain_file"), "x");
  ExpectRefused(s, {"plan", "--model", s.In("plain_file/config.json")});
  if (geteuid() != 0) {  // root reads a mode-000 file anyway; the cases above are unreadable for all
    fs::copy_file(kBundledConfig, s.In("locked.json"));
    fs::permissions(s.In("locked.json"), fs::perms::none);
    ExpectRefused(s, {"plan", "--model", s.In("locked.json")}, "locked.json");
  }
}

TEST(BadModelFileTest, MalformedConfigJson) {
  Scratch s;
  const std::vector<std::string> texts = {
      std::string("\x00\x01\xff\xfe garbage", 13),
      "{\"hidden_size\": ",
      "[1, 2, 3]",
      "{\"architectures\": [\"Qwen3ForCausalLM\"]}",
      std::string(1'000'000, '[') + std::string(1'000'000, ']'),  // nesting: no stack overflow
  };
  for (std::size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(i);
    const std::string path = s.In("config" + std::to_string(i) + ".json");
    WriteFile(path, texts[i]);
    ExpectRefused(s, {"plan", "--model", path});
  }
}

TEST(BadModelFileTest, HugeSparseConfigJsonIsNotRead) {
  Scratch s;
  WriteFile(s.In("config.json"), "{");
  fs::resize_file(s.In("config.json"), std::uintmax_t{10} << 30);  // 10 GiB, sparse
  ExpectRefused(s, {"plan", "--model", s.In("config.json")});
}

// ---- safetensors headers in the model directory

TEST(BadSafetensorsTest, TensorClaimingExabytes) {
  Scratch s;
  // 2^30 x 2^30 x 4 float32: 2^64 bytes, the element count alone 2^62.
  const std::string header =
      R"({"model.embed_tokens.weight":{"dtype":"F32","shape":[1073741824,1073741824,4],)"
      R"("data_offsets":[0,4611686018427387904]}})";
  ExpectRefused(s, {"plan", "--model", ModelDirWithWeights(s, Safetensors(header))}, "overflow");
}

TEST(BadSafetensorsTest, OffsetsClaimingExabytesInASmallFile) {
  Scratch s;
  // 2^30 x 2^30 bf16 = 2^61 bytes, consistent with its offsets, but the file holds none of them.
  const std::string header =
      R"({"model.embed_tokens.weight":{"dtype":"BF16","shape":[1073741824,1073741824],)"
      R"("data_offsets":[0,2305843009213693952]}})";
  ExpectRefused(s, {"plan", "--model", ModelDirWithWeights(s, Safetensors(header))}, "data region");
}

TEST(BadSafetensorsTest, HeaderLengthClaimingExabytes) {
  Scratch s;
  ExpectRefused(s, {"plan", "--model", ModelDirWithWeights(s, Safetensors("{}", std::uint64_t{1} << 62))},
                "header length");
}

TEST(BadSafetensorsTest, HeaderLongerThanTheFile) {
  Scratch s;
  ExpectRefused(s, {"plan", "--model", ModelDirWithWeights(s, Safetensors("{}", 1000))}, "header length");
}

TEST(BadSafetensorsTest, TruncatedLengthPrefix) {
  Scratch s;
  ExpectRefused(s, {"plan", "--model", ModelDirWithWeights(s, std::string("\x02\x00\x00", 3))});
}

TEST(BadSafetensorsTest, HeaderNotJson) {
  Scratch s;
  ExpectRefused(s, {"plan", "--model", ModelDirWithWeights(s, Safetensors("{\"w\": [1, 2"))});
}

TEST(BadSafetensorsTest, MalformedIndex) {
  Scratch s;
  const std::string dir = ModelDirWithWeights(s, Safetensors("{}"));
  WriteFile(dir + "/model.safetensors.index.json", "{\"weight_map\": {\"w\": 3}}");
  ExpectRefused(s, {"plan", "--model", dir});
}

TEST(BadSafetensorsTest, IndexNamesAMissingShard) {
  Scratch s;
  const std::string dir = ModelDirWithWeights(s, Safetensors("{}"));
  WriteFile(dir + "/model.safetensors.index.json",
            R"({"weight_map": {"model.norm.weight": "model-00002-of-00002.safetensors"}})");
  ExpectRefused(s, {"plan", "--model", dir});
}

// ---- --config (INI run files)

TEST(BadIniTest, MalformedIni) {
  Scratch s;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"unclosed_section.ini", "[x\nfoo=bar\n"},
      {"bad_value.ini", "tp=abc\n"},
      {"unknown_key.ini", "nosuch=1\n"},
      {"overflow.ini", "max-model-len=99999999999999999999\n"},
      {"out_of_range.ini", "gpu-memory-utilization=1.5\n"},
      {"binary.ini", std::string("\x00\x01\xff=\n", 5)},
      {"section_prefix.ini", "[engine]\ntp=2\n"},
      {"repeated.ini", "tp=2\ntp=4\n"},
  };
  for (const auto& [name, text] : files) {
    SCOPED_TRACE(name);
    WriteFile(s.In(name), text);
    ExpectRefused(s, {"plan", "--config", s.In(name)});
  }
}

TEST(BadIniTest, MissingIni) {
  ExpectRefused({"plan", "--config", "/nonexistent/run.ini"}, "/nonexistent/run.ini");
}

// tools/tpsim/engine_flags.cc ParseFlags opens --config with std::ifstream, which accepts a directory
// (reads nothing) and device files and FIFOs (reads or waits forever).
TEST(KnownBugFilesTest, IniIsADirectory) {
  Scratch s;
  fs::create_directories(s.In("run.ini"));
  ExpectRefused(s, {"plan", "--config", s.In("run.ini")});
}

TEST(KnownBugFilesTest, IniIsDevZero) {
  ExpectRefused({"plan", "--config", "/dev/zero"}, "", /*timeout_s=*/20);
}

TEST(KnownBugFilesTest, IniIsAFifo) {
  Scratch s;
  ASSERT_EQ(mkfifo(s.In("run.ini").c_str(), 0644), 0);
  ExpectRefused(s, {"plan", "--config", s.In("run.ini")}, "", /*timeout_s=*/20);
}

TEST(KnownBugFilesTest, IniIsAHugeSparseFile) {
  Scratch s;
  WriteFile(s.In("run.ini"), "tp=2\n");
  fs::resize_file(s.In("run.ini"), std::uintmax_t{10} << 30);  // sparse
  ExpectRefused(s, {"plan", "--config", s.In("run.ini")}, "", /*timeout_s=*/30);
}

// Boost.Program_options 1.74 hangs formatting the message for an invalid line holding its own
// placeholder (see BoostPlaceholderHang in bad_flags_test.cc).
TEST(KnownBugFilesTest, IniLineWithBoostPlaceholder) {
  Scratch s;
  WriteFile(s.In("run.ini"), "x%invalid_line%\n");
  ExpectRefused(s, {"plan", "--config", s.In("run.ini")}, "", /*timeout_s=*/20);
}

// ---- --topology

TEST(BadTopologyTest, MalformedFiles) {
  Scratch s;
  fs::create_directories(s.In("topo_dir"));
  WriteFile(s.In("empty.txt"), "");
  WriteFile(s.In("garbage.txt"), std::string("\x00\x01GPU0\tGPU1\nGPU0 X\n", 19));
  WriteFile(s.In("ragged.txt"), "\tGPU0\tGPU1\nGPU0\t X \tPHB\nGPU1\tPHB\n");
  for (const char* name : {"topo_dir", "empty.txt", "garbage.txt", "ragged.txt"}) {
    SCOPED_TRACE(name);
    ExpectRefused(s, {"plan", "--tp", "2", "--topology", s.In(name)});
  }
}

// topology/topology.cc LoadTopology reads the file with std::ifstream + rdbuf, without a size bound
// and without refusing special files.
TEST(KnownBugFilesTest, TopologyIsDevZero) {
  ExpectRefused({"plan", "--tp", "2", "--topology", "/dev/zero"}, "", /*timeout_s=*/20);
}

// Also on the topology branch (json_util::ReadFile reads any regular file whole).
TEST(KnownBugFilesTest, TopologyIsAHugeSparseFile) {
  Scratch s;
  WriteFile(s.In("topo.txt"), "\tGPU0\tGPU1\n");
  fs::resize_file(s.In("topo.txt"), std::uintmax_t{10} << 30);  // sparse
  ExpectRefused(s, {"plan", "--tp", "2", "--topology", s.In("topo.txt")}, "", /*timeout_s=*/30);
}

TEST(KnownBugFilesTest, TopologyIsAFifo) {
  Scratch s;
  ASSERT_EQ(mkfifo(s.In("topo.txt").c_str(), 0644), 0);
  ExpectRefused(s, {"plan", "--tp", "2", "--topology", s.In("topo.txt")}, "", /*timeout_s=*/20);
}

// ---- --timeline output that cannot be written: refused before anything is printed.

TEST(BadTimelineTest, TimelineIsAnExistingFile) {
  Scratch s;
  const std::string target = s.Work() + "/not_a_dir";
  WriteFile(target, "keep me");
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", target});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_EQ(ReadFile(target), "keep me");
  EXPECT_EQ(s.WorkEntries(), std::vector<std::string>{"not_a_dir"});
}

TEST(BadTimelineTest, TimelineUnderAFile) {
  Scratch s;
  WriteFile(s.Work() + "/file", "");
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", s.Work() + "/file/sub"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_EQ(s.WorkEntries(), std::vector<std::string>{"file"});
}

// The good case of the same harness, so that the checks above cannot pass for a wrong reason: a valid
// plan with --timeline writes the directory and prints.
TEST(BadTimelineTest, ValidPlanWritesTheTimeline) {
  Scratch s;
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", s.Timeline()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(fs::exists(s.Timeline() + "/trace.json"));
  EXPECT_FALSE(s.WorkEntries().empty());
}

}  // namespace
}  // namespace tpsim::hardening
