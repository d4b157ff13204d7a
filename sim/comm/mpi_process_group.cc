#include "sim/comm/mpi_process_group.h"

#include <mpi.h>

#include <cstdlib>

namespace tpsim {

namespace {

void FinalizeAtExit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Status Check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return Status::Ok();
  return Status::Internal(std::string("MPI ") + what + " failed with code " + std::to_string(rc));
}

}  // namespace

MpiProcessGroup::MpiProcessGroup() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    MPI_Init(nullptr, nullptr);
    std::atexit(FinalizeAtExit);
  }
  // Errors come back as codes (and become Status) instead of aborting the job silently.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiProcessGroup::MpiProcessGroup(void* comm) : comm_(comm) {
  MPI_Comm c = *static_cast<MPI_Comm*>(comm_);
  MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
  MPI_Comm_rank(c, &rank_);
  MPI_Comm_size(c, &size_);
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

StatusOr<std::unique_ptr<MpiProcessGroup>> MpiProcessGroup::SplitFirst(int size) {
  MPI_Comm parent = comm_ == nullptr ? MPI_COMM_WORLD : *static_cast<MPI_Comm*>(comm_);
  auto* sub = new MPI_Comm(MPI_COMM_NULL);
  const int color = rank_ < size ? 0 : MPI_UNDEFINED;
  const int rc = MPI_Comm_split(parent, color, rank_, sub);
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

MpiProcessGroup& MpiProcessGroup::World() {
  static MpiProcessGroup* world = new MpiProcessGroup();
  return *world;
}

namespace {

MPI_Comm CommOf(void* comm) { return comm == nullptr ? MPI_COMM_WORLD : *static_cast<MPI_Comm*>(comm); }

}  // namespace

Status MpiProcessGroup::Barrier() { return Check(MPI_Barrier(CommOf(comm_)), "barrier"); }

StatusOr<std::int64_t> MpiProcessGroup::AllReduceMin(std::int64_t value) {
  std::int64_t out = 0;
  TPSIM_RETURN_IF_ERROR(
      Check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MIN, CommOf(comm_)), "allreduce"));
  return out;
}

StatusOr<std::int64_t> MpiProcessGroup::AllReduceMax(std::int64_t value) {
  std::int64_t out = 0;
  TPSIM_RETURN_IF_ERROR(
      Check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, CommOf(comm_)), "allreduce"));
  return out;
}

StatusOr<std::vector<std::string>> MpiProcessGroup::Gather(const std::string& payload) {
  int len = static_cast<int>(payload.size());
  std::vector<int> lens(rank_ == 0 ? size_ : 0);
  TPSIM_RETURN_IF_ERROR(Check(
      MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, CommOf(comm_)), "gather"));
  std::vector<int> displs(lens.size(), 0);
  std::string all;
  if (rank_ == 0) {
    int total = 0;
    for (int i = 0; i < size_; ++i) {
      displs[i] = total;
      total += lens[i];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  TPSIM_RETURN_IF_ERROR(Check(MPI_Gatherv(payload.data(), len, MPI_CHAR, all.data(), lens.data(),
                                          displs.data(), MPI_CHAR, 0, CommOf(comm_)),
                              "gatherv"));
  std::vector<std::string> out;
  if (rank_ == 0) {
    for (int i = 0; i < size_; ++i) out.push_back(all.substr(displs[i], lens[i]));
  }
  return out;
}

StatusOr<std::string> MpiProcessGroup::Broadcast(const std::string& payload) {
  int len = static_cast<int>(payload.size());
  TPSIM_RETURN_IF_ERROR(Check(MPI_Bcast(&len, 1, MPI_INT, 0, CommOf(comm_)), "bcast"));
  std::string out = rank_ == 0 ? payload : std::string(static_cast<std::size_t>(len), '\0');
  TPSIM_RETURN_IF_ERROR(Check(MPI_Bcast(out.data(), len, MPI_CHAR, 0, CommOf(comm_)), "bcast"));
  return out;
}

}  // namespace tpsim
