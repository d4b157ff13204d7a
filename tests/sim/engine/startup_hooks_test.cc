// StartupRun with StartupHooks (the real-GPU path of `tpsim measure`), exercised on a SimDevice: the
// hooks are called where the driver and NCCL would allocate, and none of that memory is booked, while
// every torch allocation is the same as in the simulation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/device/sim_device.h"
#include "sim/engine/resolved_config.h"
#include "sim/engine/startup.h"
#include "sim/model/model_config.h"

namespace tpsim {
namespace {

class RecordingHooks final : public StartupHooks {
 public:
  Status InitDistributed() override { return Call("init", init_status); }
  Status ProfileForward() override { return Call("profile", profile_status); }
  Status CaptureGraphs(std::int64_t graphs) override {
    captured = graphs;
    return Call("graphs", Status::Ok());
  }
  std::vector<std::string> calls;
  std::int64_t captured = -1;
  Status init_status, profile_status;

 private:
  Status Call(const char* name, const Status& s) {
    calls.push_back(name);
    return s;
  }
};

ResolvedConfig Config(int tp) {
  EngineArgs a;
  a.tensor_parallel_size = tp;
  a.max_model_len = 8192;
  auto cfg = ResolveEngineArgs(a, DefaultConfigsDir());
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  return *cfg;
}

// Raw (non-torch) bytes still allocated at the end of a timeline.
Bytes RawLive(const Timeline& t) {
  Bytes live = 0;
  for (const TimelineEvent& e : t.events) {
    if (!e.torch && (e.kind == EventKind::kAlloc || e.kind == EventKind::kFree)) live += e.bytes;
  }
  return live;
}

TEST(StartupHooksTest, HooksReplaceDriverMemoryAndLeaveTorchAllocationsAlone) {
  const ResolvedConfig cfg = Config(2);
  ASSERT_FALSE(cfg.capture_sizes.empty());
  SimDevice plain_dev("plain", cfg.gpu.total_memory_bytes), hooked_dev("hooked", cfg.gpu.total_memory_bytes);
  RecordingHooks hooks;
  StartupRun plain(cfg, 1, &plain_dev);
  StartupRun hooked(cfg, 1, &hooked_dev, &hooks);
  ASSERT_TRUE(plain.Stage1().ok());
  ASSERT_TRUE(hooked.Stage1().ok());
  ASSERT_FALSE(plain.failed());
  ASSERT_FALSE(hooked.failed());
  // Without the booked context and NCCL memory the hooked rank has more room for KV.
  EXPECT_GT(hooked.local_available_kv(), plain.local_available_kv());
  const std::int64_t blocks = std::min(plain.local_num_blocks(), hooked.local_num_blocks());
  ASSERT_TRUE(plain.Stage2(blocks).ok());
  ASSERT_TRUE(hooked.Stage2(blocks).ok());
  const RankReport p = plain.TakeReport();
  const RankReport h = hooked.TakeReport();

  EXPECT_EQ(hooks.calls, (std::vector<std::string>{"init", "profile", "graphs"}));
  EXPECT_EQ(hooks.captured,
            static_cast<std::int64_t>(cfg.capture_sizes.size() + cfg.full_capture_sizes.size()));
  EXPECT_EQ(RawLive(h.timeline), 0);
  EXPECT_GT(RawLive(p.timeline), 0);
  for (const TimelineEvent& e : h.timeline.events) {
    EXPECT_FALSE(!e.torch && e.kind == EventKind::kAlloc) << "booked " << e.label;
  }
  // Same torch allocations: same weights, activations, KV; the device differs by the raw bytes only.
  EXPECT_EQ(h.weights, p.weights);
  EXPECT_EQ(h.activation_peak, p.activation_peak);
  EXPECT_EQ(h.kv_cache, p.kv_cache);
  EXPECT_EQ(h.final_used, p.final_used - RawLive(p.timeline));
  EXPECT_EQ(h.timeline.events.back().reserved, p.timeline.events.back().reserved);
}

TEST(StartupHooksTest, TpOneCallsTheHooksToo) {
  const ResolvedConfig cfg = Config(1);
  SimDevice dev("d", 80 * kGiB);  // room for tp 1
  RecordingHooks hooks;
  StartupRun run(cfg, 0, &dev, &hooks);
  ASSERT_TRUE(run.Stage1().ok());
  ASSERT_FALSE(run.failed()) << run.TakeReport().error_message;
  EXPECT_EQ(hooks.calls, (std::vector<std::string>{"init", "profile"}));
}

TEST(StartupHooksTest, HookErrorsStopTheRunAndOutOfMemoryIsAVerdict) {
  const ResolvedConfig cfg = Config(2);
  {
    SimDevice dev("d", cfg.gpu.total_memory_bytes);
    RecordingHooks hooks;
    hooks.init_status = Status::Internal("ncclCommInitRank: unhandled cuda error");
    StartupRun run(cfg, 0, &dev, &hooks);
    const Status s = run.Stage1();
    EXPECT_EQ(s.code(), Status::Code::kInternal);
    EXPECT_EQ(hooks.calls, (std::vector<std::string>{"init"}));
  }
  {
    SimDevice dev("d", cfg.gpu.total_memory_bytes);
    RecordingHooks hooks;
    hooks.profile_status = Status::ResourceExhausted("CUDA out of memory. Tried to allocate 2.00 GiB.");
    StartupRun run(cfg, 0, &dev, &hooks);
    ASSERT_TRUE(run.Stage1().ok());
    EXPECT_TRUE(run.failed());
    const RankReport r = run.TakeReport();
    EXPECT_EQ(r.error_kind, ErrorKind::kOom);
    EXPECT_NE(r.error_message.find("Tried to allocate 2.00 GiB"), std::string::npos);
  }
}

}  // namespace
}  // namespace tpsim
