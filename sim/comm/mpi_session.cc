#include "sim/comm/mpi_session.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>
#include <vector>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sim/base/status_or.h"
#include "sim/comm/mpi_process_group.h"
#include "sim/comm/process_watch.h"
#include "sim/comm/wait_budget.h"

namespace tpsim::mpi {

namespace {

constexpr double kDefaultDeadlineS = 20;
// The tag of leave notices on MPI_COMM_WORLD (collectives use tags 1..30000, mpi_process_group.cc).
constexpr int kLeaveTag = 32000;

std::string g_command = "tpsim";
int g_fatal_fd = 2;
bool g_finalized = false;
// The first leave notice received: its rank, exit code and message.
bool g_peer_left = false;
int g_left_rank = -1;
int g_left_code = 0;
std::string g_left_message;

void FinalizeAtExit() { (void)Finalize(/*success=*/false); }

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", s);
  return buf;
}

}  // namespace

double CoordinatorDeadlineSeconds() {
  static const double d = [] {
    const char* v = std::getenv("TPSIM_MPI_DEADLINE_S");
    const double x = v != nullptr ? std::atof(v) : kDefaultDeadlineS;
    return std::isfinite(x) && x >= 1 ? std::min(x, 3600.0) : kDefaultDeadlineS;
  }();
  return d;
}

double DeadlineSeconds(int world_rank) {
  const double d = CoordinatorDeadlineSeconds();
  if (world_rank == 0) return d;
  // Ranks 2 and up wait 3 s more than rank 1: when rank 0 is the one stopped, rank 1 alone reports it
  // and mpirun ends the others before their own deadline.
  return d + std::max(2.0, d / 4) + (world_rank >= 2 ? 3.0 : 0.0);
}

void Init() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  {
    Watchdog w("MPI_Init (every process of the job joins it)");
    MPI_Init(nullptr, nullptr);
  }
  // Errors come back as codes (and become Status) instead of aborting the job silently.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::atexit(FinalizeAtExit);
}

bool Initialized() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

int WorldRank() {
  if (!Initialized()) return RankFromLauncherEnvironment();
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int WorldSize() {
  int n = 1;
  if (Initialized()) MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void SetCommandName(const std::string& name) { g_command = name; }
const std::string& CommandName() { return g_command; }
void SetFatalFd(int fd) { g_fatal_fd = fd; }

void EndJob(const std::string& message) {
  const std::string line = g_command + ": " + message + "\n";
  ssize_t ignored = ::write(g_fatal_fd, line.data(), line.size());
  (void)ignored;
  ::_exit(1);
}

Watchdog::Watchdog(const std::string& what) {
  const int rank = RankFromLauncherEnvironment();
  const double limit = DeadlineSeconds(rank);
  dog_ = std::make_unique<tpsim::Watchdog>(g_command + ": rank " + std::to_string(rank) + ": " + what +
                                               " did not complete within " + Seconds(limit) +
                                               " s: a process of the job is stopped, hung or gone; ending the job",
                                           limit, g_fatal_fd);
}

Watchdog::~Watchdog() = default;

Status PeerLeft() {
  if (!g_peer_left && Initialized() && !g_finalized) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kLeaveTag, MPI_COMM_WORLD, &flag, &st);
    if (flag) {
      int n = 0;
      MPI_Get_count(&st, MPI_CHAR, &n);
      std::string payload(static_cast<std::size_t>(std::max(n, 0)), '\0');
      MPI_Recv(payload.data(), n, MPI_CHAR, st.MPI_SOURCE, kLeaveTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      const std::size_t nl = payload.find('\n');
      g_peer_left = true;
      g_left_rank = st.MPI_SOURCE;
      g_left_code = std::atoi(payload.substr(0, nl).c_str());
      g_left_message = nl == std::string::npos ? "" : payload.substr(nl + 1);
    }
  }
  if (!g_peer_left) return Status::Ok();
  const std::string m = "rank " + std::to_string(g_left_rank) + ": " +
                        (g_left_message.empty() ? "ended with exit code " + std::to_string(g_left_code)
                                                : g_left_message);
  return g_left_code == 2 ? Status::InvalidArgument(m) : Status::Internal(m);
}

void AnnounceExit(int exit_code, const std::string& message) {
  if (exit_code == 0 || g_peer_left || !Initialized() || g_finalized) return;
  const std::string payload = std::to_string(exit_code) + "\n" + message;
  const int me = WorldRank();
  std::vector<MPI_Request> requests;
  for (int r = 0; r < WorldSize(); ++r) {
    if (r == me || (me != 0 && r != 0)) continue;
    requests.emplace_back();
    MPI_Isend(payload.data(), static_cast<int>(payload.size()), MPI_CHAR, r, kLeaveTag, MPI_COMM_WORLD,
              &requests.back());
  }
  // Small messages complete at once; a peer that is gone must not keep this rank.
  for (MPI_Request& q : requests) MPI_Request_free(&q);
}

namespace {

struct LocalPeer {
  int rank;
  pid_t pid;
};

std::string ThisHost() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

// The last barrier, which also tells every rank the process ids of the ranks on its host.
StatusOr<std::vector<LocalPeer>> FinalBarrier() {
  MpiProcessGroup& world = MpiProcessGroup::World();
  const std::string me = ThisHost() + " " + std::to_string(getpid());
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> all, world.Gather(me));
  std::string joined;
  for (const std::string& a : all) joined += a + "\n";
  TPSIM_ASSIGN_OR_RETURN(joined, world.Broadcast(joined));
  std::vector<LocalPeer> peers;
  std::istringstream in(joined);
  std::string host;
  long pid = 0;
  for (int r = 0; in >> host >> pid; ++r) {
    if (r != world.rank() && host == ThisHost()) peers.push_back({r, static_cast<pid_t>(pid)});
  }
  return peers;
}

// After MPI_Finalize no rank can reach another through MPI, yet mpirun waits for every process: one
// stopped now would hold the job forever. So rank 0 waits until the ranks on its host are gone and
// another rank looks at rank 0 once before it leaves; a stopped one makes the watcher exit 1 (mpirun
// then kills the job). 0 when every peer ended.
int WatchPeersEnd(const std::vector<LocalPeer>& peers) {
  const int me = WorldRank();
  WaitBudget budget(DeadlineSeconds(me));
  for (const LocalPeer& p : peers) {
    if (me != 0 && p.rank != 0) continue;
    for (;;) {
      const char state = ProcessState(p.pid);
      if (ProcessGone(state)) break;
      const bool late = budget.Expired();
      if (ProcessStopped(state) || late) {
        const std::string line = g_command + ": rank " + std::to_string(p.rank) + " (pid " +
                                 std::to_string(p.pid) +
                                 (late ? ") did not end after MPI_Finalize" : ") is stopped after its work was done") +
                                 "; ending the job\n";
        ssize_t ignored = ::write(g_fatal_fd, line.data(), line.size());
        (void)ignored;
        return 1;
      }
      if (me != 0) break;  // the others look once
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return 0;
}

}  // namespace

int Finalize(bool success) {
  if (g_finalized || !Initialized()) return 0;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return 0;
  std::vector<LocalPeer> peers;
  if (success && !g_peer_left) {
    // Every rank reaches this point; one that does not is named by the barrier's deadline.
    StatusOr<std::vector<LocalPeer>> p = FinalBarrier();
    if (p.ok()) peers = std::move(*p);
  }
  (void)PeerLeft();  // take a late notice off the queue
  g_finalized = true;
  {
    Watchdog w("MPI_Finalize (every process of the job ends together)");
    MPI_Finalize();
  }
  return WatchPeersEnd(peers);
}

}  // namespace tpsim::mpi
