#include "sim/engine/engine_constants.h"

#include "topology/json_util.h"

namespace tpsim {

namespace {

// obj[key] when present; InvalidArgument when it is not an object.
StatusOr<const nlohmann::json*> Section(const nlohmann::json& j, const char* key, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end()) return static_cast<const nlohmann::json*>(nullptr);
  if (!it->is_object()) return Status::InvalidArgument(what + ": '" + key + "' must be an object");
  return &*it;
}

}  // namespace

StatusOr<EngineConstants> ParseEngineConstants(const std::string& json_text, const std::string& what) {
  namespace ju = json_util;
  TPSIM_ASSIGN_OR_RETURN(nlohmann::json j, ju::Parse(json_text, what));
  if (!j.is_object()) return Status::InvalidArgument(what + ": top level must be a JSON object");
  EngineConstants c;
  TPSIM_ASSIGN_OR_RETURN(const nlohmann::json* clock, Section(j, "simulated_clock", what));
  if (clock != nullptr) {
    TPSIM_ASSIGN_OR_RETURN(c.context_create_seconds,
                           ju::GetNumber(*clock, "context_create_seconds", c.context_create_seconds, what));
    TPSIM_ASSIGN_OR_RETURN(c.communicator_init_seconds, ju::GetNumber(*clock, "communicator_init_seconds",
                                                                      c.communicator_init_seconds, what));
    TPSIM_ASSIGN_OR_RETURN(c.matmul_efficiency,
                           ju::GetNumber(*clock, "matmul_efficiency", c.matmul_efficiency, what));
    TPSIM_ASSIGN_OR_RETURN(c.graph_capture_seconds,
                           ju::GetNumber(*clock, "graph_capture_seconds", c.graph_capture_seconds, what));
  }
  TPSIM_ASSIGN_OR_RETURN(const nlohmann::json* graphs, Section(j, "cuda_graphs", what));
  if (graphs != nullptr) {
    TPSIM_ASSIGN_OR_RETURN(c.graph_bytes_per_node,
                           ju::GetInt(*graphs, "bytes_per_captured_node", c.graph_bytes_per_node, what));
    TPSIM_ASSIGN_OR_RETURN(long long kernels,
                           ju::GetInt(*graphs, "kernels_per_layer", c.graph_kernels_per_layer, what));
    if (kernels < 1 || kernels > 1000) {
      return Status::InvalidArgument(what + ": cuda_graphs.kernels_per_layer must be 1..1000");
    }
    c.graph_kernels_per_layer = static_cast<int>(kernels);
  }
  if (!(c.context_create_seconds >= 0 && c.communicator_init_seconds >= 0 && c.graph_capture_seconds >= 0)) {
    return Status::InvalidArgument(what + ": simulated_clock times must be >= 0");
  }
  if (!(c.matmul_efficiency > 0 && c.matmul_efficiency <= 1)) {
    return Status::InvalidArgument(what + ": simulated_clock.matmul_efficiency must be in (0, 1]");
  }
  if (c.graph_bytes_per_node < 0 || c.graph_bytes_per_node > kGiB) {
    return Status::InvalidArgument(what + ": cuda_graphs.bytes_per_captured_node must be 0..1 GiB");
  }
  return c;
}

}  // namespace tpsim
