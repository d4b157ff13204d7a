// GpuSpec: one card type from configs/gpus/<key>.json — total memory as cudaMemGetInfo reports it,
// compute capability, SMs, P2P and links, bandwidths, the CUDA context size — each number with its
// source in the file's "sources" object.
#ifndef TPSIM_TOPOLOGY_GPU_SPEC_H_
#define TPSIM_TOPOLOGY_GPU_SPEC_H_

#include <map>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim {

struct GpuSpec {
  std::string key, name;
  Bytes total_memory_bytes = 0;
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  bool datacenter = false;
  bool p2p_supported = false;
  int nvlink_version = 0;
  int nvlink_links = 0;
  double nvlink_gb_per_s_per_link = 0;
  bool nvswitch_default = false;
  int pcie_gen = 0, pcie_lanes = 0;
  double memory_bandwidth_gb_per_s = 0;
  double fp16_tensor_tflops = 0;
  double h2d_gb_per_s = 0;
  Bytes cuda_context_bytes = 0;
  std::map<std::string, std::string> sources;
  int compute_capability() const { return cc_major * 10 + cc_minor; }
};

// Parses one configs/gpus/<key>.json. InvalidArgument naming the field on any schema violation.
StatusOr<GpuSpec> ParseGpuSpec(const std::string& json_text, const std::string& key);
// configs_dir/gpus/<key>.json. Unknown key -> InvalidArgument "unknown GPU 'x' (known: a, b, ...)".
StatusOr<GpuSpec> LoadGpuSpec(const std::string& key, const std::string& configs_dir);
// Sorted keys of configs_dir/gpus/*.json.
std::vector<std::string> GpuKeys(const std::string& configs_dir);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_GPU_SPEC_H_
