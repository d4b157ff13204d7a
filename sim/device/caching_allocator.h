// CachingAllocator: a replay of PyTorch's CUDACachingAllocator (c10/cuda/CUDACachingAllocator.cpp) on
// top of a Device, so that "allocated", "reserved" and the peak read exactly as torch.cuda.memory_stats()
// would (research/nccl_cuda_overheads.md §3). Rules modelled:
//   * request rounding: < 512 B -> 512 B, else up to a multiple of 512 B (round_size);
//   * pools: requests <= 1 MiB use the small pool, larger ones the large pool;
//   * new segment size: <= 1 MiB -> 2 MiB; < 10 MiB -> 20 MiB; else rounded up to 2 MiB
//     (get_allocation_size);
//   * best fit: the smallest cached free block of the pool that fits (ties: lowest address);
//   * split: small pool when >= 512 B remain; large pool only when > 1 MiB remains (should_split),
//     otherwise the whole block is handed out and counts as allocated;
//   * free merges with free neighbours of the same segment; empty_cache releases whole free segments;
//   * on a failed segment allocation the cache is released and the allocation retried once, then OOM;
//   * private pools (CUDA-graph capture) keep their own segments.
// Not modelled: streams other than the default, expandable_segments, max_split_size_mb.
// Thread-compatible.
#ifndef TPSIM_SIM_DEVICE_CACHING_ALLOCATOR_H_
#define TPSIM_SIM_DEVICE_CACHING_ALLOCATOR_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/device/device.h"

namespace tpsim {

inline constexpr Bytes kMinBlockSize = 512;           // kMinBlockSize
inline constexpr Bytes kSmallSize = 1 * kMiB;         // kSmallSize: small-pool threshold
inline constexpr Bytes kSmallBuffer = 2 * kMiB;       // kSmallBuffer: small-pool segment
inline constexpr Bytes kLargeBuffer = 20 * kMiB;      // kLargeBuffer: segment for 1-10 MiB requests
inline constexpr Bytes kMinLargeAlloc = 10 * kMiB;    // kMinLargeAlloc
inline constexpr Bytes kRoundLarge = 2 * kMiB;        // kRoundLarge

// Handle of a live torch allocation; 0 is never valid.
using BlockHandle = std::uint64_t;
// 0 = the default pool; any other id is a private pool (a CUDA-graph memory pool).
using PoolId = int;

struct AllocatorStats {
  Bytes allocated = 0;       // memory_allocated(): sum of live block sizes
  Bytes reserved = 0;        // memory_reserved(): sum of segment sizes
  Bytes peak_allocated = 0;  // max_memory_allocated() since the last ResetPeak()
  Bytes requested = 0;       // sum of the requested (unrounded) sizes of live blocks
  std::int64_t num_segments = 0;
  std::int64_t num_allocs = 0;
};

class CachingAllocator {
 public:
  // REQUIRES: device outlives the allocator.
  explicit CachingAllocator(Device* device);
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // torch.empty(bytes) on the device. ResourceExhausted with torch's OOM text when no segment fits.
  StatusOr<BlockHandle> Malloc(Bytes bytes, std::string_view label, PoolId pool = 0);
  // REQUIRES: handle is live.
  void Free(BlockHandle handle);
  // torch.cuda.empty_cache(): releases every segment that is entirely free (all pools except private
  // pools still referenced; ReleasePool drops a private pool).
  void EmptyCache();
  // Releases every segment of a private pool (its blocks must all be free).
  void ReleasePool(PoolId pool);
  // torch.cuda.reset_peak_memory_stats().
  void ResetPeak() { stats_.peak_allocated = stats_.allocated; }

  const AllocatorStats& stats() const { return stats_; }
  // Size of the block behind a live handle (>= the rounded request).
  Bytes BlockSize(BlockHandle handle) const;

  // PyTorch's round_size and get_allocation_size.
  static Bytes RoundSize(Bytes bytes);
  static Bytes SegmentSize(Bytes rounded);

 private:
  struct Segment;
  struct Block {
    std::uint64_t address = 0;
    Bytes size = 0;
    Bytes requested = 0;
    bool allocated = false;
    Segment* segment = nullptr;
    Block* prev = nullptr;
    Block* next = nullptr;
  };
  struct Segment {
    RawHandle raw = 0;
    Bytes size = 0;
    bool small = false;
    PoolId pool = 0;
    Block* head = nullptr;
  };
  struct FreeKey {
    Bytes size;
    std::uint64_t address;
    bool operator<(const FreeKey& o) const {
      return size != o.size ? size < o.size : address < o.address;
    }
  };
  using FreeSet = std::map<FreeKey, Block*>;

  FreeSet& FreeBlocks(PoolId pool, bool small);
  Block* NewBlock(const Block& init);
  void DeleteBlock(Block* b);
  StatusOr<Block*> NewSegment(Bytes size, bool small, PoolId pool, std::string_view label);
  void ReleaseSegment(Segment* seg);
  void ReleaseFreeSegments(bool include_private);

  Device* device_;
  std::uint64_t next_address_ = 1ull << 32;
  AllocatorStats stats_;
  std::map<std::pair<PoolId, bool>, FreeSet> free_;
  std::set<Segment*> segments_;
  // Handles are issued densely from 1: live_[h] is the block of a live handle, nullptr once freed.
  std::vector<Block*> live_ = {nullptr};
  std::vector<Block*> spare_blocks_;  // freed Block objects, reused before new ones (a plan makes and
                                      // drops thousands)
  BlockHandle next_handle_ = 1;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_DEVICE_CACHING_ALLOCATOR_H_
