#include "kernels/cuda/measure.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/decoder_layer.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/nccl_communicator.h"
#include "sim/engine/kv_cache.h"
#include "sim/engine/startup.h"
#include "sim/engine/vllm_policy.h"

namespace tpsim {

namespace {

using gpu::CudaStatus;

// The real counterparts of what the simulation books (StartupHooks), with cudaMemGetInfo read around
// each. Steps that do not fit on the card are skipped with a note; CUDA/NCCL failures are errors.
class MeasureHooks final : public StartupHooks {
 public:
  MeasureHooks(const ResolvedConfig& cfg, ProcessGroup& pg, CudaDevice& device, const MeasureOptions& opts,
               MeasuredRank* out)
      : cfg_(cfg), pg_(pg), device_(device), opts_(opts), out_(out) {
    ShardOptions so;
    so.tp = cfg.tp;
    so.rank = pg.rank();
    so.model_dtype = cfg.dtype;
    so.linear = cfg.linear;
    so.sm_count = cfg.gpu.sm_count;
    StatusOr<ShardPlan> plan = BuildShardPlan(cfg.model, so);
    if (!plan.ok()) {
      shape_status_ = plan.status();
      return;
    }
    StatusOr<gpu::DecoderLayerShape> shape = gpu::DecoderLayerShapeFor(cfg, *plan);
    if (shape.ok()) {
      shape_ = *shape;
      if (!shape_->awq && cfg.linear != LinearMethod::kUnquantized) {
        out_->notes.push_back("the layer runs fp16 weights of the shard's shapes (no kernel for " +
                              std::string(LinearMethodName(cfg.linear)) + ")");
      }
    } else {
      shape_status_ = shape.status();
    }
  }

  ~MeasureHooks() override {
    (void)device_.MakeCurrent();
    for (cudaGraphExec_t e : execs_) {
      if (cudaGraphExecDestroy(e) != cudaSuccess) (void)cudaGetLastError();
    }
  }

  Status InitDistributed() override {
    if (cfg_.tp == 1) return Status::Ok();  // vLLM creates no device communicator for a world of one
    TPSIM_ASSIGN_OR_RETURN(comm_, NcclCommunicator::Create(pg_, device_));
    out_->nccl_init = comm_->footprint();
    out_->nccl_version = NcclCommunicator::Version();
    return Status::Ok();
  }

  Status ProfileForward() override {
    if (!opts_.run_layer) {
      out_->notes.push_back("layer run skipped (--no-layer)");
      return Status::Ok();
    }
    if (!shape_) {
      out_->notes.push_back("layer run skipped: " + shape_status_.message());
      return Status::Ok();
    }
    gpu::DecoderLayerOptions lo;
    lo.max_seqs = std::max<std::int64_t>(1, std::min(opts_.layer_seqs, cfg_.max_num_seqs));
    lo.context_len = std::max<std::int64_t>(1, std::min(opts_.layer_context, cfg_.max_model_len));
    lo.fill = true;
    lo.seed = opts_.seed;
    TPSIM_ASSIGN_OR_RETURN(gpu::CudaStream stream, gpu::CudaStream::Create());
    StatusOr<std::unique_ptr<gpu::DecoderLayer>> layer = gpu::DecoderLayer::Create(*shape_, lo);
    if (!layer.ok()) return SkipOnOom(layer.status(), "layer run");
    const Bytes before = device_.QueryMemInfo().used();
    // The profile forward runs without all-reduces: a rank that failed earlier never reaches this
    // point, and NCCL would wait for it. The first all-reduce runs in FirstCollective.
    TPSIM_RETURN_IF_ERROR((*layer)->Forward(lo.max_seqs, stream.get(), nullptr));
    TPSIM_RETURN_IF_ERROR(stream.Synchronize());
    out_->kernel_load = device_.QueryMemInfo().used() - before;

    cudaEvent_t start = nullptr, stop = nullptr;
    TPSIM_RETURN_IF_ERROR(CudaStatus(cudaEventCreate(&start), "cudaEventCreate"));
    Status timed = CudaStatus(cudaEventCreate(&stop), "cudaEventCreate");
    if (timed.ok()) timed = CudaStatus(cudaEventRecord(start, static_cast<cudaStream_t>(stream.get())), "cudaEventRecord");
    if (timed.ok()) timed = (*layer)->Forward(lo.max_seqs, stream.get(), nullptr);
    if (timed.ok()) timed = CudaStatus(cudaEventRecord(stop, static_cast<cudaStream_t>(stream.get())), "cudaEventRecord");
    if (timed.ok()) timed = CudaStatus(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0;
    if (timed.ok()) timed = CudaStatus(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    (void)cudaEventDestroy(start);
    if (stop != nullptr) (void)cudaEventDestroy(stop);
    TPSIM_RETURN_IF_ERROR(timed);
    TPSIM_ASSIGN_OR_RETURN(float max_abs, (*layer)->OutputMaxAbs(lo.max_seqs, stream.get()));

    out_->layer_ran = true;
    out_->layer_seqs = lo.max_seqs;
    out_->layer_context = lo.context_len;
    out_->layer_kernels = (*layer)->kernels_per_forward();
    out_->layer_buffers = (*layer)->device_bytes();
    out_->layer_step_ms = ms;
    out_->layer_output_max_abs = max_abs;
    return Status::Ok();  // the layer's buffers are freed here; the loaded modules stay
  }

  Status CaptureGraphs(std::int64_t graphs) override {
    if (!opts_.capture_graphs) {
      out_->notes.push_back("graph capture skipped (--no-graphs)");
      return Status::Ok();
    }
    if (!shape_) {
      out_->notes.push_back("graph capture skipped: " + shape_status_.message());
      return Status::Ok();
    }
    std::vector<std::int64_t> sizes = cfg_.capture_sizes;
    sizes.insert(sizes.end(), cfg_.full_capture_sizes.begin(), cfg_.full_capture_sizes.end());
    if (sizes.empty() || graphs <= 0) return Status::Ok();
    if (static_cast<std::int64_t>(sizes.size()) > graphs) sizes.resize(static_cast<std::size_t>(graphs));
    TPSIM_ASSIGN_OR_RETURN(gpu::CudaStream stream, gpu::CudaStream::Create(/*non_blocking=*/true));
    const Bytes before = device_.QueryMemInfo().used();
    {
      // Buffers for the largest size; captured graphs are never replayed, so they need no data.
      gpu::DecoderLayerOptions lo;
      lo.max_seqs = *std::max_element(sizes.begin(), sizes.end());
      lo.context_len = cfg_.block_size;
      lo.fill = false;
      StatusOr<std::unique_ptr<gpu::DecoderLayer>> layer = gpu::DecoderLayer::Create(*shape_, lo);
      if (!layer.ok()) return SkipOnOom(layer.status(), "graph capture");
      const cudaStream_t s = static_cast<cudaStream_t>(stream.get());
      for (std::int64_t size : sizes) {
        TPSIM_RETURN_IF_ERROR(CudaStatus(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal),
                                         "cudaStreamBeginCapture"));
        Status launched = Status::Ok();
        for (std::int64_t l = 0; l < cfg_.model.num_layers && launched.ok(); ++l) {
          launched = (*layer)->Forward(std::max<std::int64_t>(size, 1), stream.get(), nullptr);
        }
        cudaGraph_t graph = nullptr;
        Status ended = CudaStatus(cudaStreamEndCapture(s, &graph), "cudaStreamEndCapture");
        if (!launched.ok() || !ended.ok()) {
          if (graph != nullptr) (void)cudaGraphDestroy(graph);
          return launched.ok() ? ended : launched;
        }
        cudaGraphExec_t exec = nullptr;
        Status inst = CudaStatus(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
        (void)cudaGraphDestroy(graph);  // torch keeps only the executable graph
        TPSIM_RETURN_IF_ERROR(inst);
        execs_.push_back(exec);
        out_->graphs += 1;
        out_->graph_nodes += cfg_.model.num_layers * (*layer)->kernels_per_forward();
      }
      TPSIM_RETURN_IF_ERROR(stream.Synchronize());
    }  // the layer's buffers are freed; the executable graphs stay
    out_->graph_objects = device_.QueryMemInfo().used() - before;
    if (cfg_.tp > 1) out_->notes.push_back("captured graphs hold the layer's kernels, not its all-reduces");
    return Status::Ok();
  }

  // The first all-reduce of [max_num_batched_tokens, hidden] half values, as the profile run's first
  // collective; called once every rank has passed the profile run. Its buffer is not counted.
  Status FirstCollective() {
    if (comm_ == nullptr) return Status::Ok();
    const std::int64_t count = cfg_.max_num_batched_tokens * cfg_.model.hidden_size;
    StatusOr<gpu::DeviceBuffer> buf = gpu::DeviceBuffer::Allocate(count * 2);
    // Every rank must take part in the all-reduce, so a rank without room uses a smaller one.
    TPSIM_ASSIGN_OR_RETURN(std::int64_t any_short, pg_.AllReduceMax(buf.ok() ? 0 : 1));
    std::int64_t n = count;
    if (any_short != 0) {
      n = std::min<std::int64_t>(count, 1 << 20);
      buf = gpu::DeviceBuffer::Allocate(n * 2);
      if (!buf.ok()) return buf.status();
      out_->notes.push_back("first all-reduce on 1 Mi elements (no room for the profile run's size)");
    }
    TPSIM_ASSIGN_OR_RETURN(gpu::CudaStream stream, gpu::CudaStream::Create());
    TPSIM_RETURN_IF_ERROR(buf->Zero());
    TPSIM_RETURN_IF_ERROR(gpu::SynchronizeCurrentDevice());
    const Bytes before = device_.QueryMemInfo().used();
    TPSIM_RETURN_IF_ERROR(comm_->AllReduceSum(buf->data(), buf->data(), n, DType::kF16, stream.get()));
    TPSIM_RETURN_IF_ERROR(stream.Synchronize());
    out_->first_collective = device_.QueryMemInfo().used() - before;
    return Status::Ok();
  }

 private:
  Status SkipOnOom(const Status& s, const char* what) {
    if (s.code() != Status::Code::kResourceExhausted) return s;
    out_->notes.push_back(std::string(what) + " skipped: " + s.message());
    return Status::Ok();
  }

  const ResolvedConfig& cfg_;
  ProcessGroup& pg_;
  CudaDevice& device_;
  const MeasureOptions& opts_;
  MeasuredRank* out_;
  std::optional<gpu::DecoderLayerShape> shape_;
  Status shape_status_;
  std::unique_ptr<NcclCommunicator> comm_;
  std::vector<cudaGraphExec_t> execs_;
};

nlohmann::json ToJson(const MeasuredRank& m) {
  nlohmann::json j;
  j["rank"] = m.rank;
  j["device"] = m.device;
  j["device_name"] = m.device_name;
  j["compute_capability"] = m.compute_capability;
  j["total"] = m.total;
  j["context"] = m.context;
  j["nccl_init"] = m.nccl_init;
  j["first_collective"] = m.first_collective;
  j["kernel_load"] = m.kernel_load;
  j["layer_ran"] = m.layer_ran;
  j["layer_seqs"] = m.layer_seqs;
  j["layer_context"] = m.layer_context;
  j["layer_kernels"] = m.layer_kernels;
  j["layer_buffers"] = m.layer_buffers;
  j["layer_step_ms"] = m.layer_step_ms;
  j["layer_output_max_abs"] = m.layer_output_max_abs;
  j["graphs"] = m.graphs;
  j["graph_nodes"] = m.graph_nodes;
  j["graph_objects"] = m.graph_objects;
  j["nccl_version"] = m.nccl_version;
  j["num_blocks"] = m.num_blocks;
  j["error_kind"] = m.error_kind;
  j["error_message"] = m.error_message;
  j["notes"] = m.notes;
  j["report"] = nlohmann::json::parse(RankReportToJson(m.report));
  return j;
}

}  // namespace

std::string MeasuredRankToJson(const MeasuredRank& m) { return ToJson(m).dump(); }

StatusOr<MeasuredRank> MeasuredRankFromJson(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Internal("malformed measured rank");
  MeasuredRank m;
  try {
    j.at("rank").get_to(m.rank);
    j.at("device").get_to(m.device);
    j.at("device_name").get_to(m.device_name);
    j.at("compute_capability").get_to(m.compute_capability);
    j.at("total").get_to(m.total);
    j.at("context").get_to(m.context);
    j.at("nccl_init").get_to(m.nccl_init);
    j.at("first_collective").get_to(m.first_collective);
    j.at("kernel_load").get_to(m.kernel_load);
    j.at("layer_ran").get_to(m.layer_ran);
    j.at("layer_seqs").get_to(m.layer_seqs);
    j.at("layer_context").get_to(m.layer_context);
    j.at("layer_kernels").get_to(m.layer_kernels);
    j.at("layer_buffers").get_to(m.layer_buffers);
    j.at("layer_step_ms").get_to(m.layer_step_ms);
    j.at("layer_output_max_abs").get_to(m.layer_output_max_abs);
    j.at("graphs").get_to(m.graphs);
    j.at("graph_nodes").get_to(m.graph_nodes);
    j.at("graph_objects").get_to(m.graph_objects);
    j.at("nccl_version").get_to(m.nccl_version);
    j.at("num_blocks").get_to(m.num_blocks);
    j.at("error_kind").get_to(m.error_kind);
    j.at("error_message").get_to(m.error_message);
    j.at("notes").get_to(m.notes);
    TPSIM_ASSIGN_OR_RETURN(m.report, RankReportFromJson(j.at("report").dump()));
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal(std::string("malformed measured rank: ") + e.what());
  }
  return m;
}

StatusOr<std::vector<MeasuredRank>> MeasureDeployment(const ResolvedConfig& cfg, ProcessGroup& pg,
                                                      const MeasureOptions& options) {
  if (pg.size() != cfg.tp) {
    return Status::InvalidArgument("world size " + std::to_string(pg.size()) +
                                   " does not equal --tensor-parallel-size " + std::to_string(cfg.tp) +
                                   " (launch with mpirun -np " + std::to_string(cfg.tp) + ", one process per GPU)");
  }
  const int rank = pg.rank();
  MeasuredRank m;
  m.rank = rank;
  m.device = options.device_ordinal;

  StatusOr<std::unique_ptr<CudaDevice>> opened = CudaDevice::Open(options.device_ordinal);
  TPSIM_ASSIGN_OR_RETURN(std::int64_t open_failed, pg.AllReduceMax(opened.ok() ? 0 : 1));
  if (open_failed != 0) {
    return opened.ok() ? Status::Unavailable("another rank could not open its GPU") : opened.status();
  }
  CudaDevice& device = **opened;
  {
    // Load the fill kernel that every new segment runs now, so that its module counts as context
    // rather than as the first weights.
    TPSIM_ASSIGN_OR_RETURN(gpu::DeviceBuffer warm, gpu::DeviceBuffer::Allocate(4096));
    TPSIM_RETURN_IF_ERROR(gpu::FillRandomBits(warm.data(), warm.size(), options.seed));
    TPSIM_RETURN_IF_ERROR(device.Synchronize());
  }
  const MemInfo at_open = device.QueryMemInfo();
  m.device_name = device.product_name();
  m.compute_capability = device.compute_capability();
  m.total = at_open.total;
  m.context = at_open.used();
  device.set_fill_on_malloc(true, options.seed);

  MeasureHooks hooks(cfg, pg, device, options, &m);
  StartupRun run(cfg, rank, &device, &hooks);
  const Status s1 = run.Stage1();
  // The same agreement as RunRank: no rank proceeds past a rank that stopped.
  TPSIM_ASSIGN_OR_RETURN(std::int64_t any_invalid, pg.AllReduceMax(s1.ok() ? 0 : 1));
  if (any_invalid != 0) {
    if (!s1.ok()) return s1;
    return Status::InvalidArgument("another rank stopped (see its error)");
  }
  TPSIM_ASSIGN_OR_RETURN(std::int64_t any_failed, pg.AllReduceMax(run.failed() ? 1 : 0));
  TPSIM_ASSIGN_OR_RETURN(std::int64_t min_blocks, pg.AllReduceMin(run.failed() ? 0 : run.local_num_blocks()));
  TPSIM_ASSIGN_OR_RETURN(std::int64_t avail,
                         pg.AllReduceMin(run.failed() ? INT64_MAX : run.local_available_kv()));
  KvVerdict verdict;
  if (any_failed == 0) {
    verdict = CheckKvCache(cfg, avail, min_blocks);
    if (verdict.kind == ErrorKind::kNone) {
      TPSIM_RETURN_IF_ERROR(hooks.FirstCollective());
      TPSIM_RETURN_IF_ERROR(run.Stage2(min_blocks));
      if (!run.failed()) m.num_blocks = min_blocks;
    }
  }
  m.report = run.TakeReport();
  m.error_kind = m.report.error_kind;
  m.error_message = m.report.error_message;
  if (m.error_kind == ErrorKind::kNone && verdict.kind != ErrorKind::kNone) {
    m.error_kind = verdict.kind;
    m.error_message = "ValueError: " + verdict.message;
  } else if (m.error_kind == ErrorKind::kNone && any_failed != 0) {
    m.error_kind = ErrorKind::kOtherRankFailed;
    m.error_message = "another rank failed before KV sizing";
  }

  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> gathered, pg.Gather(MeasuredRankToJson(m)));
  std::vector<MeasuredRank> out;
  if (rank != 0) {
    out.push_back(std::move(m));
    return out;
  }
  for (const std::string& payload : gathered) {
    TPSIM_ASSIGN_OR_RETURN(MeasuredRank r, MeasuredRankFromJson(payload));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tpsim
