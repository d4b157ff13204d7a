#include "sim/rank/rank_machine.h"

namespace tpsim {

RankMachine::RankMachine(Device* device, int rank)
    : device_(device), rank_(rank), allocator_(device) {
  timeline_.rank = rank;
}

void RankMachine::BeginPhase(const std::string& name) {
  if (!timeline_.phases.empty() && timeline_.phases.back().end_s < 0) {
    timeline_.phases.back().end_s = now_s_;
    timeline_.phases.back().device_used_end = device_->QueryMemInfo().used();
  }
  phase_ = name;
  timeline_.phases.push_back({name, now_s_, -1.0, 0});
  Record(EventKind::kPhase, MemCategory::kContext, name, 0, false);
}

void RankMachine::Advance(double seconds) {
  if (seconds > 0) now_s_ += seconds;
}

std::array<Bytes, kNumCategories> RankMachine::ByCategory() const {
  std::array<Bytes, kNumCategories> out{};
  for (int i = 0; i < kNumCategories; ++i) out[i] = torch_by_cat_[i] + raw_by_cat_[i];
  const AllocatorStats& st = allocator_.stats();
  out[static_cast<int>(last_reserving_cat_)] += st.reserved - st.allocated;
  return out;
}

Bytes RankMachine::CategoryBytes(MemCategory cat) const {
  return ByCategory()[static_cast<int>(cat)];
}

void RankMachine::Record(EventKind kind, MemCategory cat, const std::string& label, Bytes bytes,
                         bool torch) {
  const Bytes used = device_->QueryMemInfo().used();
  if (used > peak_device_used_) peak_device_used_ = used;
  if (!record_events_) return;
  TimelineEvent e;
  e.time_s = now_s_;
  e.kind = kind;
  e.phase = phase_;
  e.category = cat;
  e.label = label;
  e.bytes = bytes;
  e.torch = torch;
  e.allocated = allocator_.stats().allocated;
  e.reserved = allocator_.stats().reserved;
  e.device_used = used;
  e.by_category = ByCategory();
  timeline_.events.push_back(std::move(e));
}

StatusOr<BlockHandle> RankMachine::TorchAlloc(MemCategory cat, const std::string& label, Bytes bytes,
                                              PoolId pool) {
  const Bytes reserved_before = allocator_.stats().reserved;
  TPSIM_ASSIGN_OR_RETURN(BlockHandle h, allocator_.Malloc(bytes, label, pool));
  if (allocator_.stats().reserved > reserved_before) last_reserving_cat_ = cat;
  const Bytes size = allocator_.BlockSize(h);
  if (h >= torch_live_.size()) torch_live_.resize(h + 1);
  torch_live_[h] = {cat, size};
  torch_by_cat_[static_cast<int>(cat)] += size;
  Record(EventKind::kAlloc, cat, label, bytes, true);
  return h;
}

void RankMachine::TorchFree(BlockHandle handle) {
  if (handle >= torch_live_.size() || torch_live_[handle].size == 0) return;
  const auto [cat, size] = torch_live_[handle];
  torch_live_[handle] = TorchLive();
  torch_by_cat_[static_cast<int>(cat)] -= size;
  allocator_.Free(handle);
  Record(EventKind::kFree, cat, "", -size, true);
}

StatusOr<RawHandle> RankMachine::RawAlloc(MemCategory cat, const std::string& label, Bytes bytes) {
  TPSIM_ASSIGN_OR_RETURN(RawHandle h, device_->RawMalloc(bytes, label));
  raw_live_[h] = {cat, bytes};
  raw_by_cat_[static_cast<int>(cat)] += bytes;
  Record(EventKind::kAlloc, cat, label, bytes, false);
  return h;
}

void RankMachine::RawFree(RawHandle handle) {
  auto it = raw_live_.find(handle);
  if (it == raw_live_.end()) return;
  const auto [cat, bytes] = it->second;
  raw_live_.erase(it);
  raw_by_cat_[static_cast<int>(cat)] -= bytes;
  device_->RawFree(handle);
  Record(EventKind::kFree, cat, "", -bytes, false);
}

void RankMachine::EmptyCache() {
  allocator_.EmptyCache();
  Record(EventKind::kMark, MemCategory::kContext, "empty_cache", 0, true);
}

void RankMachine::ReleasePool(PoolId pool) {
  allocator_.ReleasePool(pool);
  Record(EventKind::kMark, MemCategory::kCudaGraph, "release graph pool", 0, true);
}

void RankMachine::Collective(const std::string& label, Bytes bytes) {
  Record(EventKind::kCollective, MemCategory::kCommunication, label, bytes, false);
}

void RankMachine::Mark(const std::string& label) {
  Record(EventKind::kMark, MemCategory::kContext, label, 0, false);
}

MemSnapshot RankMachine::Snapshot() const {
  const MemInfo info = device_->QueryMemInfo();
  MemSnapshot s;
  s.torch_peak = allocator_.stats().peak_allocated;
  s.torch_allocated = allocator_.stats().allocated;
  s.torch_reserved = allocator_.stats().reserved;
  s.cuda_used = info.used();
  s.free = info.free;
  s.total = info.total;
  return s;
}

Timeline RankMachine::Finish() {
  if (!timeline_.phases.empty() && timeline_.phases.back().end_s < 0) {
    timeline_.phases.back().end_s = now_s_;
    timeline_.phases.back().device_used_end = device_->QueryMemInfo().used();
  }
  return timeline_;
}

}  // namespace tpsim
