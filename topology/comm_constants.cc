#include "topology/comm_constants.h"

#include <cstdlib>

#include "topology/json_util.h"

namespace tpsim {

std::vector<NcclByVllm> CommConstants::DefaultNcclByVllm() {
  // The vLLM -> torch pins are read off vLLM's requirements/cuda.txt history as remembered, not
  // re-read here; the torch -> NCCL pins carry their own sources. vLLM 0.19.0 is anchored by its logs.
  return {
      {{0, 4, 3},
       "2.3.0",
       {2, 20, 5},
       "torch 2.3 wheels depend on nvidia-nccl-cu12 2.20.5 (not re-verified)"},
      {{0, 5, 4},
       "2.4.0",
       {2, 20, 5},
       "torch 2.4 wheels depend on nvidia-nccl-cu12 2.20.5 (not re-verified)"},
      {{0, 6, 4},
       "2.5.1",
       {2, 21, 5},
       "torch 2.5 -> 2.21.5, the usual pin (nccl_cuda_overheads.md §0; not re-verified)"},
      {{0, 8, 0}, "2.6.0", {2, 21, 5}, "pytorch/pytorch#150049: the 2.6.0-cuda12.4 image ships NCCL 2.21.5"},
      {{0, 9, 0}, "2.7.0", {2, 26, 2}, "NVIDIA/nccl#1790: vLLM CI with torch 2.7 runs NCCL 2.26.2"},
      {{0, 10, 2}, "2.8.0", {2, 27, 3}, "pytorch/pytorch#157461: torch 2.8 reports NCCL 2.27.3"},
      {{0, 11, 1},
       "2.9/2.10",
       {2, 27, 5},
       "vLLM 0.19.0 start-up logs print nccl==2.27.5 (llm-d-planner accuracy/results/v0.19.0); torch 2.10 "
       "pins 2.27.5 for CUDA 12.x (pytorch/pytorch#190386)"},
  };
}

const NcclByVllm& NcclForVllm(const CommConstants& c, const VllmVersion& v) {
  const NcclByVllm* found = &c.nccl_by_vllm.front();
  for (const NcclByVllm& row : c.nccl_by_vllm) {
    if (row.first <= v) found = &row;
  }
  return *found;
}

StatusOr<CommConstants> ParseCommConstants(const std::string& json_text, const std::string& what) {
  namespace ju = json_util;
  TPSIM_ASSIGN_OR_RETURN(nlohmann::json j, ju::Parse(json_text, what));
  if (!j.is_object()) return Status::InvalidArgument(what + ": top level must be a JSON object");
  CommConstants c;
  if (auto b = j.find("nccl_buffers"); b != j.end()) {
    if (!b->is_object()) return Status::InvalidArgument(what + ": 'nccl_buffers' must be an object");
    TPSIM_ASSIGN_OR_RETURN(c.nccl_ll_buffsize, ju::GetInt(*b, "ll_bytes", c.nccl_ll_buffsize, what));
    TPSIM_ASSIGN_OR_RETURN(c.nccl_ll128_buffsize, ju::GetInt(*b, "ll128_bytes", c.nccl_ll128_buffsize, what));
    TPSIM_ASSIGN_OR_RETURN(c.nccl_simple_buffsize,
                           ju::GetInt(*b, "simple_bytes", c.nccl_simple_buffsize, what));
    if (c.nccl_ll_buffsize < 0 || c.nccl_ll128_buffsize < 0 || c.nccl_simple_buffsize <= 0) {
      return Status::InvalidArgument(what + ": NCCL buffer sizes must be positive");
    }
  }
  TPSIM_ASSIGN_OR_RETURN(long long maxch, ju::GetInt(j, "nccl_max_nchannels", 0, what));
  if (maxch < 0 || maxch > 64) return Status::InvalidArgument(what + ": nccl_max_nchannels must be 0..64");
  c.nccl_max_nchannels = static_cast<int>(maxch);

  if (auto t = j.find("nccl_by_vllm"); t != j.end()) {
    if (!t->is_array() || t->empty())
      return Status::InvalidArgument(what + ": 'nccl_by_vllm' must be a non-empty list");
    c.nccl_by_vllm.clear();
    for (const auto& row : *t) {
      if (!row.is_object()) return Status::InvalidArgument(what + ": nccl_by_vllm rows are objects");
      TPSIM_ASSIGN_OR_RETURN(std::string v, ju::RequireString(row, "vllm", what));
      TPSIM_ASSIGN_OR_RETURN(std::string n, ju::RequireString(row, "nccl", what));
      NcclByVllm r;
      TPSIM_ASSIGN_OR_RETURN(r.first, ParseVllmVersion(v));
      TPSIM_ASSIGN_OR_RETURN(r.nccl, ParseNcclVersion(n));
      TPSIM_ASSIGN_OR_RETURN(r.torch, ju::GetString(row, "torch", "", what));
      TPSIM_ASSIGN_OR_RETURN(r.source, ju::GetString(row, "source", "", what));
      if (!c.nccl_by_vllm.empty() && !(c.nccl_by_vllm.back().first < r.first)) {
        return Status::InvalidArgument(what + ": nccl_by_vllm must be sorted by vllm version");
      }
      c.nccl_by_vllm.push_back(r);
    }
  }
  if (auto ctx = j.find("cuda_context"); ctx != j.end()) {
    if (!ctx->is_object()) return Status::InvalidArgument(what + ": 'cuda_context' must be an object");
    TPSIM_ASSIGN_OR_RETURN(c.default_cuda_context_bytes,
                           ju::GetInt(*ctx, "default_bytes", c.default_cuda_context_bytes, what));
    TPSIM_ASSIGN_OR_RETURN(c.first_forward_growth_bytes, ju::GetInt(*ctx, "first_forward_growth_bytes",
                                                                    c.first_forward_growth_bytes, what));
  }
  if (auto code = j.find("nccl_device_code_bytes_by_sm"); code != j.end()) {
    if (!code->is_object())
      return Status::InvalidArgument(what + ": 'nccl_device_code_bytes_by_sm' must be an object");
    c.nccl_device_code_bytes_by_sm.clear();
    for (auto it = code->begin(); it != code->end(); ++it) {
      if (it.key() == "source") continue;
      char* end = nullptr;
      long sm = std::strtol(it.key().c_str(), &end, 10);
      if (end == it.key().c_str() || *end != '\0' || !it.value().is_number_integer()) {
        return Status::InvalidArgument(what + ": nccl_device_code_bytes_by_sm maps \"<sm>\" to bytes");
      }
      c.nccl_device_code_bytes_by_sm[static_cast<int>(sm)] = it.value().get<Bytes>();
    }
  }
  return c;
}

StatusOr<CommConstants> LoadCommConstants(const std::string& configs_dir) {
  const std::string path = configs_dir + "/nccl.json";
  TPSIM_ASSIGN_OR_RETURN(std::string text, json_util::ReadFile(path));
  return ParseCommConstants(text, "nccl.json");
}

}  // namespace tpsim
