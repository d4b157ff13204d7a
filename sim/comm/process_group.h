// ProcessGroup: the host control plane between the ranks of one deployment — barriers, min/max
// reductions and gathering reports at the coordinator (rank 0). InProcessGroup connects threads of one
// process; MpiProcessGroup (mpi_process_group.h, built with MPI) connects mpirun's processes. vLLM's
// cross-rank rules (num_blocks = the minimum over ranks) go through it for real.
//
// Every rank must reach every collective in the same order; a failed rank still takes part so that no
// rank hangs.
#ifndef TPSIM_SIM_COMM_PROCESS_GROUP_H_
#define TPSIM_SIM_COMM_PROCESS_GROUP_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sim/base/status_or.h"

namespace tpsim {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual Status Barrier() = 0;
  virtual StatusOr<std::int64_t> AllReduceMin(std::int64_t value) = 0;
  virtual StatusOr<std::int64_t> AllReduceMax(std::int64_t value) = 0;
  // Rank 0 receives every rank's payload in rank order; other ranks receive an empty vector.
  virtual StatusOr<std::vector<std::string>> Gather(const std::string& payload) = 0;
  // Every rank receives rank 0's payload.
  virtual StatusOr<std::string> Broadcast(const std::string& payload) = 0;
};

// Shared state of an in-process group of `size` threads; each thread gets its own view.
class InProcessHub {
 public:
  explicit InProcessHub(int size);
  std::unique_ptr<ProcessGroup> View(int rank);

 private:
  friend class InProcessGroup;
  // One rendezvous: every rank deposits a value; all leave with every value.
  std::vector<std::string> Exchange(int rank, std::string value);

  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> slots_;
  std::vector<std::string> done_;
  int arrived_ = 0;
  int departed_ = 0;
  std::uint64_t generation_ = 0;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_COMM_PROCESS_GROUP_H_
