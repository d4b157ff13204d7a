// Topology: the cards of a deployment and what connects each pair (nvidia-smi topo -m vocabulary),
// with host placement. DefaultTopology gives N identical cards: GeForce parts on PCIe without P2P,
// parts sold on NVSwitch boards on NVSwitch.
#ifndef TPSIM_TOPOLOGY_TOPOLOGY_H_
#define TPSIM_TOPOLOGY_TOPOLOGY_H_

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "sim/base/status_or.h"
#include "topology/gpu_spec.h"

namespace tpsim {

enum class LinkKind { kSelf, kNvlink, kNvswitch, kPix, kPxb, kPhb, kNode, kSys, kNet };
std::string_view LinkKindName(LinkKind k);

struct Topology {
  std::string name;
  int num_gpus = 0;
  std::vector<int> host_of_gpu;
  std::vector<int> numa_of_gpu;
  std::vector<std::vector<LinkKind>> link;
  std::vector<std::vector<int>> nvlink_count;  // NV# per pair

  // P2P works between a and b: same host, the card supports P2P, and an NVLink/NVSwitch or a PCIe
  // path at most a host bridge away (NCCL_P2P_LEVEL default).
  bool p2p_possible(int a, int b, const GpuSpec& gpu) const;
  bool same_host(int a, int b) const { return host_of_gpu[a] == host_of_gpu[b]; }
  // Every pair linked by NVLink or NVSwitch (vLLM's is_fully_connected).
  bool fully_nvlink(const std::vector<int>& gpus) const;
  // Per-pair bandwidth in GB/s (one direction).
  Eigen::MatrixXd BandwidthMatrix(const GpuSpec& gpu) const;
};

StatusOr<Topology> DefaultTopology(const GpuSpec& gpu, int num_gpus);
// A preset name from configs/topologies/<name>.txt or a file holding `nvidia-smi topo -m` text.
StatusOr<Topology> LoadTopology(const std::string& preset_or_path, const GpuSpec& gpu, int num_gpus,
                                const std::string& configs_dir);
// Parses `nvidia-smi topo -m` output (GPU rows/columns; NIC rows and affinity columns ignored).
StatusOr<Topology> ParseNvidiaSmiTopo(const std::string& text);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_TOPOLOGY_H_
