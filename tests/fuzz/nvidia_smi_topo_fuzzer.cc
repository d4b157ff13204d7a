// libFuzzer target: `nvidia-smi topo -m` text through ParseNvidiaSmiTopo (topology/topology.h).
// Checks: no crash or sanitizer report, errors are one line, and an accepted topology is a square
// matrix over its GPUs with kSelf exactly on the diagonal and a host and NUMA entry per GPU.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_check.h"
#include "topology/topology.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tpsim::StatusOr<tpsim::Topology> t = tpsim::ParseNvidiaSmiTopo(text);
  if (!t.ok()) {
    tpsim::fuzz::CheckOneLineError(t.status());
    return 0;
  }
  const int n = t->num_gpus;
  TPSIM_FUZZ_CHECK(n >= 1);
  TPSIM_FUZZ_CHECK(t->link.size() == static_cast<std::size_t>(n));
  TPSIM_FUZZ_CHECK(t->host_of_gpu.size() == static_cast<std::size_t>(n));
  TPSIM_FUZZ_CHECK(t->numa_of_gpu.size() == static_cast<std::size_t>(n));
  for (int a = 0; a < n; ++a) {
    TPSIM_FUZZ_CHECK(t->link[a].size() == static_cast<std::size_t>(n));
    for (int b = 0; b < n; ++b) {
      TPSIM_FUZZ_CHECK((t->link[a][b] == tpsim::LinkKind::kSelf) == (a == b));
    }
  }
  if (!t->nvlink_count.empty()) {
    TPSIM_FUZZ_CHECK(t->nvlink_count.size() == static_cast<std::size_t>(n));
    for (const auto& row : t->nvlink_count) {
      TPSIM_FUZZ_CHECK(row.size() == static_cast<std::size_t>(n));
      for (int c : row) TPSIM_FUZZ_CHECK(c >= 0);
    }
  }
  return 0;
}
