// tpsim measure: the rank program of `tpsim plan` run for real on GPUs (kernels/cuda/measure.h), printed
// beside the simulation of the same configuration (docs/measure.md). One process per GPU under
// mpirun (GPU = the local rank), or GPU 0 alone at tp 1. Without a CUDA build or without a device it
// prints one line on stderr and exits 2.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "sim/coord/deployment.h"
#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "tools/tpsim/launcher.h"
#include "tpsim/build_config.h"
#if TPSIM_HAVE_CUDA
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/measure.h"
#include "kernels/cuda/measure_report.h"
#endif
#if TPSIM_HAVE_MPI
#include "sim/comm/mpi_process_group.h"
#endif

namespace tpsim::cli {

namespace {

constexpr const char* kNoDevice =
    "tpsim measure: no CUDA device found (measure needs a GPU; use tpsim plan to simulate)\n";
constexpr const char* kNoCuda =
    "tpsim measure: built without CUDA (measure needs a CUDA build and a GPU; use tpsim plan to simulate)\n";

void AddMeasureFlags(po::options_description* desc) {
  desc->add_options()
      ("device", po::value<int>(), "GPU ordinal of this process (default: the MPI local rank, else 0)")
      ("seed", po::value<std::uint64_t>()->default_value(1), "seed of the random weights and inputs")
      ("no-layer", po::bool_switch(), "do not run the decoder layer's kernels in the profile run")
      ("no-graphs", po::bool_switch(), "do not capture CUDA graphs")
      ("layer-seqs", po::value<std::int64_t>()->default_value(64), "decode batch of the profile-run layer")
      ("layer-context", po::value<std::int64_t>()->default_value(512), "tokens per sequence in its KV pool");
}

#if TPSIM_HAVE_CUDA
// The MPI launcher's local rank (GPU of this process on its node), 0 when not under MPI.
int LocalRank() {
  for (const char* var : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK", "SLURM_LOCALID"}) {
    if (const char* v = std::getenv(var)) return std::atoi(v);
  }
  return 0;
}
#endif

}  // namespace

int RunMeasure(const Args& args) {
  po::options_description desc("tpsim measure [flags] [-- vllm serve MODEL --vllm-flags...]");
  CommandOptions command;
  command.output.timeline = true;  // the measured run's timelines
  AddEngineFlags(&desc);
  AddOutputFlags(&desc, command.output);
  AddMeasureFlags(&desc);
  // Every flag is read and checked before looking for a device, as `tpsim plan` checks them.
  ParsedCommand pc = ParseCommand("measure", args, desc, command);
  if (pc.exit_code >= 0) return pc.exit_code;
#if !TPSIM_HAVE_CUDA
  std::fputs(kNoCuda, stderr);
  return 2;
#else
  const po::variables_map& vm = pc.vm;
  const int devices = CudaDeviceCount();
  if (devices == 0) {
    std::fputs(kNoDevice, stderr);
    return 2;
  }
  EngineArgs* ea = &pc.engine;
  const OutputFlags& out = pc.out;
  MeasureOptions opts;
  opts.device_ordinal = vm.count("device") ? vm["device"].as<int>() : LocalRank();
  opts.seed = vm["seed"].as<std::uint64_t>();
  opts.run_layer = !vm["no-layer"].as<bool>();
  opts.capture_graphs = !vm["no-graphs"].as<bool>();
  opts.layer_seqs = vm["layer-seqs"].as<std::int64_t>();
  opts.layer_context = vm["layer-context"].as<std::int64_t>();
  if (opts.layer_seqs < 1 || opts.layer_context < 1) {
    return ReportError("measure", Status::InvalidArgument("--layer-seqs and --layer-context must be positive"));
  }
  if (opts.device_ordinal < 0 || opts.device_ordinal >= devices) {
    return ReportError("measure", Status::InvalidArgument("GPU " + std::to_string(opts.device_ordinal) +
                                                          " does not exist (" + std::to_string(devices) +
                                                          " visible)"));
  }

  // The control plane: mpirun's processes, or a group of one.
  ProcessGroup* pg = nullptr;
  std::unique_ptr<InProcessHub> hub;
  std::unique_ptr<ProcessGroup> solo;
  if (UnderMpi()) {
#if TPSIM_HAVE_MPI
    pg = &MpiProcessGroup::World();
#else
    return ReportError("measure", Status::Unavailable("started under mpirun, but this tpsim was built without MPI"));
#endif
  } else {
    if (ea->tensor_parallel_size > 1) {
      return ReportError("measure", Status::InvalidArgument(
                                        "--tensor-parallel-size " + std::to_string(ea->tensor_parallel_size) +
                                        " needs one process per GPU: mpirun -np " +
                                        std::to_string(ea->tensor_parallel_size) + " tpsim measure ..."));
    }
    hub = std::make_unique<InProcessHub>(1);
    solo = hub->View(0);
    pg = solo.get();
  }

  // Simulate the card this runs on: its total as cudaMemGetInfo reports it (rank 0's, so that every
  // rank resolves the same configuration), unless --gpu-memory-total-gib says otherwise.
  if (!ea->gpu_memory_total_gib) {
    StatusOr<std::unique_ptr<CudaDevice>> dev = CudaDevice::Open(opts.device_ordinal);
    StatusOr<std::int64_t> any_failed = pg->AllReduceMax(dev.ok() ? 0 : 1);  // no rank waits on a failed one
    if (!dev.ok()) return ReportError("measure", dev.status());
    if (!any_failed.ok()) return ReportError("measure", any_failed.status());
    if (*any_failed != 0) return ReportError("measure", Status::Unavailable("another rank could not open its GPU"));
    const Bytes total = (*dev)->QueryMemInfo().total;
    StatusOr<std::string> agreed = pg->Broadcast(std::to_string(total));
    if (!agreed.ok()) return ReportError("measure", agreed.status());
    ea->gpu_memory_total_gib = ToGiB(std::stoll(*agreed));
  }
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(*ea, pc.configs_dir);
  if (!cfg.ok()) return ReportError("measure", cfg.status());

  StatusOr<std::vector<MeasuredRank>> measured = MeasureDeployment(*cfg, *pg, opts);
  if (!measured.ok()) return ReportError("measure", measured.status());
  if (pg->rank() != 0) return 0;
  StatusOr<PlanResult> simulated = RunDeploymentInProcess(*cfg);
  if (!simulated.ok()) return ReportError("measure", simulated.status());
  if (!out.timeline_dir.empty()) {
    // The measured run's timelines: the same files as `tpsim plan --timeline`, with real readings.
    PlanResult real = *simulated;
    real.ranks.clear();
    for (const MeasuredRank& m : *measured) real.ranks.push_back(m.report);
    Status t = WriteTimelines(real, out.timeline_dir);
    if (!t.ok()) return ReportError("measure", t);
  }
  if (out.format == "json") {
    std::cout << MeasureToJson(*simulated, *measured).dump(2) << "\n";
  } else {
    std::cout << RenderMeasureText(*simulated, *measured);
  }
  return 0;
#endif
}

}  // namespace tpsim::cli
