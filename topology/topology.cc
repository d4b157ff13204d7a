#include "topology/topology.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "topology/json_util.h"

namespace tpsim {

namespace {

// Bandwidths used by BandwidthMatrix (GB/s, one direction).
// PCIe per lane after line coding: 2.5/5 GT/s with 8b/10b, 8/16/32 GT/s with 128b/130b, 64 GT/s FLIT
// (PCI-SIG base specifications 1.0-6.0).
constexpr double kPcieGbPerSPerLane[] = {0.0, 0.25, 0.5, 0.985, 1.969, 3.938, 7.563};
// Inter-socket link: NCCL models AMD Infinity Fabric at 16 GB/s and Intel Skylake UPI at 10 GB/s
// (NVIDIA/nccl src/graph/topo.h AMD_BW, SKL_QPI_BW); the larger is used when the vendor is unknown.
constexpr double kInterSocketGbPerS = 16.0;
// Between hosts: one 100 Gb/s NIC (NVIDIA/nccl src/graph/topo.h NET_BW = 12 GB/s).
constexpr double kNetGbPerS = 12.0;
// Most NVLinks any GPU has (H100/H200/B200: 18). A row of NV# adding up to more must go through a switch.
constexpr int kMaxNvlinksPerGpu = 18;
// Used when a spec leaves the PCIe link unset.
constexpr int kDefaultPcieGen = 4, kDefaultPcieLanes = 16;

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> SplitWs(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) out.push_back(tok);
  return out;
}

// Removes ANSI escape sequences (nvidia-smi underlines the header on a terminal) and stray "[4m"/"[0m"
// remnants left when the escape byte was lost in a copy-paste.
std::string StripAnsi(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      size_t j = i + 1;
      if (j < s.size() && s[j] == '[') {
        ++j;
        while (j < s.size() && !std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
      }
      i = j;  // skips the final letter too
      continue;
    }
    if (s[i] == '[' && i + 2 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      size_t j = i + 1;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && s[j] == 'm') {
        i = j;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool AllDigits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Parses one matrix token. `preset` admits the preset-only tokens NVS# and NET.
bool ParseLinkToken(const std::string& tok, bool preset, LinkKind* kind, int* count) {
  *count = 0;
  if (tok == "X") {
    *kind = LinkKind::kSelf;
    return true;
  }
  if (tok == "PIX") {
    *kind = LinkKind::kPix;
    return true;
  }
  if (tok == "PXB") {
    *kind = LinkKind::kPxb;
    return true;
  }
  if (tok == "PHB") {
    *kind = LinkKind::kPhb;
    return true;
  }
  if (tok == "NODE") {
    *kind = LinkKind::kNode;
    return true;
  }
  if (tok == "SYS" || tok == "SOC") {
    *kind = LinkKind::kSys;
    return true;
  }
  if (preset && tok == "NET") {
    *kind = LinkKind::kNet;
    return true;
  }
  if (preset && tok.rfind("NVS", 0) == 0 && AllDigits(tok.substr(3))) {
    *kind = LinkKind::kNvswitch;
    *count = std::atoi(tok.c_str() + 3);
    return *count > 0;
  }
  if (tok.rfind("NV", 0) == 0 && AllDigits(tok.substr(2))) {
    *kind = LinkKind::kNvlink;
    *count = std::atoi(tok.c_str() + 2);
    return *count > 0;
  }
  return false;
}

void Resize(Topology* t, int n) {
  t->num_gpus = n;
  t->host_of_gpu.assign(n, 0);
  t->numa_of_gpu.assign(n, 0);
  t->link.assign(n, std::vector<LinkKind>(n, LinkKind::kSys));
  t->nvlink_count.assign(n, std::vector<int>(n, 0));
  for (int i = 0; i < n; ++i) t->link[i][i] = LinkKind::kSelf;
}

// GPUs joined by anything closer than SYS share a NUMA node; components are numbered in GPU order.
std::vector<int> InferNuma(const Topology& t) {
  std::vector<int> numa(t.num_gpus, -1);
  int next = 0;
  for (int s = 0; s < t.num_gpus; ++s) {
    if (numa[s] >= 0) continue;
    std::vector<int> stack = {s};
    numa[s] = next;
    while (!stack.empty()) {
      int a = stack.back();
      stack.pop_back();
      for (int b = 0; b < t.num_gpus; ++b) {
        if (numa[b] < 0 && t.same_host(a, b) && t.link[a][b] < LinkKind::kSys) {
          numa[b] = next;
          stack.push_back(b);
        }
      }
    }
    ++next;
  }
  return numa;
}

// A GPU whose NV# to its peers adds up to more links than any GPU has sits behind NVSwitch.
void PromoteSwitchedNvlinks(Topology* t) {
  std::vector<int> sum(t->num_gpus, 0);
  for (int a = 0; a < t->num_gpus; ++a) {
    for (int b = 0; b < t->num_gpus; ++b) {
      if (IsNvlinkKind(t->link[a][b])) sum[a] += t->nvlink_count[a][b];
    }
  }
  for (int a = 0; a < t->num_gpus; ++a) {
    for (int b = 0; b < t->num_gpus; ++b) {
      if (t->link[a][b] == LinkKind::kNvlink && (sum[a] > kMaxNvlinksPerGpu || sum[b] > kMaxNvlinksPerGpu)) {
        t->link[a][b] = LinkKind::kNvswitch;
      }
    }
  }
}

Topology FirstGpus(const Topology& t, int n) {
  Topology s = t;
  s.num_gpus = n;
  s.host_of_gpu.resize(n);
  s.numa_of_gpu.resize(n);
  s.link.resize(n);
  s.nvlink_count.resize(n);
  for (int i = 0; i < n; ++i) {
    s.link[i].resize(n);
    s.nvlink_count[i].resize(n);
  }
  s.name = t.name + " (first " + std::to_string(n) + " GPUs)";
  return s;
}

bool IsGpuLabel(const std::string& s) {
  return s.size() > 3 && s.rfind("GPU", 0) == 0 && AllDigits(s.substr(3));
}

}  // namespace

std::string_view LinkKindName(LinkKind kind) {
  switch (kind) {
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

std::string LinkToken(LinkKind kind, int nvlinks) {
  std::string s(LinkKindName(kind));
  if (IsNvlinkKind(kind)) s += std::to_string(nvlinks);
  return s;
}

bool Topology::same_host(int a, int b) const { return host_of_gpu[a] == host_of_gpu[b]; }

int Topology::num_hosts() const {
  int hosts = 0;
  for (int h : host_of_gpu) hosts = std::max(hosts, h + 1);
  return hosts;
}

bool Topology::p2p_possible(int a, int b, const GpuSpec& gpu) const {
  if (a == b) return true;
  if (!same_host(a, b)) return false;
  if (IsNvlinkKind(link[a][b])) return true;
  return gpu.p2p_supported && IsPcieKind(link[a][b]);
}

Eigen::MatrixXd Topology::BandwidthMatrix(const GpuSpec& gpu) const {
  const int gen = gpu.pcie_gen > 0 ? std::min(gpu.pcie_gen, 6) : kDefaultPcieGen;
  const int lanes = gpu.pcie_lanes > 0 ? gpu.pcie_lanes : kDefaultPcieLanes;
  const double pcie = lanes * kPcieGbPerSPerLane[gen];
  Eigen::MatrixXd bw = Eigen::MatrixXd::Zero(num_gpus, num_gpus);
  for (int a = 0; a < num_gpus; ++a) {
    for (int b = 0; b < num_gpus; ++b) {
      switch (link[a][b]) {
        case LinkKind::kSelf: bw(a, b) = gpu.memory_bandwidth_gb_per_s; break;
        case LinkKind::kNvlink:
        case LinkKind::kNvswitch: {
          int links = nvlink_count[a][b] > 0 ? nvlink_count[a][b] : gpu.nvlink_links;
          bw(a, b) = links * gpu.nvlink_gb_per_s_per_link;
          break;
        }
        case LinkKind::kPix:
        case LinkKind::kPxb:
        case LinkKind::kPhb:
        case LinkKind::kNode: bw(a, b) = pcie; break;
        case LinkKind::kSys: bw(a, b) = std::min(pcie, kInterSocketGbPerS); break;
        case LinkKind::kNet: bw(a, b) = std::min(pcie, kNetGbPerS); break;
      }
    }
  }
  return bw;
}

Status Topology::Validate() const {
  const size_t n = static_cast<size_t>(num_gpus);
  if (num_gpus < 1) return Status::InvalidArgument("topology '" + name + "' has no GPUs");
  if (host_of_gpu.size() != n || numa_of_gpu.size() != n || link.size() != n || nvlink_count.size() != n) {
    return Status::InvalidArgument("topology '" + name + "': per-GPU lists do not have " + std::to_string(n) +
                                   " entries");
  }
  for (size_t a = 0; a < n; ++a) {
    if (link[a].size() != n || nvlink_count[a].size() != n) {
      return Status::InvalidArgument("topology '" + name + "': the link matrix is not square");
    }
    if (host_of_gpu[a] < 0) return Status::InvalidArgument("topology '" + name + "': negative host index");
    for (size_t b = 0; b < n; ++b) {
      const std::string pair = "GPU" + std::to_string(a) + "-GPU" + std::to_string(b);
      if ((a == b) != (link[a][b] == LinkKind::kSelf)) {
        return Status::InvalidArgument("topology '" + name + "': " + pair +
                                       (a == b ? " must be X" : " cannot be X"));
      }
      if (link[a][b] != link[b][a] || nvlink_count[a][b] != nvlink_count[b][a]) {
        return Status::InvalidArgument("topology '" + name + "': link matrix is not symmetric at " + pair +
                                       " (" + LinkToken(link[a][b], nvlink_count[a][b]) + " vs " +
                                       LinkToken(link[b][a], nvlink_count[b][a]) + ")");
      }
      if (a != b && (host_of_gpu[a] != host_of_gpu[b]) != (link[a][b] == LinkKind::kNet)) {
        return Status::InvalidArgument("topology '" + name + "': " + pair +
                                       " must be NET exactly when the GPUs are on different hosts");
      }
    }
  }
  return Status::Ok();
}

StatusOr<Topology> DefaultTopology(const GpuSpec& gpu, int num_gpus) {
  if (num_gpus < 1 || num_gpus > 64) {
    return Status::InvalidArgument("number of GPUs must be between 1 and 64, got " +
                                   std::to_string(num_gpus));
  }
  Topology t;
  Resize(&t, num_gpus);
  if (gpu.nvswitch_default) {
    // HGX/DGX baseboards: every GPU reaches every other through NVSwitch with all its links; four GPUs
    // per CPU socket (DGX A100/H100 user guides: GPUs 0-3 on NUMA 0, 4-7 on NUMA 1).
    t.name = "nvswitch-" + std::to_string(num_gpus) + "gpu (default for " + gpu.key + ")";
    for (int a = 0; a < num_gpus; ++a) {
      t.numa_of_gpu[a] = a / 4;
      for (int b = 0; b < num_gpus; ++b) {
        if (a == b) continue;
        t.link[a][b] = LinkKind::kNvswitch;
        t.nvlink_count[a][b] = gpu.nvlink_links;
      }
    }
  } else {
    // A PCIe box: two cards per host bridge (PHB), the rest of the socket through the CPU's internal
    // fabric (NODE); past four cards a second socket (SYS).
    t.name = "pcie-" + std::to_string(num_gpus) + "gpu (default for " + gpu.key + ")";
    for (int a = 0; a < num_gpus; ++a) t.numa_of_gpu[a] = num_gpus > 4 ? a / 4 : 0;
    for (int a = 0; a < num_gpus; ++a) {
      for (int b = 0; b < num_gpus; ++b) {
        if (a == b) continue;
        if (t.numa_of_gpu[a] != t.numa_of_gpu[b]) {
          t.link[a][b] = LinkKind::kSys;
        } else {
          t.link[a][b] = (a / 2 == b / 2) ? LinkKind::kPhb : LinkKind::kNode;
        }
      }
    }
  }
  TPSIM_RETURN_IF_ERROR(t.Validate());
  return t;
}

StatusOr<Topology> ParseNvidiaSmiTopo(const std::string& raw) {
  constexpr const char* kWhat = "nvidia-smi topo -m";
  std::vector<std::string> lines;
  {
    std::string text = StripAnsi(raw);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  }
  bool any = std::any_of(lines.begin(), lines.end(), [](const std::string& l) { return !Trim(l).empty(); });
  if (!any) return Status::InvalidArgument(std::string(kWhat) + ": empty text");

  // Header: the first line whose first token is GPU0. Device columns run until the affinity columns.
  size_t header = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<std::string> toks = SplitWs(lines[i]);
    if (!toks.empty() && toks[0] == "GPU0") {
      header = i;
      break;
    }
  }
  if (header == lines.size()) {
    return Status::InvalidArgument(std::string(kWhat) + ": no header line starting with GPU0");
  }
  std::vector<std::string> devices;  // column labels
  std::vector<std::string> extra;    // affinity column names
  {
    std::vector<std::string> toks = SplitWs(lines[header]);
    size_t i = 0;
    for (; i < toks.size(); ++i) {
      const std::string& t = toks[i];
      if (t == "CPU" || t == "NUMA" || t == "GPU") break;  // "CPU Affinity", "NUMA Affinity", "GPU NUMA ID"
      devices.push_back(t);
    }
    for (; i < toks.size(); ++i) {
      const std::string& t = toks[i];
      if (t == "CPU" && i + 1 < toks.size() && toks[i + 1] == "Affinity") {
        extra.push_back("cpu");
        ++i;
      } else if (t == "NUMA" && i + 1 < toks.size() && toks[i + 1] == "Affinity") {
        extra.push_back("numa");
        ++i;
      } else if (t == "GPU" && i + 2 < toks.size() && toks[i + 1] == "NUMA" && toks[i + 2] == "ID") {
        extra.push_back("gpu_numa");
        i += 2;
      } else {
        return Status::InvalidArgument(std::string(kWhat) + ": unexpected header column '" + t + "'");
      }
    }
  }
  int num_gpus = 0;
  for (const std::string& d : devices) {
    if (IsGpuLabel(d)) {
      if (d != "GPU" + std::to_string(num_gpus)) {
        return Status::InvalidArgument(std::string(kWhat) + ": header column '" + d + "' out of order");
      }
      ++num_gpus;
    }
  }
  const size_t nd = devices.size();

  // Rows: lines after the header whose first token is a device label, until a blank line or the legend.
  std::vector<std::vector<std::string>> rows(nd);
  std::vector<std::vector<std::string>> row_extra(nd);
  std::vector<bool> seen(nd, false);
  for (size_t i = header + 1; i < lines.size(); ++i) {
    const std::string trimmed = Trim(lines[i]);
    if (trimmed.empty() || trimmed.rfind("Legend", 0) == 0) break;
    std::vector<std::string> toks = SplitWs(trimmed);
    auto it = std::find(devices.begin(), devices.end(), toks[0]);
    if (it == devices.end()) {
      return Status::InvalidArgument(std::string(kWhat) + ": row '" + toks[0] + "' has no header column");
    }
    const size_t r = static_cast<size_t>(it - devices.begin());
    if (seen[r]) return Status::InvalidArgument(std::string(kWhat) + ": row '" + toks[0] + "' appears twice");
    seen[r] = true;
    if (toks.size() < nd + 1) {
      return Status::InvalidArgument(std::string(kWhat) + ": row '" + toks[0] + "' has " +
                                     std::to_string(toks.size() - 1) + " entries for " + std::to_string(nd) +
                                     " columns (the matrix must be square)");
    }
    rows[r].assign(toks.begin() + 1, toks.begin() + 1 + static_cast<long>(nd));
    row_extra[r].assign(toks.begin() + 1 + static_cast<long>(nd), toks.end());
    if (row_extra[r].size() > extra.size()) {
      return Status::InvalidArgument(
          std::string(kWhat) + ": row '" + toks[0] + "' has " + std::to_string(nd + row_extra[r].size()) +
          " entries for " + std::to_string(nd + extra.size()) + " columns (the matrix must be square)");
    }
  }
  for (size_t r = 0; r < nd; ++r) {
    if (!seen[r])
      return Status::InvalidArgument(std::string(kWhat) + ": no row for column '" + devices[r] + "'");
  }

  Topology t;
  t.name = "nvidia-smi topo -m";
  Resize(&t, num_gpus);
  t.num_nics = static_cast<int>(nd) - num_gpus;
  // Every entry must be a known token (NIC entries too), and X exactly on the diagonal.
  for (size_t r = 0; r < nd; ++r) {
    for (size_t c = 0; c < nd; ++c) {
      LinkKind kind;
      int count;
      if (!ParseLinkToken(rows[r][c], /*preset=*/false, &kind, &count)) {
        return Status::InvalidArgument(std::string(kWhat) + ": unknown link '" + rows[r][c] + "' in row " +
                                       devices[r] + " column " + devices[c]);
      }
      if ((r == c) != (kind == LinkKind::kSelf)) {
        return Status::InvalidArgument(std::string(kWhat) + ": entry " + devices[r] + "/" + devices[c] +
                                       (r == c ? " must be X" : " cannot be X"));
      }
      if (IsGpuLabel(devices[r]) && IsGpuLabel(devices[c])) {
        const int a = std::atoi(devices[r].c_str() + 3), b = std::atoi(devices[c].c_str() + 3);
        t.link[a][b] = kind;
        t.nvlink_count[a][b] = count;
      }
    }
  }
  PromoteSwitchedNvlinks(&t);

  // NUMA: the "NUMA Affinity" column when it holds a number, else inferred from SYS links.
  std::vector<int> inferred = InferNuma(t);
  auto numa_col = std::find(extra.begin(), extra.end(), "numa");
  for (size_t r = 0; r < nd; ++r) {
    if (!IsGpuLabel(devices[r])) continue;
    const int g = std::atoi(devices[r].c_str() + 3);
    t.numa_of_gpu[g] = inferred[g];
    if (numa_col != extra.end()) {
      size_t k = static_cast<size_t>(numa_col - extra.begin());
      if (k < row_extra[r].size()) {
        const std::string& v = row_extra[r][k];
        size_t digits = 0;
        while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
        if (digits > 0) t.numa_of_gpu[g] = std::atoi(v.substr(0, digits).c_str());
      }
    }
  }
  TPSIM_RETURN_IF_ERROR(t.Validate().WithContext(kWhat));
  return t;
}

StatusOr<Topology> ParseTopologyPreset(const std::string& json_text, const std::string& what) {
  TPSIM_ASSIGN_OR_RETURN(nlohmann::json j, json_util::Parse(json_text, what));
  if (!j.is_object()) return Status::InvalidArgument(what + ": top level must be a JSON object");
  Topology t;
  TPSIM_ASSIGN_OR_RETURN(t.name, json_util::RequireString(j, "name", what));
  TPSIM_ASSIGN_OR_RETURN(t.cpu_vendor, json_util::GetString(j, "cpu_vendor", "", what));
  auto link = j.find("link");
  if (link == j.end() || !link->is_array() || link->empty()) {
    return Status::InvalidArgument(what + ": 'link' must be a non-empty list of rows");
  }
  const int n = static_cast<int>(link->size());
  Resize(&t, n);
  for (int a = 0; a < n; ++a) {
    std::vector<std::string> toks;
    const nlohmann::json& row = (*link)[a];
    if (row.is_string()) {
      toks = SplitWs(row.get<std::string>());
    } else if (row.is_array()) {
      for (const auto& e : row) {
        if (!e.is_string()) return Status::InvalidArgument(what + ": link rows hold strings");
        toks.push_back(e.get<std::string>());
      }
    } else {
      return Status::InvalidArgument(what + ": each link row is a string or a list of strings");
    }
    if (static_cast<int>(toks.size()) != n) {
      return Status::InvalidArgument(what + ": link row " + std::to_string(a) + " has " +
                                     std::to_string(toks.size()) + " entries for " + std::to_string(n) +
                                     " GPUs (the matrix must be square)");
    }
    for (int b = 0; b < n; ++b) {
      if (!ParseLinkToken(toks[b], /*preset=*/true, &t.link[a][b], &t.nvlink_count[a][b])) {
        return Status::InvalidArgument(what + ": unknown link '" + toks[b] + "' in row " + std::to_string(a));
      }
    }
  }
  auto read_ints = [&](const char* field, std::vector<int>* out) -> Status {
    auto it = j.find(field);
    if (it == j.end()) return Status::Ok();
    if (!it->is_array() || static_cast<int>(it->size()) != n) {
      return Status::InvalidArgument(what + ": '" + field + "' must list one integer per GPU");
    }
    for (int i = 0; i < n; ++i) {
      if (!(*it)[i].is_number_integer())
        return Status::InvalidArgument(what + ": '" + field + "' holds integers");
      (*out)[i] = (*it)[i].get<int>();
    }
    return Status::Ok();
  };
  TPSIM_RETURN_IF_ERROR(read_ints("host_of_gpu", &t.host_of_gpu));
  t.numa_of_gpu = InferNuma(t);
  TPSIM_RETURN_IF_ERROR(read_ints("numa_of_gpu", &t.numa_of_gpu));
  TPSIM_RETURN_IF_ERROR(t.Validate());
  return t;
}

std::vector<std::string> TopologyPresets(const std::string& configs_dir) {
  return json_util::JsonStems(configs_dir + "/topologies");
}

StatusOr<Topology> LoadTopology(const std::string& preset_or_path, const GpuSpec& gpu, int num_gpus,
                                const std::string& configs_dir) {
  if (preset_or_path.empty()) return DefaultTopology(gpu, num_gpus);
  Topology t;
  if (json_util::FileExists(preset_or_path)) {
    TPSIM_ASSIGN_OR_RETURN(std::string text, json_util::ReadFile(preset_or_path));
    if (Trim(text).rfind('{', 0) == 0) {
      TPSIM_ASSIGN_OR_RETURN(t, ParseTopologyPreset(text, preset_or_path));
    } else {
      auto parsed = ParseNvidiaSmiTopo(text);
      if (!parsed.ok()) return parsed.status().WithContext(preset_or_path);
      t = std::move(parsed).value();
      t.name = "nvidia-smi topo -m (" + preset_or_path + ")";
      // A slice of an HGX board shows NV<all links> between two GPUs: that pair talks through the switch.
      if (gpu.nvswitch_default && gpu.nvlink_links > 0) {
        for (int a = 0; a < t.num_gpus; ++a) {
          for (int b = 0; b < t.num_gpus; ++b) {
            if (t.link[a][b] == LinkKind::kNvlink && t.nvlink_count[a][b] >= gpu.nvlink_links) {
              t.link[a][b] = LinkKind::kNvswitch;
            }
          }
        }
      }
    }
  } else {
    const std::string path = configs_dir + "/topologies/" + preset_or_path + ".json";
    const bool plain_name = preset_or_path.find('/') == std::string::npos;
    if (!plain_name || !json_util::FileExists(path)) {
      std::string known;
      for (const std::string& p : TopologyPresets(configs_dir)) known += (known.empty() ? "" : ", ") + p;
      return Status::InvalidArgument("unknown topology '" + preset_or_path +
                                     "' (not a file; presets: " + (known.empty() ? "none" : known) + ")");
    }
    TPSIM_ASSIGN_OR_RETURN(std::string text, json_util::ReadFile(path));
    TPSIM_ASSIGN_OR_RETURN(t, ParseTopologyPreset(text, "topologies/" + preset_or_path + ".json"));
  }
  if (num_gpus > t.num_gpus) {
    return Status::InvalidArgument("--num-gpus " + std::to_string(num_gpus) + " is more than the " +
                                   std::to_string(t.num_gpus) + " GPUs of topology '" + t.name + "'");
  }
  if (num_gpus > 0 && num_gpus < t.num_gpus) t = FirstGpus(t, num_gpus);
  return t;
}

}  // namespace tpsim
