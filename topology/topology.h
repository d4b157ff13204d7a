// The interconnect graph of the GPUs a run may use: which link joins each pair of GPUs (in the
// notation of `nvidia-smi topo -m`), which host and NUMA node holds each GPU, and the questions the
// communication model asks of it (can two GPUs use CUDA peer access, what bandwidth joins them).
//
// Three ways in:
//   * DefaultTopology(gpu, n): N identical cards as a vendor would build the box: GeForce and PCIe
//     cards on PCIe (pairs behind one host bridge = PHB, the rest NODE, a second socket past 4 cards =
//     SYS), SXM cards (GpuSpec::nvswitch_default) all behind NVSwitch.
//   * ParseNvidiaSmiTopo(text): the text a user pastes from `nvidia-smi topo -m` (GPU and NIC rows,
//     optional CPU Affinity / NUMA Affinity / GPU NUMA ID columns, legend, ANSI underline codes).
//   * LoadTopology(preset_or_path, ...): a preset from configs/topologies/<name>.json or a file holding
//     either `nvidia-smi topo -m` text or a preset's JSON.
//
// Link tokens: X (self), NV# (# bonded NVLinks), PIX, PXB, PHB, NODE, SYS (SOC in old drivers) as
// nvidia-smi prints them; presets may also use NVS# (through NVSwitch, # links per GPU) and NET
// (different hosts). `nvidia-smi` prints NV18 for every pair of a DGX H100; a GPU whose NVLink counts
// to its peers add up to more links than any GPU has (18) must sit behind a switch, so such rows are
// read as NVSwitch.
//
// All errors are InvalidArgument with one line of text. Topology is a value type.
#ifndef TPSIM_TOPOLOGY_TOPOLOGY_H_
#define TPSIM_TOPOLOGY_TOPOLOGY_H_

#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "sim/base/status_or.h"
#include "topology/gpu_spec.h"

namespace tpsim {

// Ordered from closest to farthest; the PCIe kinds compare like NCCL's path types
// (PIX < PXB < PHB < NODE < SYS).
enum class LinkKind { kSelf, kNvlink, kNvswitch, kPix, kPxb, kPhb, kNode, kSys, kNet };

// "X", "NV", "NVS", "PIX", "PXB", "PHB", "NODE", "SYS", "NET".
std::string_view LinkKindName(LinkKind kind);
// The matrix token: "NV4", "NVS18", "PHB", ...
std::string LinkToken(LinkKind kind, int nvlinks);
inline bool IsNvlinkKind(LinkKind k) { return k == LinkKind::kNvlink || k == LinkKind::kNvswitch; }
inline bool IsPcieKind(LinkKind k) { return k >= LinkKind::kPix && k <= LinkKind::kSys; }

struct Topology {
  std::string name;
  int num_gpus = 0;
  std::vector<int> host_of_gpu;                // host index per GPU (0 for a single box)
  std::vector<int> numa_of_gpu;                // NUMA node per GPU
  std::vector<std::vector<LinkKind>> link;     // [a][b], kSelf on the diagonal
  std::vector<std::vector<int>> nvlink_count;  // NV# per pair (links through the switch for NVS), else 0
  // Extras (not in the design card): CPU vendor when a preset states it ("intel", "amd", "arm"; ""
  // unknown; NCCL limits PCIe P2P to PXB on Intel/ARM hosts) and the number of NIC rows seen.
  std::string cpu_vendor;
  int num_nics = 0;

  // CUDA peer access between GPUs a and b (cudaDeviceCanAccessPeer, what vLLM's P2P test checks):
  // same host and either an NVLink/NVSwitch path or PCIe with a card whose driver allows P2P.
  bool p2p_possible(int a, int b, const GpuSpec& gpu) const;
  bool same_host(int a, int b) const;
  int num_hosts() const;
  // One-direction bandwidth per pair in GB/s from the card's spec: NVLink count x per-link rate,
  // NVSwitch all links, PCIe lanes x per-lane rate (SYS capped by the inter-socket link), NET 12 GB/s;
  // the diagonal holds the card's memory bandwidth.
  Eigen::MatrixXd BandwidthMatrix(const GpuSpec& gpu) const;
  // Structural checks: square matrices of num_gpus, X exactly on the diagonal, symmetric, NET exactly
  // between different hosts.
  Status Validate() const;
};

// Whether pred(a, b) holds for every ordered pair of distinct GPUs in `gpus`.
template <typename Pred>
bool AllPairs(const std::vector<int>& gpus, Pred pred) {
  for (int a : gpus) {
    for (int b : gpus) {
      if (a != b && !pred(a, b)) return false;
    }
  }
  return true;
}

// N identical cards of `gpu` (1 <= N <= 64), see the header comment.
StatusOr<Topology> DefaultTopology(const GpuSpec& gpu, int num_gpus);
// `nvidia-smi topo -m` text. Malformed text (empty, no GPU0 header, a row that is not square, an
// unknown token, an asymmetric matrix) is InvalidArgument.
StatusOr<Topology> ParseNvidiaSmiTopo(const std::string& text);
// A preset's JSON text (see configs/topologies/README.md).
StatusOr<Topology> ParseTopologyPreset(const std::string& json_text, const std::string& what);
// Preset names from configs_dir/topologies/*.json, sorted.
std::vector<std::string> TopologyPresets(const std::string& configs_dir);
// `preset_or_path` empty -> DefaultTopology(gpu, num_gpus). Otherwise an existing file (JSON preset or
// nvidia-smi text) or a preset name. num_gpus <= 0 takes every GPU of the topology; a smaller N keeps
// the first N GPUs (as CUDA_VISIBLE_DEVICES=0..N-1 would); a larger N is an error. In nvidia-smi text,
// NV# pairs of a card whose spec says nvswitch_default and whose NV# equals all its links become
// NVSwitch (a VM slice of an HGX board shows NV18 between two GPUs).
StatusOr<Topology> LoadTopology(const std::string& preset_or_path, const GpuSpec& gpu, int num_gpus,
                                const std::string& configs_dir);

}  // namespace tpsim

#endif  // TPSIM_TOPOLOGY_TOPOLOGY_H_
