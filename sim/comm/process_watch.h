// Watching the processes of an mpirun job from inside one of them, for what MPI cannot tell (issue
// 13): whether a process on this host is stopped, and a watchdog for MPI calls that block without a
// deadline of their own (MPI_Init, MPI_Comm_split, MPI_Finalize). Needs no MPI itself; Linux /proc.
#ifndef TPSIM_SIM_COMM_PROCESS_WATCH_H_
#define TPSIM_SIM_COMM_PROCESS_WATCH_H_

#include <sys/types.h>

#include <memory>
#include <string>

namespace tpsim {

// This process's rank as mpirun/PMI put it in the environment (OMPI_COMM_WORLD_RANK, PMI_RANK,
// PMIX_RANK), known before MPI_Init; 0 when none is set.
int RankFromLauncherEnvironment();

// The one-letter state of process `pid` ('R', 'S', 'T' stopped, 'Z' zombie, ...); 0 when it is gone.
char ProcessState(pid_t pid);
inline bool ProcessGone(char state) { return state == 0 || state == 'Z' || state == 'X'; }
inline bool ProcessStopped(char state) { return state == 'T' || state == 't'; }

// "rank 1 (pid 4242) is stopped" for the stopped processes of this process's mpirun job on this host
// (found in /proc by the job's PMIX_NAMESPACE or OMPI_MCA_orte_ess_jobid and their
// OMPI_COMM_WORLD_RANK), joined with "; "; "" when there is none or the job is unknown.
std::string DescribeStoppedJobProcesses();

// While alive, a thread watches the clock: once `limit_s` seconds of this process's running time have
// passed (wait_budget.h), it writes `message` (plus what DescribeStoppedJobProcesses finds) as one line
// to descriptor `fd` and ends the process with _exit(1).
class Watchdog {
 public:
  Watchdog(std::string message, double limit_s, int fd);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_COMM_PROCESS_WATCH_H_
