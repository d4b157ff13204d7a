#include "topology/gpu_spec.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace tpsim {

using nlohmann::json;

StatusOr<GpuSpec> ParseGpuSpec(const std::string& text, const std::string& key) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("gpus/" + key + ".json: not a JSON object");
  }
  GpuSpec g;
  try {
    g.key = j.at("key").get<std::string>();
    g.name = j.at("name").get<std::string>();
    g.total_memory_bytes = j.at("total_memory_bytes").get<Bytes>();
    const auto& cc = j.at("compute_capability");
    g.cc_major = cc.at(0).get<int>();
    g.cc_minor = cc.at(1).get<int>();
    g.sm_count = j.at("sm_count").get<int>();
    g.datacenter = j.at("datacenter").get<bool>();
    g.p2p_supported = j.at("p2p_supported").get<bool>();
    const auto& nv = j.at("nvlink");
    g.nvlink_version = nv.at("version").get<int>();
    g.nvlink_links = nv.at("links").get<int>();
    g.nvlink_gb_per_s_per_link = nv.at("gb_per_s_per_link").get<double>();
    g.nvswitch_default = j.at("nvswitch_default").get<bool>();
    g.pcie_gen = j.at("pcie").at("gen").get<int>();
    g.pcie_lanes = j.at("pcie").at("lanes").get<int>();
    g.memory_bandwidth_gb_per_s = j.at("memory_bandwidth_gb_per_s").get<double>();
    g.fp16_tensor_tflops = j.at("fp16_tensor_tflops").get<double>();
    g.h2d_gb_per_s = j.at("h2d_gb_per_s").get<double>();
    g.cuda_context_bytes = j.at("cuda_context_bytes").get<Bytes>();
    for (const auto& [k, v] : j.at("sources").items()) g.sources[k] = v.get<std::string>();
  } catch (const json::exception& e) {
    std::string what = e.what();
    std::replace(what.begin(), what.end(), '\n', ' ');
    return Status::InvalidArgument("gpus/" + key + ".json: " + what);
  }
  if (g.total_memory_bytes <= kGiB || g.sm_count <= 0 || g.h2d_gb_per_s <= 0 ||
      g.fp16_tensor_tflops <= 0 || g.cuda_context_bytes < 0) {
    return Status::InvalidArgument("gpus/" + key + ".json: a size or rate is out of range");
  }
  return g;
}

std::vector<std::string> GpuKeys(const std::string& configs_dir) {
  std::vector<std::string> keys;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(configs_dir + "/gpus", ec)) {
    if (e.path().extension() == ".json") keys.push_back(e.path().stem().string());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

StatusOr<GpuSpec> LoadGpuSpec(const std::string& key, const std::string& configs_dir) {
  const std::vector<std::string> keys = GpuKeys(configs_dir);
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
    std::string known;
    for (const std::string& k : keys) known += (known.empty() ? "" : ", ") + k;
    return Status::InvalidArgument("unknown GPU '" + key + "' (known: " + known + ")");
  }
  std::ifstream in(configs_dir + "/gpus/" + key + ".json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseGpuSpec(ss.str(), key);
}

}  // namespace tpsim
