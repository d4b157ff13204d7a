#include "sim/device/caching_allocator.h"

#include <algorithm>
#include <utility>

#include "sim/device/sim_device.h"

namespace tpsim {

CachingAllocator::CachingAllocator(Device* device) : device_(device) {}

CachingAllocator::~CachingAllocator() {
  for (Segment* seg : segments_) {
    Block* b = seg->head;
    while (b != nullptr) {
      Block* next = b->next;
      delete b;
      b = next;
    }
    device_->RawFree(seg->raw);
    delete seg;
  }
  for (Block* b : spare_blocks_) delete b;
}

CachingAllocator::Block* CachingAllocator::NewBlock(const Block& init) {
  if (spare_blocks_.empty()) return new Block(init);
  Block* b = spare_blocks_.back();
  spare_blocks_.pop_back();
  *b = init;
  return b;
}

void CachingAllocator::DeleteBlock(Block* b) { spare_blocks_.push_back(b); }

Bytes CachingAllocator::RoundSize(Bytes bytes) {
  if (bytes < kMinBlockSize) return kMinBlockSize;
  return RoundUp(bytes, kMinBlockSize);
}

Bytes CachingAllocator::SegmentSize(Bytes rounded) {
  if (rounded <= kSmallSize) return kSmallBuffer;
  if (rounded < kMinLargeAlloc) return kLargeBuffer;
  return RoundUp(rounded, kRoundLarge);
}

CachingAllocator::FreeSet& CachingAllocator::FreeBlocks(PoolId pool, bool small) {
  return free_[{pool, small}];
}

StatusOr<CachingAllocator::Block*> CachingAllocator::NewSegment(Bytes size, bool small, PoolId pool,
                                                                std::string_view label) {
  auto raw = device_->RawMalloc(size, label);
  if (!raw.ok()) {
    // Like torch: release cached blocks and retry once before reporting out of memory.
    ReleaseFreeSegments(/*include_private=*/false);
    raw = device_->RawMalloc(size, label);
    if (!raw.ok()) return raw.status();
  }
  auto* seg = new Segment{*raw, size, small, pool, nullptr};
  Block* block = NewBlock(Block{next_address_, size, 0, false, seg, nullptr, nullptr});
  next_address_ += static_cast<std::uint64_t>(RoundUp(size, kRoundLarge)) + kRoundLarge;
  seg->head = block;
  segments_.insert(seg);
  stats_.reserved += size;
  ++stats_.num_segments;
  return block;
}

StatusOr<BlockHandle> CachingAllocator::Malloc(Bytes bytes, std::string_view label, PoolId pool) {
  if (bytes < 0) return Status::Internal("negative torch allocation: " + std::string(label));
  const Bytes rounded = RoundSize(bytes);
  const bool small = rounded <= kSmallSize;
  FreeSet& pool_free = FreeBlocks(pool, small);
  Block* block = nullptr;
  auto it = pool_free.lower_bound(FreeKey{rounded, 0});
  if (it != pool_free.end()) {
    block = it->second;
    pool_free.erase(it);
  } else {
    auto fresh = NewSegment(SegmentSize(rounded), small, pool, label);
    if (!fresh.ok()) {
      MemInfo info = device_->QueryMemInfo();
      return Status::ResourceExhausted(CudaOutOfMemoryMessage(rounded, info) + " Of the allocated "
                                       "memory " + FormatBytes(stats_.allocated) +
                                       " is allocated by PyTorch, and " +
                                       FormatBytes(stats_.reserved - stats_.allocated) +
                                       " is reserved by PyTorch but unallocated.");
    }
    block = *fresh;
  }
  const Bytes remaining = block->size - rounded;
  const bool split = small ? remaining >= kMinBlockSize : remaining > kSmallSize;
  if (split) {
    Block* rest = NewBlock(Block{block->address + static_cast<std::uint64_t>(rounded), remaining, 0,
                                 false, block->segment, block, block->next});
    if (block->next != nullptr) block->next->prev = rest;
    block->next = rest;
    block->size = rounded;
    FreeBlocks(block->segment->pool, small)[FreeKey{rest->size, rest->address}] = rest;
  }
  block->allocated = true;
  block->requested = bytes;
  stats_.allocated += block->size;
  stats_.requested += bytes;
  stats_.peak_allocated = std::max(stats_.peak_allocated, stats_.allocated);
  ++stats_.num_allocs;
  const BlockHandle h = next_handle_++;
  live_.push_back(block);
  return h;
}

void CachingAllocator::Free(BlockHandle handle) {
  if (handle == 0 || handle >= live_.size() || live_[handle] == nullptr) return;
  Block* block = live_[handle];
  live_[handle] = nullptr;
  stats_.allocated -= block->size;
  stats_.requested -= block->requested;
  block->allocated = false;
  block->requested = 0;
  FreeSet& pool_free = FreeBlocks(block->segment->pool, block->segment->small);
  // Merge with free neighbours in the same segment.
  for (Block* nb : {block->prev, block->next}) {
    if (nb == nullptr || nb->allocated) continue;
    pool_free.erase(FreeKey{nb->size, nb->address});
    if (nb == block->prev) {
      nb->size += block->size;
      nb->next = block->next;
      if (block->next != nullptr) block->next->prev = nb;
      if (block->segment->head == block) block->segment->head = nb;
      DeleteBlock(block);
      block = nb;
    } else {
      block->size += nb->size;
      block->next = nb->next;
      if (nb->next != nullptr) nb->next->prev = block;
      DeleteBlock(nb);
    }
  }
  pool_free[FreeKey{block->size, block->address}] = block;
}

Bytes CachingAllocator::BlockSize(BlockHandle handle) const {
  if (handle == 0 || handle >= live_.size() || live_[handle] == nullptr) return 0;
  return live_[handle]->size;
}

void CachingAllocator::ReleaseSegment(Segment* seg) {
  Block* b = seg->head;
  FreeBlocks(seg->pool, seg->small).erase(FreeKey{b->size, b->address});
  DeleteBlock(b);
  device_->RawFree(seg->raw);
  stats_.reserved -= seg->size;
  --stats_.num_segments;
  segments_.erase(seg);
  delete seg;
}

void CachingAllocator::ReleaseFreeSegments(bool include_private) {
  std::vector<Segment*> victims;
  for (Segment* seg : segments_) {
    if (!include_private && seg->pool != 0) continue;
    Block* b = seg->head;
    if (!b->allocated && b->next == nullptr && b->prev == nullptr) victims.push_back(seg);
  }
  for (Segment* seg : victims) ReleaseSegment(seg);
}

void CachingAllocator::EmptyCache() { ReleaseFreeSegments(/*include_private=*/false); }

void CachingAllocator::ReleasePool(PoolId pool) {
  std::vector<Segment*> victims;
  for (Segment* seg : segments_) {
    Block* b = seg->head;
    if (seg->pool == pool && !b->allocated && b->next == nullptr) victims.push_back(seg);
  }
  for (Segment* seg : victims) ReleaseSegment(seg);
}

}  // namespace tpsim
