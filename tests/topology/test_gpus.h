// GPU specs built in code for the topology tests, so that they do not depend on the numbers in
// configs/gpus/*.json (which belong to the GPU database). Only the fields the communication model
// reads are set, from the cards' public data sheets.
#ifndef TPSIM_TESTS_TOPOLOGY_TEST_GPUS_H_
#define TPSIM_TESTS_TOPOLOGY_TEST_GPUS_H_

#include <string>

#include "topology/gpu_spec.h"

namespace tpsim::testing {

inline GpuSpec MakeGpu(const std::string& key, int cc_major, int cc_minor, bool datacenter, bool p2p,
                       int nvlinks, double nvlink_gbps, bool nvswitch, int pcie_gen) {
  GpuSpec g;
  g.key = key;
  g.name = key;
  g.total_memory_bytes = 24LL << 30;
  g.cc_major = cc_major;
  g.cc_minor = cc_minor;
  g.datacenter = datacenter;
  g.p2p_supported = p2p;
  g.nvlink_links = nvlinks;
  g.nvlink_gb_per_s_per_link = nvlink_gbps;
  g.nvswitch_default = nvswitch;
  g.pcie_gen = pcie_gen;
  g.pcie_lanes = 16;
  g.memory_bandwidth_gb_per_s = 1000;
  return g;
}

inline GpuSpec Rtx4090() { return MakeGpu("rtx4090", 8, 9, false, false, 0, 0, false, 4); }
inline GpuSpec Rtx3090() { return MakeGpu("rtx3090", 8, 6, false, false, 4, 14.0625, false, 4); }
inline GpuSpec A100Sxm() { return MakeGpu("a100", 8, 0, true, true, 12, 25, true, 4); }
inline GpuSpec A100Pcie() { return MakeGpu("a100-pcie", 8, 0, true, true, 12, 25, false, 4); }
inline GpuSpec H100Sxm() { return MakeGpu("h100", 9, 0, true, true, 18, 25, true, 5); }
inline GpuSpec H100Pcie() { return MakeGpu("h100-pcie", 9, 0, true, true, 18, 25, false, 5); }
inline GpuSpec B200() { return MakeGpu("b200", 10, 0, true, true, 18, 50, true, 5); }

}  // namespace tpsim::testing

#endif  // TPSIM_TESTS_TOPOLOGY_TEST_GPUS_H_
