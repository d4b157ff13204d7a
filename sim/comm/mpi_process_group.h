// MpiProcessGroup: the ProcessGroup of mpirun's processes (MPI_COMM_WORLD), one process per
// tensor-parallel rank. MPI is initialised on first use and finalised at exit. Built only with MPI.
#ifndef TPSIM_SIM_COMM_MPI_PROCESS_GROUP_H_
#define TPSIM_SIM_COMM_MPI_PROCESS_GROUP_H_

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
  MpiProcessGroup();
  explicit MpiProcessGroup(void* comm);  // takes ownership of an MPI_Comm (as void* to keep mpi.h out)
  void* comm_ = nullptr;                 // MPI_Comm*; null = MPI_COMM_WORLD
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_COMM_MPI_PROCESS_GROUP_H_
