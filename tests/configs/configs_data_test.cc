// Schema checks for the bundled data under configs/: every configs/gpus/<key>.json has all fields of
// the GPU schema (configs/gpus/README.md) with the right JSON types, a "sources" entry for every
// numeric field and a plausible total; every configs/models/**/config.json parses as a dense decoder
// whose head counts divide. The data files are found through TPSIM_SOURCE_DIR (the repository root).
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace tpsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t kGiB = int64_t{1} << 30;
// Plausible cudaMemGetInfo totals for the cards tpsim models (bytes): the smallest bundled card has
// 10 GB (RTX 3080), the largest (H200) 141 GB.
constexpr int64_t kMinTotalBytes = 8 * kGiB;
constexpr int64_t kMaxTotalBytes = 200 * kGiB;

fs::path ConfigsDir() { return fs::path(TPSIM_SOURCE_DIR) / "configs"; }

// The whole file as parsed JSON; a parse failure is reported as a test failure and yields null.
json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << path << " is not valid JSON";
  return j.is_discarded() ? json() : j;
}

std::vector<fs::path> GpuFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(ConfigsDir() / "gpus")) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<fs::path> ModelConfigFiles() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(ConfigsDir() / "models")) {
    if (e.path().filename() == "config.json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

enum class Kind { kString, kBool, kInteger, kNumber, kIntPair, kObject };

bool HasKind(const json& v, Kind kind) {
  switch (kind) {
    case Kind::kString: return v.is_string();
    case Kind::kBool: return v.is_boolean();
    case Kind::kInteger: return v.is_number_integer();
    case Kind::kNumber: return v.is_number();
    case Kind::kIntPair:
      return v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer();
    case Kind::kObject: return v.is_object();
  }
  return false;
}

struct Field {
  const char* path;  // "a" or "a.b"
  Kind kind;
  bool numeric;      // needs a "sources" entry (under its top-level name)
};

// The GPU schema of configs/gpus/README.md.
const Field kGpuFields[] = {
    {"key", Kind::kString, false},
    {"name", Kind::kString, false},
    {"total_memory_bytes", Kind::kInteger, true},
    {"compute_capability", Kind::kIntPair, true},
    {"sm_count", Kind::kInteger, true},
    {"datacenter", Kind::kBool, false},
    {"p2p_supported", Kind::kBool, false},
    {"nvlink", Kind::kObject, false},
    {"nvlink.version", Kind::kInteger, true},
    {"nvlink.links", Kind::kInteger, true},
    {"nvlink.gb_per_s_per_link", Kind::kNumber, true},
    {"nvswitch_default", Kind::kBool, false},
    {"pcie", Kind::kObject, false},
    {"pcie.gen", Kind::kInteger, true},
    {"pcie.lanes", Kind::kInteger, true},
    {"memory_bandwidth_gb_per_s", Kind::kNumber, true},
    {"fp16_tensor_tflops", Kind::kNumber, true},
    {"h2d_gb_per_s", Kind::kNumber, true},
    {"cuda_context_bytes", Kind::kInteger, true},
    {"sources", Kind::kObject, false},
};

// The value at "a" or "a.b", or nullptr.
const json* Lookup(const json& j, const std::string& path) {
  const json* cur = &j;
  std::string rest = path;
  while (true) {
    size_t dot = rest.find('.');
    std::string head = rest.substr(0, dot);
    if (!cur->is_object() || !cur->contains(head)) return nullptr;
    cur = &(*cur)[head];
    if (dot == std::string::npos) return cur;
    rest = rest.substr(dot + 1);
  }
}

// A numeric field is sourced by an entry for its full path ("nvlink.links") or its top-level
// object ("nvlink"), as configs/gpus/README.md allows.
bool HasSource(const json& sources, const std::string& path) {
  auto ok = [&](const std::string& k) {
    return sources.contains(k) && sources[k].is_string() && !sources[k].get<std::string>().empty();
  };
  return ok(path) || ok(path.substr(0, path.find('.')));
}

TEST(ConfigsDataTest, EveryGpuSpecKeyIsListed) {
  // The keys DESIGN.md section 4 promises, and the consumer cards issue 18 adds; each must have a file.
  const std::set<std::string> promised = {
      "rtx4090", "rtx3090", "rtx2080ti-22g", "rtx5080", "a10", "a40", "l20", "l40s",
      "rtxa5000", "rtxa6000", "a100-40g", "a100-80g", "h100-pcie", "h100-sxm", "h20", "h200",
      "rtx5090", "rtx4090d-48g", "rtx4080", "rtx4060ti-16g", "rtx3080-10g", "rtx3080-12g"};
  std::set<std::string> present;
  for (const fs::path& p : GpuFiles()) present.insert(p.stem().string());
  for (const std::string& key : promised) EXPECT_TRUE(present.count(key)) << "missing gpus/" << key;
}

TEST(ConfigsDataTest, GpuSpecsFollowTheSchema) {
  const std::vector<fs::path> files = GpuFiles();
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const json j = ReadJson(path);
    ASSERT_TRUE(j.is_object());
    for (const Field& f : kGpuFields) {
      const json* v = Lookup(j, f.path);
      ASSERT_NE(v, nullptr) << "missing field " << f.path;
      EXPECT_TRUE(HasKind(*v, f.kind)) << "wrong JSON type for " << f.path << ": " << v->dump();
      if (f.numeric && j.contains("sources")) {
        EXPECT_TRUE(HasSource(j["sources"], f.path)) << "no sources entry for " << f.path;
      }
    }
    EXPECT_EQ(j.value("key", ""), path.stem().string());
    const json& total = j["total_memory_bytes"];
    if (total.is_number_integer()) {
      EXPECT_GE(total.get<int64_t>(), kMinTotalBytes);
      EXPECT_LE(total.get<int64_t>(), kMaxTotalBytes);
    }
    for (const auto& [name, text] : j["sources"].items()) {
      EXPECT_TRUE(text.is_string()) << "sources." << name << " is not a string";
    }
  }
}

TEST(ConfigsDataTest, ModelConfigsAreDenseDecodersWithDividingHeads) {
  const std::vector<fs::path> files = ModelConfigFiles();
  ASSERT_FALSE(files.empty());
  for (const fs::path& path : files) {
    SCOPED_TRACE(path.string());
    const json j = ReadJson(path);
    ASSERT_TRUE(j.is_object());
    for (const char* name : {"hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"}) {
      ASSERT_TRUE(j.contains(name)) << "missing " << name;
      ASSERT_TRUE(j[name].is_number_integer()) << name << " is not an integer";
      EXPECT_GT(j[name].get<int64_t>(), 0) << name;
    }
    const int64_t heads = j["num_attention_heads"].get<int64_t>();
    // HF omits num_key_value_heads for plain multi-head attention; it then equals the head count.
    const int64_t kv_heads = j.contains("num_key_value_heads")
                                 ? j["num_key_value_heads"].get<int64_t>()
                                 : heads;
    ASSERT_GT(kv_heads, 0);
    EXPECT_EQ(heads % kv_heads, 0) << heads << " attention heads over " << kv_heads << " KV heads";
  }
}

}  // namespace
}  // namespace tpsim
