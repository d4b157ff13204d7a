// How long a rank has waited for its peers, counting only time during which this process itself ran.
// A gap of more than a second between two looks means this process was stopped (SIGSTOP, Ctrl-Z of
// the whole job) and is not held against the peers: a job paused and resumed goes on, while a rank
// that was stopped alone does not, on waking, blame the ones that ended the job meanwhile.
#ifndef TPSIM_SIM_COMM_WAIT_BUDGET_H_
#define TPSIM_SIM_COMM_WAIT_BUDGET_H_

#include <chrono>

namespace tpsim {

class WaitBudget {
 public:
  explicit WaitBudget(double limit_s) : limit_(limit_s), last_(Clock::now()) {}

  // True once the waited time (see above) exceeds the limit. Call it often (at least every second).
  bool Expired() {
    const Clock::time_point now = Clock::now();
    const double gap = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    if (gap < kMaxGapS) waited_ += gap;
    return waited_ > limit_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr double kMaxGapS = 1.0;
  double limit_;
  double waited_ = 0;
  Clock::time_point last_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_COMM_WAIT_BUDGET_H_
