#include <algorithm>

#include "sim/comm/process_group.h"

namespace tpsim {

class InProcessGroup final : public ProcessGroup {
 public:
  InProcessGroup(InProcessHub* hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_->size_; }
  Status Barrier() override {
    hub_->Exchange(rank_, "");
    return Status::Ok();
  }
  StatusOr<std::int64_t> AllReduceMin(std::int64_t v) override {
    auto all = hub_->Exchange(rank_, std::to_string(v));
    std::int64_t m = v;
    for (const auto& s : all) m = std::min<std::int64_t>(m, std::stoll(s));
    return m;
  }
  StatusOr<std::int64_t> AllReduceMax(std::int64_t v) override {
    auto all = hub_->Exchange(rank_, std::to_string(v));
    std::int64_t m = v;
    for (const auto& s : all) m = std::max<std::int64_t>(m, std::stoll(s));
    return m;
  }
  StatusOr<std::vector<std::string>> Gather(const std::string& payload) override {
    auto all = hub_->Exchange(rank_, payload);
    if (rank_ != 0) return std::vector<std::string>{};
    return all;
  }
  StatusOr<std::string> Broadcast(const std::string& payload) override {
    return hub_->Exchange(rank_, payload)[0];
  }

 private:
  InProcessHub* hub_;
  int rank_;
};

InProcessHub::InProcessHub(int size) : size_(size), slots_(size) {}

std::unique_ptr<ProcessGroup> InProcessHub::View(int rank) {
  return std::make_unique<InProcessGroup>(this, rank);
}

std::vector<std::string> InProcessHub::Exchange(int rank, std::string value) {
  std::unique_lock<std::mutex> lock(mu_);
  // Wait until the previous round has fully departed.
  cv_.wait(lock, [&] { return departed_ == 0 || arrived_ > 0; });
  const std::uint64_t gen = generation_;
  slots_[rank] = std::move(value);
  if (++arrived_ == size_) {
    done_ = slots_;
    arrived_ = 0;
    departed_ = size_;
    ++generation_;
    cv_.notify_all();
  } else {
    cv_.wait(lock, [&] { return generation_ != gen; });
  }
  std::vector<std::string> out = done_;
  if (--departed_ == 0) cv_.notify_all();
  return out;
}

}  // namespace tpsim
