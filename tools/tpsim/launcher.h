// How the CLI runs a deployment's ranks: under mpirun (OMPI_COMM_WORLD_SIZE / PMI_SIZE in the
// environment) this process is one rank and talks to the others over MPI; otherwise every rank runs as
// a thread of this process. Only the coordinator (rank 0) prints.
#ifndef TPSIM_TOOLS_TPSIM_LAUNCHER_H_
#define TPSIM_TOOLS_TPSIM_LAUNCHER_H_

#include <string>

#include "sim/coord/deployment.h"

namespace tpsim::cli {

// True when started by mpirun/PMI with more than one process... or one.
bool UnderMpi();
// False on MPI ranks other than 0.
bool IsCoordinator();
// Runs cfg's ranks in this process (threads) or as this MPI rank. A world size different from tp is
// InvalidArgument on every rank, never a hang.
StatusOr<PlanResult> RunDeployment(const ResolvedConfig& cfg, const RunOptions& options = {});
// For scale/compare: under mpirun the first cfg.tp processes form a sub-communicator and run the
// deployment (the others wait); world size must be >= tp. Without mpirun: in-process threads.
// Rank 0 of the world receives the full result.
StatusOr<PlanResult> RunDeploymentOnFirstRanks(const ResolvedConfig& cfg,
                                               const RunOptions& options = {});
// Writes DIR/trace.json, DIR/rank<N>.csv and DIR/memory.png for the result's ranks.
Status WriteTimelines(const PlanResult& result, const std::string& dir);

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_LAUNCHER_H_
