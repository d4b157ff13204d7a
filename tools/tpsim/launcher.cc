#include "tools/tpsim/launcher.h"

#include <cstdlib>

#include "tpsim/build_config.h"
#if TPSIM_HAVE_MPI
#include "sim/comm/mpi_process_group.h"
#endif

namespace tpsim::cli {

bool UnderMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

bool IsCoordinator() {
#if TPSIM_HAVE_MPI
  if (UnderMpi()) return MpiProcessGroup::World().rank() == 0;
#endif
  return true;
}

StatusOr<PlanResult> RunDeployment(const ResolvedConfig& cfg, const RunOptions& options) {
#if TPSIM_HAVE_MPI
  if (UnderMpi()) return RunRank(cfg, MpiProcessGroup::World(), options);
#else
  if (UnderMpi()) {
    return Status::Unavailable("started under mpirun, but this tpsim was built without MPI");
  }
#endif
  return RunDeploymentInProcess(cfg, options);
}

StatusOr<PlanResult> RunDeploymentOnFirstRanks(const ResolvedConfig& cfg,
                                               const RunOptions& options) {
#if TPSIM_HAVE_MPI
  if (UnderMpi()) {
    MpiProcessGroup& world = MpiProcessGroup::World();
    if (world.size() < cfg.tp) {
      return Status::InvalidArgument("tensor-parallel size " + std::to_string(cfg.tp) +
                                     " needs at least " + std::to_string(cfg.tp) +
                                     " MPI processes, got " + std::to_string(world.size()));
    }
    TPSIM_ASSIGN_OR_RETURN(std::unique_ptr<MpiProcessGroup> sub, world.SplitFirst(cfg.tp));
    StatusOr<PlanResult> result = PlanResult{};
    if (sub != nullptr) result = RunRank(cfg, *sub, options);
    TPSIM_RETURN_IF_ERROR(world.Barrier());
    return result;
  }
#endif
  return RunDeployment(cfg, options);
}

}  // namespace tpsim::cli

#include "sim/report/timeline_writer.h"

namespace tpsim::cli {

Status WriteTimelines(const PlanResult& result, const std::string& dir) {
  if (result.ranks.empty()) return Status::Internal("no rank reports to write");
  return WriteTimelineFiles(result.ranks, result.ranks.front().requested, dir);
}

}  // namespace tpsim::cli
