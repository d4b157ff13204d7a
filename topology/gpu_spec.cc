#include "topology/gpu_spec.h"

#include <algorithm>
#include <cctype>

#include "topology/json_util.h"

namespace tpsim {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A key is a file stem: letters, digits, '-', '_' and '.' only, so "../x" can never name a file.
bool ValidKey(const std::string& key) {
  if (key.empty() || key[0] == '.') return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

StatusOr<GpuSpec> ParseGpuSpec(const std::string& json_text, const std::string& key) {
  const std::string what = "gpus/" + key + ".json";
  TPSIM_ASSIGN_OR_RETURN(nlohmann::json j, json_util::Parse(json_text, what));
  if (!j.is_object()) return Status::InvalidArgument(what + ": top level must be a JSON object");
  namespace ju = json_util;

  GpuSpec g;
  TPSIM_ASSIGN_OR_RETURN(g.key, ju::GetString(j, "key", key, what));
  if (!key.empty() && g.key != key) {
    return Status::InvalidArgument(what + ": key '" + g.key + "' does not match the file name");
  }
  TPSIM_ASSIGN_OR_RETURN(g.name, ju::RequireString(j, "name", what));
  TPSIM_ASSIGN_OR_RETURN(long long total, ju::RequireInt(j, "total_memory_bytes", what));
  if (total <= 0) return Status::InvalidArgument(what + ": total_memory_bytes must be > 0");
  g.total_memory_bytes = total;

  auto cc = j.find("compute_capability");
  if (cc == j.end() || !cc->is_array() || cc->size() != 2 || !(*cc)[0].is_number_integer() ||
      !(*cc)[1].is_number_integer()) {
    return Status::InvalidArgument(what + ": compute_capability must be [major, minor]");
  }
  g.cc_major = (*cc)[0].get<int>();
  g.cc_minor = (*cc)[1].get<int>();
  if (g.cc_major < 1 || g.cc_minor < 0 || g.cc_minor > 9) {
    return Status::InvalidArgument(what + ": compute_capability out of range");
  }

  TPSIM_ASSIGN_OR_RETURN(long long sm, ju::GetInt(j, "sm_count", 0, what));
  g.sm_count = static_cast<int>(sm);
  TPSIM_ASSIGN_OR_RETURN(g.datacenter, ju::GetBool(j, "datacenter", false, what));
  TPSIM_ASSIGN_OR_RETURN(g.p2p_supported, ju::GetBool(j, "p2p_supported", false, what));
  TPSIM_ASSIGN_OR_RETURN(g.nvswitch_default, ju::GetBool(j, "nvswitch_default", false, what));

  if (auto nv = j.find("nvlink"); nv != j.end() && !nv->is_null()) {
    if (!nv->is_object()) return Status::InvalidArgument(what + ": field 'nvlink' must be an object");
    TPSIM_ASSIGN_OR_RETURN(long long v, ju::GetInt(*nv, "version", 0, what + " nvlink"));
    TPSIM_ASSIGN_OR_RETURN(long long l, ju::GetInt(*nv, "links", 0, what + " nvlink"));
    TPSIM_ASSIGN_OR_RETURN(g.nvlink_gb_per_s_per_link,
                           ju::GetNumber(*nv, "gb_per_s_per_link", 0.0, what + " nvlink"));
    g.nvlink_version = static_cast<int>(v);
    g.nvlink_links = static_cast<int>(l);
  }
  if (auto pc = j.find("pcie"); pc != j.end() && !pc->is_null()) {
    if (!pc->is_object()) return Status::InvalidArgument(what + ": field 'pcie' must be an object");
    TPSIM_ASSIGN_OR_RETURN(long long gen, ju::GetInt(*pc, "gen", 0, what + " pcie"));
    TPSIM_ASSIGN_OR_RETURN(long long lanes, ju::GetInt(*pc, "lanes", 0, what + " pcie"));
    g.pcie_gen = static_cast<int>(gen);
    g.pcie_lanes = static_cast<int>(lanes);
  }
  if (g.nvlink_links < 0 || g.pcie_gen < 0 || g.pcie_lanes < 0 || g.sm_count < 0) {
    return Status::InvalidArgument(what + ": counts must not be negative");
  }
  TPSIM_ASSIGN_OR_RETURN(g.memory_bandwidth_gb_per_s,
                         ju::GetNumber(j, "memory_bandwidth_gb_per_s", 0.0, what));
  TPSIM_ASSIGN_OR_RETURN(g.fp16_tensor_tflops, ju::GetNumber(j, "fp16_tensor_tflops", 0.0, what));
  TPSIM_ASSIGN_OR_RETURN(g.h2d_gb_per_s, ju::GetNumber(j, "h2d_gb_per_s", 0.0, what));
  TPSIM_ASSIGN_OR_RETURN(long long ctx, ju::GetInt(j, "cuda_context_bytes", 0, what));
  if (ctx < 0) return Status::InvalidArgument(what + ": cuda_context_bytes must not be negative");
  g.cuda_context_bytes = ctx;

  if (auto src = j.find("sources"); src != j.end() && !src->is_null()) {
    if (!src->is_object()) return Status::InvalidArgument(what + ": field 'sources' must be an object");
    for (auto it = src->begin(); it != src->end(); ++it) {
      if (!it.value().is_string()) {
        return Status::InvalidArgument(what + ": sources['" + it.key() + "'] must be a string");
      }
      g.sources[it.key()] = it.value().get<std::string>();
    }
  }
  return g;
}

std::vector<std::string> GpuKeys(const std::string& configs_dir) {
  return json_util::JsonStems(configs_dir + "/gpus");
}

StatusOr<GpuSpec> LoadGpuSpec(const std::string& key, const std::string& configs_dir) {
  const std::string k = Lower(key);
  const std::string path = configs_dir + "/gpus/" + k + ".json";
  if (!ValidKey(k) || !json_util::FileExists(path)) {
    std::string known;
    for (const std::string& name : GpuKeys(configs_dir)) known += (known.empty() ? "" : ", ") + name;
    return Status::InvalidArgument("unknown GPU '" + key + "' (known: " +
                                   (known.empty() ? "none in " + configs_dir + "/gpus" : known) + ")");
  }
  TPSIM_ASSIGN_OR_RETURN(std::string text, json_util::ReadFile(path));
  return ParseGpuSpec(text, k);
}

}  // namespace tpsim
