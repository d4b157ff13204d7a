// ShardPlanCache: shard plans built once and shared, for callers that run many deployments of the same
// few models (tpsim tune, tpsim sweep, benchmarks). BuildShardPlan is a pure function of the model and
// the ShardOptions; building one (about 1,500 named tensors for Qwen3-32B) was a third of a plan's time.
//
// Contract: within one cache's life every ModelConfig with a given `name` has the same contents (the
// callers load each model once). The key is the model's name and every ShardOptions field; as a guard,
// a hit whose model disagrees on the shape fields is not used (the plan is built afresh, uncached).
// Thread-safe: the ranks of many plans share one cache.
#ifndef TPSIM_SIM_SHARD_SHARD_PLAN_CACHE_H_
#define TPSIM_SIM_SHARD_SHARD_PLAN_CACHE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "sim/base/status_or.h"
#include "sim/shard/shard_plan.h"

namespace tpsim {

class ShardPlanCache {
 public:
  // The plan BuildShardPlan(model, options) returns, from the cache when present. Errors are
  // BuildShardPlan's and are not cached.
  StatusOr<std::shared_ptr<const ShardPlan>> Get(const ModelConfig& model, const ShardOptions& options);

  // Number of plans held (for tests).
  std::size_t size() const;

 private:
  using Key = std::tuple<std::string, int, int, int, int, int>;  // name, tp, rank, dtype, linear, sms
  struct Entry {
    std::shared_ptr<const ShardPlan> plan;
    std::string shape_signature;  // the guard (see above)
  };

  mutable std::mutex mu_;
  std::map<Key, Entry> plans_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_SHARD_SHARD_PLAN_CACHE_H_
