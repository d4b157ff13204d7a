#include "sim/engine/startup.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "sim/engine/kv_cache.h"
#include "sim/engine/profile_program.h"
#include "sim/shard/weight_replay.h"
#include "topology/comm_memory.h"

namespace tpsim {

namespace {

std::string Fmt(const char* fmt, double a) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), fmt, a);
  return buf;
}

}  // namespace

StartupRun::StartupRun(const ResolvedConfig& cfg, int rank, Device* device, StartupHooks* hooks)
    : StartupRun(cfg, rank, device, StartupOptions(), hooks) {}

StartupRun::StartupRun(const ResolvedConfig& cfg, int rank, Device* device,
                       const StartupOptions& options, StartupHooks* hooks)
    : cfg_(cfg), rank_(rank), hooks_(hooks), policy_(&PolicyFor(cfg)), options_(options),
      m_(device, rank) {
  m_.set_record_events(options.record_timeline);
  report_.rank = rank;
  report_.gpu = cfg.gpu.key;
  report_.total = device->QueryMemInfo().total;
}

Status StartupRun::Verdict(const Status& s) {
  if (s.ok() || s.code() != Status::Code::kResourceExhausted) return s;
  report_.error_kind = ErrorKind::kOom;
  report_.error_message = "torch.OutOfMemoryError: " + s.message();
  m_.Mark("out of memory");
  return Status::Ok();
}

Status StartupRun::Stage1() {
  ShardOptions so;
  so.tp = cfg_.tp;
  so.rank = rank_;
  so.model_dtype = cfg_.dtype;
  so.linear = cfg_.linear;
  so.sm_count = cfg_.gpu.sm_count;
  if (options_.shard_plans != nullptr) {
    TPSIM_ASSIGN_OR_RETURN(plan_, options_.shard_plans->Get(cfg_.model, so));
  } else {
    TPSIM_ASSIGN_OR_RETURN(ShardPlan built, BuildShardPlan(cfg_.model, so));
    plan_ = std::make_shared<const ShardPlan>(std::move(built));
  }
  TPSIM_RETURN_IF_ERROR(Verdict(InitDevice()));
  if (failed()) return Status::Ok();
  TPSIM_RETURN_IF_ERROR(Verdict(LoadModel()));
  if (failed()) return Status::Ok();
  TPSIM_RETURN_IF_ERROR(Verdict(ProfileRun()));
  return Status::Ok();
}

Status StartupRun::InitDevice() {
  m_.BeginPhase("init_device");
  const ContextMemory ctx =
      ModelContextMemory(cfg_.gpu, cfg_.tp, cfg_.comm_features, cfg_.config_constants().comm);
  if (hooks_ == nullptr) {
    TPSIM_RETURN_IF_ERROR(m_.RawAlloc(MemCategory::kContext, "CUDA context", ctx.at_init).status());
  }
  m_.Advance(cfg_.config_constants().engine.context_create_seconds);
  report_.cuda_context = ctx.at_init;
  const Bytes total = report_.total;
  report_.requested = policy_->Requested(total, cfg_.gpu_memory_utilization);
  readings_.requested = report_.requested;
  if (policy_->SnapshotBeforeDistributedInit()) readings_.init = m_.Snapshot();

  CommQuery q;
  q.gpu = &cfg_.gpu;
  q.topology = &cfg_.topology;
  q.tp = cfg_.tp;
  q.rank = rank_;
  q.features = cfg_.comm_features;
  q.constants = &cfg_.config_constants().comm;
  q.disable_custom_all_reduce = cfg_.args.disable_custom_all_reduce;
  q.enforce_eager = cfg_.enforce_eager;
  q.hidden_size = static_cast<int>(cfg_.model.hidden_size);
  q.max_num_batched_tokens = static_cast<int>(cfg_.max_num_batched_tokens);
  q.activation_bytes = DTypeBytes(cfg_.dtype);
  TPSIM_ASSIGN_OR_RETURN(CommMemoryPlan comm, PlanCommMemory(q));
  comm_ = comm;
  report_.transport = comm.transport;
  report_.custom_allreduce_on = comm.custom_all_reduce;
  report_.custom_allreduce_note = comm.custom_all_reduce_reason;
  if (hooks_ != nullptr) {
    TPSIM_RETURN_IF_ERROR(hooks_->InitDistributed());
    m_.Mark("communicators created");
  } else if (ctx.nccl_code > 0 && cfg_.tp > 1) {
    TPSIM_RETURN_IF_ERROR(
        m_.RawAlloc(MemCategory::kContext, "NCCL device code", ctx.nccl_code).status());
    report_.cuda_context += ctx.nccl_code;
  }
  for (const CommAllocation& a : comm.allocations) {
    if (a.phase != CommPhase::kDistributedInit) continue;
    const bool car = a.owner == "custom_all_reduce";
    (car ? report_.custom_allreduce : report_.nccl) += a.bytes;
    if (a.torch_allocated) {
      TPSIM_ASSIGN_OR_RETURN(BlockHandle h, m_.TorchAlloc(MemCategory::kCommunication, a.label, a.bytes));
      persistent_.push_back(h);
    } else if (hooks_ == nullptr) {
      TPSIM_RETURN_IF_ERROR(m_.RawAlloc(MemCategory::kCommunication, a.label, a.bytes).status());
    }
  }
  if (cfg_.tp > 1) {
    m_.Advance(cfg_.config_constants().engine.communicator_init_seconds);
    m_.Collective("pynccl warm-up all_reduce", 4);
  }
  m_.EmptyCache();
  if (!policy_->SnapshotBeforeDistributedInit()) readings_.init = m_.Snapshot();
  report_.init_free = readings_.init.free;
  if (policy_->ChecksFreeMemoryAtInit() && readings_.init.free < report_.requested) {
    report_.error_kind = ErrorKind::kInsufficientFreeMemory;
    report_.error_message =
        "ValueError: Free memory on device (" + Fmt("%.2f", ToGiB(readings_.init.free)) + "/" +
        Fmt("%.2f", ToGiB(total)) + " GiB) on startup is less than desired GPU memory utilization (" +
        Fmt("%.2f", cfg_.gpu_memory_utilization) + ", " + Fmt("%.2f", ToGiB(report_.requested)) +
        " GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.";
    return Status::Ok();
  }

  const std::vector<RunnerBuffer> buffers = policy_->RunnerBuffers(cfg_);
  if (!buffers.empty()) m_.BeginPhase("model_runner_init");
  for (const RunnerBuffer& buffer : buffers) {
    TPSIM_ASSIGN_OR_RETURN(BlockHandle h,
                           m_.TorchAlloc(MemCategory::kRunnerBuffers, buffer.label, buffer.bytes));
    persistent_.push_back(h);
    report_.runner_buffers += m_.allocator().BlockSize(h);
  }
  return Status::Ok();
}

Status StartupRun::LoadModel() {
  m_.BeginPhase("load_model");
  m_.EmptyCache();
  m_.ResetPeak();
  const Bytes before = m_.allocator().stats().allocated;
  TPSIM_ASSIGN_OR_RETURN(
      weight_handles_,
      ReplayLoadOrder(
          *plan_,
          [&](const TensorSpec& t) {
            // The clock advances with each tensor's host-to-device copy, so the weights ramp up.
            m_.Advance(static_cast<double>(t.bytes()) / (cfg_.gpu.h2d_gb_per_s * 1e9));
            return m_.TorchAlloc(MemCategory::kWeights, t.name, t.bytes());
          },
          [&](BlockHandle h) { m_.TorchFree(h); }));
  readings_.weights = m_.allocator().stats().allocated - before;
  report_.weights = readings_.weights;
  report_.log.push_back("Model loading took " + Fmt("%.4f", ToGiB(report_.weights)) + " GiB memory");
  return Status::Ok();
}

Bytes StartupRun::CudaGraphPoolBytes() const {
  return cfg_.capture_sizes.empty() ? 0 : policy_->CudaGraphPoolBytes(cfg_);
}

namespace {

Bytes GraphOverhead(const ResolvedConfig& cfg, std::int64_t graphs) {
  const EngineConstants& e = cfg.config_constants().engine;
  return RoundUp(graphs * cfg.model.num_layers * e.graph_kernels_per_layer * e.graph_bytes_per_node,
                 2 * kMiB);
}

std::int64_t NumGraphs(const ResolvedConfig& cfg) {
  return static_cast<std::int64_t>(cfg.capture_sizes.size() + cfg.full_capture_sizes.size());
}

}  // namespace

Status StartupRun::ProfileRun() {
  m_.BeginPhase("profile_run");
  m_.EmptyCache();
  m_.ResetPeak();
  readings_.before_profile = m_.Snapshot();
  const bool compiled = policy_->CompilesForward(cfg_.enforce_eager);
  BlockHandle hidden = 0;
  TPSIM_RETURN_IF_ERROR(EmitForward(cfg_, *plan_, cfg_.max_num_batched_tokens, compiled, &m_, &hidden,
                                    &persistent_));
  // Lazily loaded kernels and lazily connected NCCL buffers appear with the first forward.
  const ContextMemory ctx =
      ModelContextMemory(cfg_.gpu, cfg_.tp, cfg_.comm_features, cfg_.config_constants().comm);
  if (hooks_ != nullptr) {
    TPSIM_RETURN_IF_ERROR(hooks_->ProfileForward());
    m_.Mark("real forward");
  } else if (ctx.first_forward_growth > 0) {
    TPSIM_RETURN_IF_ERROR(
        m_.RawAlloc(MemCategory::kContext, "lazily loaded kernels", ctx.first_forward_growth).status());
  }
  for (const CommAllocation& a : comm_.allocations) {
    if (a.phase != CommPhase::kFirstCollective) continue;
    report_.nccl += a.bytes;
    if (hooks_ != nullptr) continue;
    TPSIM_RETURN_IF_ERROR(m_.RawAlloc(MemCategory::kCommunication, a.label, a.bytes).status());
  }
  TPSIM_RETURN_IF_ERROR(EmitSampler(cfg_, *plan_, cfg_.profile_num_reqs(), &m_));
  m_.TorchFree(hidden);
  m_.Advance(ForwardFlops(cfg_, *plan_, cfg_.max_num_batched_tokens) /
             (cfg_.gpu.fp16_tensor_tflops * 1e12 * cfg_.config_constants().engine.matmul_efficiency));
  readings_.peak_during_profile = m_.allocator().stats().peak_allocated;

  if (policy_->EstimatesCudaGraphs() && !cfg_.enforce_eager) {
    // profile_cudagraph_memory: capture the two largest sizes per mode into a temporary pool and
    // extrapolate: max(first) + sum per_graph x (n - 1).
    const Bytes pool = CudaGraphPoolBytes();
    const Bytes per_graph = std::max<Bytes>(GraphOverhead(cfg_, 1), kMiB);
    TPSIM_ASSIGN_OR_RETURN(BlockHandle tmp, m_.TorchAlloc(MemCategory::kCudaGraph, "graph pool (estimate)",
                                                          pool, /*pool=*/1));
    RawHandle objs = 0;
    if (hooks_ == nullptr) {
      TPSIM_ASSIGN_OR_RETURN(objs, m_.RawAlloc(MemCategory::kCudaGraph, "graph objects (estimate)",
                                               GraphOverhead(cfg_, 2)));
    }
    const std::int64_t modes_graphs = NumGraphs(cfg_);
    const int modes = cfg_.full_capture_sizes.empty() ? 1 : 2;
    readings_.cudagraph_estimate = RoundUp(pool, 2 * kMiB) + per_graph + per_graph * (modes_graphs - modes);
    report_.cudagraph_estimate = readings_.cudagraph_estimate;
    m_.TorchFree(tmp);
    if (objs != 0) m_.RawFree(objs);
    m_.ReleasePool(1);
    report_.log.push_back("Estimated CUDA graph memory: " +
                          Fmt("%.2f", ToGiB(readings_.cudagraph_estimate)) + " GiB total");
  }
  m_.EmptyCache();
  readings_.after_profile = m_.Snapshot();

  KvBudget budget = policy_->Budget(readings_, cfg_.subtract_cudagraph_estimate);
  if (cfg_.args.kv_cache_memory) budget.available = *cfg_.args.kv_cache_memory;
  report_.activation_peak = budget.activation_peak;
  report_.non_torch = budget.non_torch;
  report_.available_kv = budget.available;
  report_.num_blocks_local = NumBlocks(cfg_, budget.available);
  report_.log.push_back("Available KV cache memory: " + Fmt("%.2f", ToGiB(budget.available)) + " GiB");
  m_.BeginPhase("kv_cache_sizing");
  return Status::Ok();
}

Status StartupRun::Stage2(std::int64_t num_blocks) {
  if (failed()) return Status::Ok();
  // KV tensors: one per layer (V1 _allocate_kv_cache_tensors; V0 CacheEngine), each its own segment.
  m_.BeginPhase("kv_cache_alloc");
  const Bytes per_layer = PageBytesPerLayer(cfg_) * num_blocks;
  for (std::int64_t l = 0; l < cfg_.model.num_layers && num_blocks > 0; ++l) {
    auto h = m_.TorchAlloc(MemCategory::kKvCache, "kv_cache layer " + std::to_string(l), per_layer);
    if (!h.ok()) return Verdict(h.status());
    persistent_.push_back(*h);
  }
  report_.kv_cache = per_layer * cfg_.model.num_layers;
  TPSIM_RETURN_IF_ERROR(Verdict(CaptureCudaGraphs()));
  if (failed()) return Status::Ok();
  TPSIM_RETURN_IF_ERROR(Verdict(SamplerWarmup()));
  return Status::Ok();
}

Status StartupRun::CaptureCudaGraphs() {
  if (cfg_.enforce_eager || cfg_.capture_sizes.empty()) return Status::Ok();
  m_.BeginPhase("cudagraph_capture");
  const Bytes before = m_.Snapshot().cuda_used;
  TPSIM_RETURN_IF_ERROR(
      m_.TorchAlloc(MemCategory::kCudaGraph, "graph pool", CudaGraphPoolBytes(), /*pool=*/2).status());
  const std::int64_t graphs = NumGraphs(cfg_);
  if (hooks_ != nullptr) {
    TPSIM_RETURN_IF_ERROR(hooks_->CaptureGraphs(graphs));
    m_.Mark("graphs captured x" + std::to_string(graphs));
  } else {
    TPSIM_RETURN_IF_ERROR(
        m_.RawAlloc(MemCategory::kCudaGraph, "graph objects x" + std::to_string(graphs),
                    GraphOverhead(cfg_, graphs))
            .status());
  }
  m_.Advance(cfg_.config_constants().engine.graph_capture_seconds * static_cast<double>(graphs));
  report_.cudagraph = m_.Snapshot().cuda_used - before;
  report_.log.push_back("Graph capturing finished, took " + Fmt("%.2f", ToGiB(report_.cudagraph)) +
                        " GiB");
  return Status::Ok();
}

Status StartupRun::SamplerWarmup() {
  // compile_or_warm_up_model runs _dummy_sampler_run again after capture (V1); its blocks stay cached.
  if (!policy_->WarmsUpSamplerAfterCapture()) return Status::Ok();
  m_.BeginPhase("sampler_warmup");
  TPSIM_ASSIGN_OR_RETURN(BlockHandle hidden,
                         m_.TorchAlloc(MemCategory::kSampler, "hidden states",
                                       cfg_.profile_num_reqs() * cfg_.model.hidden_size *
                                           DTypeBytes(cfg_.dtype)));
  TPSIM_RETURN_IF_ERROR(EmitSampler(cfg_, *plan_, cfg_.profile_num_reqs(), &m_));
  m_.TorchFree(hidden);
  return Status::Ok();
}

RankReport StartupRun::TakeReport() {
  m_.BeginPhase("ready");
  report_.timeline = m_.Finish();
  report_.final_used = m_.Snapshot().cuda_used;
  report_.peak_used = m_.peak_device_used();
  return std::move(report_);
}

}  // namespace tpsim
