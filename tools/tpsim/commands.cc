#include "tools/tpsim/commands.h"

namespace tpsim::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"shard", "per-rank tensors and bytes of a tensor-parallel split", &RunShard},
      {"topo", "links, NCCL transports/channels and per-rank communication memory", &RunTopo},
  };
  return kCommands;
}

}  // namespace tpsim::cli
