#include "topology/comm_constants.h"

#include <cstdlib>

#include "topology/json_util.h"

namespace tpsim {

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
