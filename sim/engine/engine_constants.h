// The numbers of the start-up replay that are assumptions or calibrations rather than vLLM's, PyTorch's
// or NCCL's own behaviour: the simulated clock and the CUDA-graph object model. EngineConstants{} holds
// the defaults with their sources; configs/engine.json mirrors them so a user can edit one file
// (tests check the two agree), and ParseEngineConstants reads it (a field missing from the file keeps
// its default). Only phase durations depend on the clock; the graph-object model sets the graph memory.
#ifndef TPSIM_SIM_ENGINE_ENGINE_CONSTANTS_H_
#define TPSIM_SIM_ENGINE_ENGINE_CONSTANTS_H_

#include <string>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim {

struct EngineConstants {
  // Simulated clock (issue 6: "a small documented cost model").
  double context_create_seconds = 1.0;     // CUDA context + torch import; assumed
  double communicator_init_seconds = 0.5;  // ncclCommInitRank + warm-up; assumed
  double matmul_efficiency = 0.5;          // achieved / peak tensor FLOPS in the dummy run; assumed
  double graph_capture_seconds = 0.1;      // per captured graph (vLLM logs ~5-20 s for 67 sizes)
  // CUDA-graph driver objects: device memory per captured kernel node. An order-of-magnitude assumption
  // (between what calibration rows C030 and C045 imply, 13-28 KiB); verify on a GPU.
  Bytes graph_bytes_per_node = 16 * kKiB;
  // Kernel nodes a decoder layer adds to a graph: norm, qkv, q/k norm, rope, attn, o, all-reduce, norm,
  // gate_up, act, down, all-reduce.
  int graph_kernels_per_layer = 12;
  friend bool operator==(const EngineConstants&, const EngineConstants&) = default;
};

// configs/engine.json's text over the defaults; InvalidArgument (naming `what`) for malformed JSON, a
// field of the wrong type or a value out of range (times >= 0, efficiency in (0, 1], bytes per node in
// [0, 1 GiB], kernels per layer in [1, 1000]).
StatusOr<EngineConstants> ParseEngineConstants(const std::string& json_text, const std::string& what);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_ENGINE_CONSTANTS_H_
