// Measured beside simulated (`tpsim measure`'s output, docs/measure.md): per start-up phase the device
// memory in use at the phase's end, and per category (context, communication, weights, activations,
// KV pool, graphs) the same quantity computed from the simulated rank (RunDeploymentInProcess of the
// same config) and from the measured one. Text and the JSON object (the tpsim.plan/1 object of the
// simulation plus a "measured" block). Pure functions of their inputs; no device is touched.
#ifndef TPSIM_KERNELS_CUDA_MEASURE_REPORT_H_
#define TPSIM_KERNELS_CUDA_MEASURE_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kernels/cuda/measure.h"
#include "sim/coord/deployment.h"
#include "sim/rank/timeline.h"

namespace tpsim {

// One start-up phase of a timeline: device used at its first event, at its end and at its highest.
struct PhaseReading {
  std::string name;
  Bytes begin = 0;
  Bytes end = 0;
  Bytes peak = 0;
};
std::vector<PhaseReading> ReadPhases(const Timeline& t);

// One category row. Definitions (the same function of a timeline on both sides where it can be):
//   context        sim: bytes booked as kContext at the end (CUDA context, NCCL device code, lazily
//                  loaded kernels); measured: used once the context exists + growth at the layer's
//                  first kernel launches.
//   communication  sim: bytes booked as kCommunication at the end; measured: torch-allocated
//                  communication buffers + NCCL init footprint + growth at the first all-reduce.
//   weights        used-growth over load_model.
//   activations    peak used during profile_run minus used at its start.
//   kv_pool        used-growth over kv_cache_alloc.
//   graphs         used-growth over cudagraph_capture.
//   final_used     used once start-up is over (what nvidia-smi shows for the process).
struct CategoryRow {
  std::string name;
  Bytes simulated = 0;
  Bytes measured = 0;
};
std::vector<CategoryRow> CompareCategories(const RankReport& sim, const MeasuredRank& real);

// REQUIRES: measured holds one entry per rank of `sim` (rank order).
std::string RenderMeasureText(const PlanResult& sim, const std::vector<MeasuredRank>& measured);
nlohmann::json MeasureToJson(const PlanResult& sim, const std::vector<MeasuredRank>& measured);

}  // namespace tpsim

#endif  // TPSIM_KERNELS_CUDA_MEASURE_REPORT_H_
