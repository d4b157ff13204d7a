#include "topology/topology.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tpsim {

std::string_view LinkKindName(LinkKind k) {
  switch (k) {
    case LinkKind::kSelf: return "X";
    case LinkKind::kNvlink: return "NV";
    case LinkKind::kNvswitch: return "NVS";
    case LinkKind::kPix: return "PIX";
    case LinkKind::kPxb: return "PXB";
    case LinkKind::kPhb: return "PHB";
    case LinkKind::kNode: return "NODE";
    case LinkKind::kSys: return "SYS";
    case LinkKind::kNet: return "NET";
  }
  return "?";
}

bool Topology::p2p_possible(int a, int b, const GpuSpec& gpu) const {
  if (a == b) return true;
  if (!same_host(a, b) || !gpu.p2p_supported) return false;
  const LinkKind k = link[a][b];
  return k == LinkKind::kNvlink || k == LinkKind::kNvswitch || k == LinkKind::kPix ||
         k == LinkKind::kPxb || k == LinkKind::kPhb;
}

bool Topology::fully_nvlink(const std::vector<int>& gpus) const {
  for (int a : gpus) {
    for (int b : gpus) {
      if (a != b && link[a][b] != LinkKind::kNvlink && link[a][b] != LinkKind::kNvswitch) return false;
    }
  }
  return true;
}

Eigen::MatrixXd Topology::BandwidthMatrix(const GpuSpec& gpu) const {
  Eigen::MatrixXd bw = Eigen::MatrixXd::Zero(num_gpus, num_gpus);
  // PCIe: width x GT/s per lane / 80 (NCCL topo.cc kvDictPciGen): Gen4 x16 = 24 GB/s.
  const double pcie = gpu.pcie_lanes * (gpu.pcie_gen >= 5 ? 32.0 : gpu.pcie_gen == 4 ? 16.0 : 8.0) / 80.0 * 3.75;
  for (int a = 0; a < num_gpus; ++a) {
    for (int b = 0; b < num_gpus; ++b) {
      switch (link[a][b]) {
        case LinkKind::kSelf: bw(a, b) = gpu.memory_bandwidth_gb_per_s; break;
        case LinkKind::kNvlink: bw(a, b) = nvlink_count[a][b] * gpu.nvlink_gb_per_s_per_link; break;
        case LinkKind::kNvswitch: bw(a, b) = gpu.nvlink_links * gpu.nvlink_gb_per_s_per_link; break;
        case LinkKind::kNet: bw(a, b) = 12.5; break;  // 100 Gb/s NIC, assumed
        default: bw(a, b) = pcie; break;
      }
    }
  }
  return bw;
}

StatusOr<Topology> DefaultTopology(const GpuSpec& gpu, int num_gpus) {
  if (num_gpus < 1) return Status::InvalidArgument("number of GPUs must be >= 1");
  Topology t;
  t.num_gpus = num_gpus;
  const bool nvswitch = gpu.nvswitch_default && num_gpus <= 8;
  t.name = nvswitch ? "nvswitch-" + std::to_string(num_gpus) + "gpu"
                    : "pcie-" + std::to_string(num_gpus) + "gpu";
  t.host_of_gpu.assign(num_gpus, 0);
  t.numa_of_gpu.assign(num_gpus, 0);
  t.link.assign(num_gpus, std::vector<LinkKind>(num_gpus, LinkKind::kPhb));
  t.nvlink_count.assign(num_gpus, std::vector<int>(num_gpus, 0));
  for (int a = 0; a < num_gpus; ++a) {
    for (int b = 0; b < num_gpus; ++b) {
      if (a == b) {
        t.link[a][b] = LinkKind::kSelf;
      } else if (nvswitch) {
        t.link[a][b] = LinkKind::kNvswitch;
        t.nvlink_count[a][b] = gpu.nvlink_links;
      }
    }
  }
  return t;
}

StatusOr<Topology> ParseNvidiaSmiTopo(const std::string& text) {
  return Status::InvalidArgument("nvidia-smi topo -m reader not available in this build");
}

StatusOr<Topology> LoadTopology(const std::string& preset_or_path, const GpuSpec& gpu, int num_gpus,
                                const std::string& configs_dir) {
  std::string path = preset_or_path;
  if (!std::filesystem::exists(path)) path = configs_dir + "/topologies/" + preset_or_path + ".txt";
  std::ifstream in(path);
  if (!in) return Status::NotFound("topology '" + preset_or_path + "': no such preset or file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseNvidiaSmiTopo(ss.str());
}

}  // namespace tpsim
