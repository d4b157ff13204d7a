// ConfigConstants: the numbers a run reads from configs/ besides its model, GPU and topology:
// configs/nccl.json (the communication model's CommConstants and the release table's torch/NCCL pins)
// and configs/engine.json (EngineConstants). Editing either file changes every command that resolves a
// configuration from that folder (plan, scale, compare, tune, sweep, measure, topo).
#ifndef TPSIM_SIM_ENGINE_CONFIG_CONSTANTS_H_
#define TPSIM_SIM_ENGINE_CONFIG_CONSTANTS_H_

#include <memory>
#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/engine/engine_constants.h"
#include "sim/engine/release_table.h"
#include "topology/comm_constants.h"

namespace tpsim {

struct ConfigConstants {
  CommConstants comm;                                            // configs/nccl.json
  std::vector<TorchNcclPin> nccl_pins = DefaultTorchNcclPins();  // configs/nccl.json "nccl_by_vllm"
  EngineConstants engine;                                        // configs/engine.json
};

// The compiled-in defaults (what configs/ ships).
const ConfigConstants& DefaultConfigConstants();

// configs_dir's files over the defaults. A missing file keeps its defaults; a malformed one is
// InvalidArgument naming it. Results are cached per folder and reread when a file's modification time
// or size changes; thread-safe.
StatusOr<std::shared_ptr<const ConfigConstants>> LoadConfigConstants(const std::string& configs_dir);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_CONFIG_CONSTANTS_H_
