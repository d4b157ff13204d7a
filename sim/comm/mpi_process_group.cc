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

MpiProcessGroup& MpiProcessGroup::World() {
  static MpiProcessGroup* world = new MpiProcessGroup();
  return *world;
}

Status MpiProcessGroup::Barrier() { return Check(MPI_Barrier(MPI_COMM_WORLD), "barrier"); }

StatusOr<std::int64_t> MpiProcessGroup::AllReduceMin(std::int64_t value) {
  std::int64_t out = 0;
  TPSIM_RETURN_IF_ERROR(
      Check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD), "allreduce"));
  return out;
}

StatusOr<std::int64_t> MpiProcessGroup::AllReduceMax(std::int64_t value) {
  std::int64_t out = 0;
  TPSIM_RETURN_IF_ERROR(
      Check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD), "allreduce"));
  return out;
}

StatusOr<std::vector<std::string>> MpiProcessGroup::Gather(const std::string& payload) {
  int len = static_cast<int>(payload.size());
  std::vector<int> lens(rank_ == 0 ? size_ : 0);
  TPSIM_RETURN_IF_ERROR(Check(
      MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "gather"));
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
                                          displs.data(), MPI_CHAR, 0, MPI_COMM_WORLD),
                              "gatherv"));
  std::vector<std::string> out;
  if (rank_ == 0) {
    for (int i = 0; i < size_; ++i) out.push_back(all.substr(displs[i], lens[i]));
  }
  return out;
}

StatusOr<std::string> MpiProcessGroup::Broadcast(const std::string& payload) {
  int len = static_cast<int>(payload.size());
  TPSIM_RETURN_IF_ERROR(Check(MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD), "bcast"));
  std::string out = rank_ == 0 ? payload : std::string(static_cast<std::size_t>(len), '\0');
  TPSIM_RETURN_IF_ERROR(Check(MPI_Bcast(out.data(), len, MPI_CHAR, 0, MPI_COMM_WORLD), "bcast"));
  return out;
}

}  // namespace tpsim
