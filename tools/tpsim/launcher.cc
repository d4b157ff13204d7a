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

StatusOr<PlanResult> RunDeployment(const ResolvedConfig& cfg) {
#if TPSIM_HAVE_MPI
  if (UnderMpi()) return RunRank(cfg, MpiProcessGroup::World());
#else
  if (UnderMpi()) {
    return Status::Unavailable("started under mpirun, but this tpsim was built without MPI");
  }
#endif
  return RunDeploymentInProcess(cfg);
}

}  // namespace tpsim::cli

#include "sim/report/timeline_writer.h"

namespace tpsim::cli {

Status WriteTimelines(const PlanResult& result, const std::string& dir) {
  if (result.ranks.empty()) return Status::Internal("no rank reports to write");
  return WriteTimelineFiles(result.ranks, result.ranks.front().requested, dir);
}

}  // namespace tpsim::cli
