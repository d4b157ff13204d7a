// The process-wide side of a tpsim run under mpirun (issue 13, "mpirun"): starting and ending MPI
// with a deadline, the deadline every collective waits against, how a rank tells the others that it
// leaves early, and how a rank that cannot go on ends the whole job. Built only with MPI.
//
// Deadlines. The coordinator (rank 0) waits at most D seconds at a collective for the other ranks
// ($TPSIM_MPI_DEADLINE_S, default 20, between 1 and 3600); rank 1 waits D + max(2, D/4) for the
// coordinator and ranks 2 and up 3 s more, so that when one rank is stopped exactly one rank notices
// and names it: the coordinator, or rank 1 when the coordinator is the one stopped. tpsim's ranks do the same work between two collectives (well under a second), so a
// longer wait means a rank is stopped, hung or gone. MPI_Init, MPI_Comm_split and MPI_Finalize, which
// have no non-blocking form, run under a watchdog (process_watch.h) with the same deadline.
//
// Ending the job. EndJob writes one line ("tpsim plan: rank 1 did not reach ... within 20 s ...") to
// the fatal-message descriptor and leaves with exit 1 without MPI_Finalize; Open MPI's mpirun then
// kills every other process of the job (also a stopped one), within about 2 s.
//
// Leaving early. A rank whose command fails while others may still wait (an error only it met)
// announces it (AnnounceExit): rank 0 tells every rank, another rank tells rank 0, with its exit code
// and message. A collective that receives such a notice returns it as an error (PeerLeft), so the job
// ends at once with the failing rank's one message instead of waiting for the deadline.
#ifndef TPSIM_SIM_COMM_MPI_SESSION_H_
#define TPSIM_SIM_COMM_MPI_SESSION_H_

#include <memory>
#include <string>

#include "sim/base/status.h"
#include "sim/comm/process_watch.h"

namespace tpsim::mpi {

// D above, and what this rank waits (see above).
double CoordinatorDeadlineSeconds();
double DeadlineSeconds(int world_rank);

// MPI_Init under the watchdog (a rank that never joins ends the job). Idempotent.
void Init();
// MPI is up (initialised and not yet finalised).
bool Initialized();
int WorldRank();
int WorldSize();

// "tpsim plan": the prefix of the messages below (default "tpsim").
void SetCommandName(const std::string& name);
const std::string& CommandName();
// Where EndJob and the watchdog write (default 2, stderr).
void SetFatalFd(int fd);

// Writes "<command>: <message>" as one line to the fatal descriptor and ends the process with exit 1,
// skipping MPI_Finalize.
[[noreturn]] void EndJob(const std::string& message);

// Runs `what` (an MPI call without a non-blocking form) with the watchdog armed: past this rank's
// deadline the job ends with "<what> did not complete within N s ...".
class Watchdog {
 public:
  explicit Watchdog(const std::string& what);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::unique_ptr<tpsim::Watchdog> dog_;
};

// Error when a peer announced that it left with an error (its exit code and message, as
// "rank R: <message>"); Ok otherwise. Polled by every collective while it waits.
Status PeerLeft();
// Tells the peers that this rank leaves with `exit_code` != 0 (see above); `message` is its one line
// (without the "tpsim <command>: " prefix). Nothing when a peer's notice caused the failure.
void AnnounceExit(int exit_code, const std::string& message);

// Ends MPI: after a successful command a last barrier (named deadline) so that no rank finalises while
// another still works, then MPI_Finalize under the watchdog, then (same host only) rank 0 waits until
// the other ranks' processes are gone and they look at rank 0 once: a process stopped after its last
// message would otherwise hold mpirun forever. Returns 1 (after one line on the fatal descriptor) when
// such a stopped or lingering rank was seen, else 0; the caller should then leave at once (_exit).
// Idempotent; also registered with atexit.
int Finalize(bool success);

}  // namespace tpsim::mpi

#endif  // TPSIM_SIM_COMM_MPI_SESSION_H_
