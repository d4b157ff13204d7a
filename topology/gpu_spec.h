// GPU database: one JSON file per card type, configs/gpus/<key>.json. A GpuSpec is a plain value read
// from that file; nothing here guesses. Numbers carry their unit in the field name and their source in
// `sources` (field name -> where the number comes from).
//
// Schema (every field below is read; unknown fields are ignored so the files may grow):
//   {"key": "rtx4090", "name": "NVIDIA GeForce RTX 4090", "total_memory_bytes": 25250627584,
//    "compute_capability": [8, 9], "sm_count": 128, "datacenter": false, "p2p_supported": false,
//    "nvlink": {"version": 0, "links": 0, "gb_per_s_per_link": 0.0}, "nvswitch_default": false,
//    "pcie": {"gen": 4, "lanes": 16}, "memory_bandwidth_gb_per_s": 1008.0, "fp16_tensor_tflops": 165.2,
//    "h2d_gb_per_s": 25.0, "cuda_context_bytes": 0, "sources": {"<field>": "<source>"}}
// Required: name, total_memory_bytes (> 0), compute_capability. The others default to 0/false.
// `cuda_context_bytes` 0 means "not measured for this card" (callers fall back to a documented
// default, see comm_memory.h ModelContextMemory).
//
// Errors are InvalidArgument with one line naming the file or key. Thread-safe (pure functions).
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
  Bytes total_memory_bytes = 0;  // as cudaMemGetInfo reports it (what vLLM sees)
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  bool datacenter = false;
  bool p2p_supported = false;  // CUDA peer access over PCIe (GeForce 40-series: false)
  int nvlink_version = 0;
  int nvlink_links = 0;
  double nvlink_gb_per_s_per_link = 0;  // one direction
  bool nvswitch_default = false;        // SXM boards: all GPUs of a node behind NVSwitch
  int pcie_gen = 0, pcie_lanes = 0;
  double memory_bandwidth_gb_per_s = 0;
  double fp16_tensor_tflops = 0;
  double h2d_gb_per_s = 0;
  Bytes cuda_context_bytes = 0;  // 0 = not measured
  std::map<std::string, std::string> sources;

  int compute_capability() const { return cc_major * 10 + cc_minor; }
};

// Parses the JSON text of one GPU file. `key` names the file in messages and is the key when the JSON
// has none; a JSON "key" different from `key` is an error.
StatusOr<GpuSpec> ParseGpuSpec(const std::string& json_text, const std::string& key);

// Reads configs_dir/gpus/<key>.json. An unknown key gives
// InvalidArgument "unknown GPU 'x' (known: a, b, ...)". Keys are matched case-insensitively.
StatusOr<GpuSpec> LoadGpuSpec(const std::string& key, const std::string& configs_dir);

// Sorted keys of configs_dir/gpus/*.json (empty when the folder is missing).
std::vector<std::string> GpuKeys(const std::string& configs_dir);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_GPU_SPEC_H_
