#include "tools/tpsim/commands.h"

namespace tpsim::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"plan", "vLLM start-up replayed on every tensor-parallel rank", &RunPlan},
      {"scale", "per-card memory across tensor-parallel sizes (1,2,4) and why it is not 1/N", &RunScale},
      {"compare", "two deployments side by side (default TP=2 vs TP=4)", &RunCompare},
      {"measure", "the same rank program run on real GPUs, measured beside simulated", &RunMeasure},
      {"tune", "inverse questions: smallest utilization / TP, longest context, most requests", &RunTune},
      {"sweep", "a grid of engine flags (or --preset seed-study) into JSON lines or CSV", &RunSweep},
      {"shard", "per-rank tensors and bytes of a tensor-parallel split", &RunShard},
      {"topo", "links, NCCL transports/channels and per-rank communication memory", &RunTopo},
  };
  return kCommands;
}

}  // namespace tpsim::cli
