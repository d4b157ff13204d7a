#include "sim/comm/mpi_process_group.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <functional>
#include <thread>

#include "sim/comm/mpi_session.h"
#include "sim/comm/wait_budget.h"

namespace tpsim {

namespace {

// Collectives use tags 1..kMaxTag, one per round, in turn (the rounds of one communicator are in
// lock step, so a tag is never reused while a message carrying it is in flight).
constexpr int kMaxTag = 30000;

MPI_Comm CommOf(void* comm) { return comm == nullptr ? MPI_COMM_WORLD : *static_cast<MPI_Comm*>(comm); }

Status Check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return Status::Ok();
  return Status::Internal(std::string("MPI ") + what + " failed with code " + std::to_string(rc));
}

std::string Seconds(int world_rank) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", mpi::DeadlineSeconds(world_rank));
  return buf;
}

// Waits politely: a few quick polls (the usual case: the other ranks are a few microseconds away),
// then sleeps growing to 2 ms.
class Backoff {
 public:
  void Idle() {
    if (++idle_ <= 64) return;
    std::this_thread::sleep_for(std::chrono::microseconds(std::min(2000, 20 * (idle_ - 64))));
  }
  void Reset() { idle_ = 0; }

 private:
  int idle_ = 0;
};

// A message of unknown length from `source` with `tag` if one has arrived.
bool TryReceive(MPI_Comm comm, int source, int tag, std::string* out, Status* error) {
  int flag = 0;
  MPI_Status st;
  *error = Check(MPI_Iprobe(source, tag, comm, &flag, &st), "iprobe");
  if (!error->ok() || !flag) return false;
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  out->assign(static_cast<std::size_t>(std::max(n, 0)), '\0');
  *error = Check(MPI_Recv(out->data(), n, MPI_CHAR, source, tag, comm, MPI_STATUS_IGNORE), "recv");
  return error->ok();
}

std::string RankList(const std::vector<int>& ranks) {
  std::string s = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

}  // namespace

MpiProcessGroup::MpiProcessGroup() {
  mpi::Init();
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  world_rank_ = rank_;
}

MpiProcessGroup::MpiProcessGroup(void* comm) : comm_(comm) {
  MPI_Comm c = *static_cast<MPI_Comm*>(comm_);
  MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
  MPI_Comm_rank(c, &rank_);
  MPI_Comm_size(c, &size_);
  world_rank_ = mpi::WorldRank();
}

MpiProcessGroup::~MpiProcessGroup() {
  if (comm_ != nullptr) {
    auto* c = static_cast<MPI_Comm*>(comm_);
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(c);
    delete c;
  }
}

MpiProcessGroup& MpiProcessGroup::World() {
  static MpiProcessGroup* world = new MpiProcessGroup();
  return *world;
}

StatusOr<std::unique_ptr<MpiProcessGroup>> MpiProcessGroup::SplitFirst(int size) {
  // Every rank is known to be here before the blocking split (the barrier names a missing one).
  TPSIM_RETURN_IF_ERROR(Barrier());
  MPI_Comm parent = CommOf(comm_);
  auto* sub = new MPI_Comm(MPI_COMM_NULL);
  const int color = rank_ < size ? 0 : MPI_UNDEFINED;
  int rc = MPI_SUCCESS;
  {
    mpi::Watchdog w("MPI_Comm_split");
    rc = MPI_Comm_split(parent, color, rank_, sub);
  }
  if (rc != MPI_SUCCESS) {
    delete sub;
    return Check(rc, "comm_split");
  }
  if (*sub == MPI_COMM_NULL) {
    delete sub;
    return std::unique_ptr<MpiProcessGroup>();
  }
  return std::unique_ptr<MpiProcessGroup>(new MpiProcessGroup(static_cast<void*>(sub)));
}

StatusOr<std::vector<std::string>> MpiProcessGroup::Round(const char* what, const std::string& up,
                                                          const Reply& reply) {
  TPSIM_RETURN_IF_ERROR(mpi::PeerLeft());
  if (up.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::Internal(std::string(what) + ": payload too large");
  }
  const MPI_Comm comm = CommOf(comm_);
  tag_ = tag_ % kMaxTag + 1;
  const int tag = tag_;
  WaitBudget budget(mpi::DeadlineSeconds(world_rank_));
  Backoff backoff;
  Status error;
  if (rank_ != 0) {
    MPI_Request send;
    TPSIM_RETURN_IF_ERROR(Check(
        MPI_Isend(up.data(), static_cast<int>(up.size()), MPI_CHAR, 0, tag, comm, &send), "isend"));
    std::string down;
    while (!TryReceive(comm, 0, tag, &down, &error)) {
      if (!error.ok() || !(error = mpi::PeerLeft()).ok()) {
        MPI_Request_free(&send);
        return error;
      }
      if (budget.Expired()) {
        mpi::EndJob("rank 0 (the coordinator) did not answer at the collective '" + std::string(what) +
                    "' within " + Seconds(world_rank_) + " s: stopped, hung or gone; ending the job");
      }
      backoff.Idle();
    }
    TPSIM_RETURN_IF_ERROR(Check(MPI_Wait(&send, MPI_STATUS_IGNORE), "wait"));  // the root has it already
    return std::vector<std::string>{std::move(down)};
  }
  std::vector<std::string> ups(static_cast<std::size_t>(size_));
  ups[0] = up;
  std::vector<int> pending;
  for (int r = 1; r < size_; ++r) pending.push_back(r);
  while (!pending.empty()) {
    bool progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      if (TryReceive(comm, *it, tag, &ups[*it], &error)) {
        it = pending.erase(it);
        progress = true;
      } else {
        TPSIM_RETURN_IF_ERROR(error);
        ++it;
      }
    }
    TPSIM_RETURN_IF_ERROR(mpi::PeerLeft());
    if (pending.empty()) break;
    if (budget.Expired()) {
      mpi::EndJob(RankList(pending) + " did not reach the collective '" + std::string(what) + "' within " +
                  Seconds(world_rank_) + " s: stopped, hung or gone; ending the job");
    }
    if (progress) backoff.Reset();
    backoff.Idle();
  }
  const std::string down = reply ? reply(ups) : std::string();
  std::vector<MPI_Request> sends(static_cast<std::size_t>(size_ - 1));
  for (int r = 1; r < size_; ++r) {
    TPSIM_RETURN_IF_ERROR(Check(MPI_Isend(down.data(), static_cast<int>(down.size()), MPI_CHAR, r, tag, comm,
                                          &sends[r - 1]),
                                "isend"));
  }
  for (;;) {
    int done = 0;
    TPSIM_RETURN_IF_ERROR(Check(MPI_Testall(static_cast<int>(sends.size()), sends.data(), &done,
                                            MPI_STATUSES_IGNORE),
                                "testall"));
    if (done) break;
    if (budget.Expired()) {
      mpi::EndJob("a rank did not take the result of the collective '" + std::string(what) + "' within " +
                  Seconds(world_rank_) + " s: stopped, hung or gone; ending the job");
    }
    backoff.Idle();
  }
  return ups;
}

Status MpiProcessGroup::Barrier() { return Round("barrier", "", nullptr).status(); }

StatusOr<std::int64_t> MpiProcessGroup::AllReduce(const char* what, std::int64_t value, bool take_min) {
  const Reply reduce = [take_min](const std::vector<std::string>& ups) {
    std::int64_t m = std::stoll(ups[0]);
    for (const std::string& s : ups) {
      const std::int64_t v = std::stoll(s);
      m = take_min ? std::min(m, v) : std::max(m, v);
    }
    return std::to_string(m);
  };
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> got, Round(what, std::to_string(value), reduce));
  return std::stoll(rank_ == 0 ? reduce(got) : got[0]);
}

StatusOr<std::int64_t> MpiProcessGroup::AllReduceMin(std::int64_t value) {
  return AllReduce("allreduce min", value, /*take_min=*/true);
}

StatusOr<std::int64_t> MpiProcessGroup::AllReduceMax(std::int64_t value) {
  return AllReduce("allreduce max", value, /*take_min=*/false);
}

StatusOr<std::vector<std::string>> MpiProcessGroup::Gather(const std::string& payload) {
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> got, Round("gather", payload, nullptr));
  if (rank_ != 0) return std::vector<std::string>{};
  return got;
}

StatusOr<std::string> MpiProcessGroup::Broadcast(const std::string& payload) {
  const Reply mine = [&payload](const std::vector<std::string>&) { return payload; };
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> got, Round("broadcast", "", mine));
  return rank_ == 0 ? payload : got[0];
}

}  // namespace tpsim
