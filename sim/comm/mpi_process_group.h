// MpiProcessGroup: the ProcessGroup of mpirun's processes (MPI_COMM_WORLD), one process per
// tensor-parallel rank. MPI is initialised on first use and finalised at exit (mpi_session.h). Built
// only with MPI.
//
// Every collective is one round of a star exchange with point-to-point messages polled against a
// deadline (mpi_session.h): each rank sends its part to rank 0, rank 0 answers every rank. So rank 0
// knows which rank did not arrive and names it ("rank 2 did not reach the collective 'allreduce min'
// within 20 s ..."), a rank waiting for rank 0 names rank 0, and no rank ever waits in a blocking MPI
// call for a peer that is stopped or dead. A leave notice from a failing peer ends the wait at once.
#ifndef TPSIM_SIM_COMM_MPI_PROCESS_GROUP_H_
#define TPSIM_SIM_COMM_MPI_PROCESS_GROUP_H_

#include <functional>
#include <memory>

#include "sim/comm/process_group.h"

namespace tpsim {

class MpiProcessGroup final : public ProcessGroup {
 public:
  // The world group; initialises MPI the first time.
  static MpiProcessGroup& World();

  // The first `size` ranks of this group as a group of their own (MPI_Comm_split); nullptr on the
  // other ranks. Collective: every rank of this group must call it. REQUIRES: 1 <= size <= this->size().
  StatusOr<std::unique_ptr<MpiProcessGroup>> SplitFirst(int size);
  ~MpiProcessGroup() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Status Barrier() override;
  StatusOr<std::int64_t> AllReduceMin(std::int64_t value) override;
  StatusOr<std::int64_t> AllReduceMax(std::int64_t value) override;
  StatusOr<std::vector<std::string>> Gather(const std::string& payload) override;
  StatusOr<std::string> Broadcast(const std::string& payload) override;

 private:
  // Computes, at rank 0, what every rank receives from the parts of all ranks (index = rank).
  using Reply = std::function<std::string(const std::vector<std::string>&)>;
  // One round: rank 0 returns every rank's `up`; the others return {reply(ups)} (reply null: "").
  StatusOr<std::vector<std::string>> Round(const char* what, const std::string& up, const Reply& reply);
  StatusOr<std::int64_t> AllReduce(const char* what, std::int64_t value, bool take_min);

  MpiProcessGroup();
  explicit MpiProcessGroup(void* comm);  // takes ownership of an MPI_Comm (as void* to keep mpi.h out)
  void* comm_ = nullptr;                 // MPI_Comm*; null = MPI_COMM_WORLD
  int rank_ = 0;
  int size_ = 1;
  int world_rank_ = 0;  // this process in MPI_COMM_WORLD (whose deadline applies)
  int tag_ = 0;         // of the last round
};

}  // namespace tpsim

#endif  // TPSIM_SIM_COMM_MPI_PROCESS_GROUP_H_
