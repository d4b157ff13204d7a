#include "sim/tune/sweep.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "sim/coord/deployment.h"
#include "sim/engine/engine_flag_table.h"
#include "sim/engine/resolved_config.h"
#include "sim/engine/vllm_version.h"
#include "sim/model/dtype.h"
#include "sim/report/csv_writer.h"
#include "sim/report/plan_report.h"
#include "sim/shard/linear_method.h"

namespace tpsim {

namespace {

// ---- Grid keys -----------------------------------------------------------------------------------

// The engine flag a grid key names: any stored flag of the table, by name, alias ("tp") or with '_'.
const EngineFlag* GridFlag(const std::string& key) {
  const EngineFlag* f = EngineFlags().Find(key);
  return f != nullptr && f->stored() && f->usable(flags::kInGrid) ? f : nullptr;
}

// The canonical spelling of a grid key: vLLM's name with underscores ("tensor_parallel_size").
std::string CanonicalKey(const EngineFlag& f) {
  std::string key(f.name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

// ---- Rows -----------------------------------------------------------------------------------------

double Gib4(Bytes b) { return JsonGiB(b); }

SweepRow InvalidRow(std::int64_t index, const EngineArgs& a, const Status& s) {
  SweepRow row;
  row.index = index;
  row.model = a.model;
  row.gpu = a.gpu;
  row.tp = a.tensor_parallel_size;
  row.vllm_version = a.vllm_version;
  row.gpu_memory_utilization = a.gpu_memory_utilization.value_or(0);
  row.max_model_len = a.max_model_len.value_or(0);
  row.max_num_seqs = a.max_num_seqs.value_or(0);
  row.max_num_batched_tokens = a.max_num_batched_tokens.value_or(0);
  row.enforce_eager = a.enforce_eager;
  row.quantization = a.quantization;
  row.kv_cache_dtype = a.kv_cache_dtype;
  row.block_size = a.block_size.value_or(0);
  row.outcome = "invalid";
  row.error_kind = ErrorKind::kInvalidConfig;
  row.error_message = s.message();
  return row;
}

SweepRow RowFromPlan(std::int64_t index, const PlanResult& r) {
  const ResolvedConfig& c = r.cfg;
  SweepRow row;
  row.index = index;
  row.model = c.model.name;
  row.gpu = c.gpu.key;
  row.tp = c.tp;
  row.vllm_version = ToString(c.version);
  row.gpu_memory_utilization = c.gpu_memory_utilization;
  row.max_model_len = c.max_model_len;
  row.max_num_seqs = c.max_num_seqs;
  row.max_num_batched_tokens = c.max_num_batched_tokens;
  row.enforce_eager = c.enforce_eager;
  row.quantization = c.linear == LinearMethod::kUnquantized ? "" : std::string(LinearMethodName(c.linear));
  row.kv_cache_dtype = c.args.kv_cache_dtype == "auto" ? "auto" : std::string(DTypeName(c.kv_dtype));
  row.block_size = c.block_size;
  row.outcome = r.ok ? "ok" : "error";
  row.error_kind = r.error_kind;
  row.error_message = r.error_message;
  row.available_kv_gib = Gib4(r.available_kv);
  row.num_blocks = r.ok ? r.num_blocks : 0;
  row.kv_tokens = r.kv_tokens;
  row.max_concurrency = std::round(r.max_concurrency * 100.0) / 100.0;
  if (!r.ranks.empty()) {
    const RankReport& k = r.ranks.front();
    row.total_gib = Gib4(k.total);
    row.cuda_context_gib = Gib4(k.cuda_context);
    row.nccl_gib = Gib4(k.nccl);
    row.custom_allreduce_gib = Gib4(k.custom_allreduce);
    row.weights_gib = Gib4(k.weights);
    row.activation_gib = Gib4(k.activation_peak);
    row.non_torch_gib = Gib4(k.non_torch);
    row.kv_cache_gib = Gib4(k.kv_cache);
    row.cudagraph_gib = Gib4(k.cudagraph);
    Bytes peak = 0, final_used = 0;
    for (const RankReport& x : r.ranks) {
      peak = std::max(peak, x.peak_used);
      final_used = std::max(final_used, x.final_used);
    }
    row.peak_used_gib = Gib4(peak);
    row.final_used_gib = Gib4(final_used);
  }
  return row;
}

#define TPSIM_SWEEP_ROW_FIELDS(X)                                                               \
  X(index) X(model) X(gpu) X(tp) X(vllm_version) X(gpu_memory_utilization) X(max_model_len)     \
  X(max_num_seqs) X(max_num_batched_tokens) X(enforce_eager) X(quantization) X(kv_cache_dtype)  \
  X(block_size) X(outcome) X(error_kind) X(total_gib) X(cuda_context_gib) X(nccl_gib)           \
  X(custom_allreduce_gib) X(weights_gib) X(activation_gib) X(non_torch_gib) X(available_kv_gib) \
  X(kv_cache_gib) X(num_blocks) X(kv_tokens) X(max_concurrency) X(cudagraph_gib)                \
  X(peak_used_gib) X(final_used_gib) X(error_message)

}  // namespace

// ---- Grid -----------------------------------------------------------------------------------------

std::int64_t SweepGrid::size() const {
  std::int64_t n = 1;
  for (const GridAxis& a : axes) {
    // Saturates: fourteen axes of a hundred values would wrap around (to zero rows, "success").
    if (__builtin_mul_overflow(n, static_cast<std::int64_t>(a.values.size()), &n)) return INT64_MAX;
  }
  return n;
}

std::vector<int> SweepGrid::Digits(std::int64_t index) const {
  std::vector<int> d(axes.size(), 0);
  for (std::size_t i = axes.size(); i-- > 0;) {
    const auto n = static_cast<std::int64_t>(axes[i].values.size());
    d[i] = static_cast<int>(index % n);
    index /= n;
  }
  return d;
}

std::vector<std::string> GridKeys() {
  std::vector<std::string> keys;
  for (const EngineFlag& f : EngineFlags().specs()) {
    if (f.stored() && f.usable(flags::kInGrid)) keys.push_back(CanonicalKey(f));
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Status ApplyGridValue(const std::string& key, const std::string& value, EngineArgs* args) {
  const EngineFlag* f = GridFlag(key);
  if (f == nullptr) {
    std::string known;
    for (const std::string& k : GridKeys()) known += (known.empty() ? "" : ", ") + k;
    return Status::InvalidArgument("unknown grid key '" + key + "' (known: tp, " + known + ")");
  }
  if (value.empty()) return Status::InvalidArgument("empty value for grid key '" + key + "'");
  TPSIM_RETURN_IF_ERROR(flags::ApplyText(*f, "grid key '" + key + "'", value, args));
  return flags::ValidateFlag(*f, *args);
}

StatusOr<SweepGrid> ParseGrid(const std::string& text) {
  SweepGrid grid;
  std::set<std::string> seen;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    const std::size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("grid word '" + word + "' is not KEY=V1,V2,...");
    }
    GridAxis axis;
    const EngineFlag* flag = GridFlag(word.substr(0, eq));
    axis.key = flag != nullptr ? CanonicalKey(*flag) : word.substr(0, eq);
    if (!seen.insert(axis.key).second) {
      return Status::InvalidArgument("grid key '" + word.substr(0, eq) + "' given twice");
    }
    std::string rest = word.substr(eq + 1) + ",";
    std::size_t start = 0;
    for (std::size_t comma = rest.find(','); comma != std::string::npos;
         start = comma + 1, comma = rest.find(',', start)) {
      std::string v = rest.substr(start, comma - start);
      EngineArgs scratch;
      TPSIM_RETURN_IF_ERROR(ApplyGridValue(word.substr(0, eq), v, &scratch));
      axis.values.push_back(std::move(v));
    }
    grid.axes.push_back(std::move(axis));
  }
  if (grid.size() > 100'000'000) {
    return Status::InvalidArgument("grid has " + std::to_string(grid.size()) +
                                   " combinations; at most 100,000,000");
  }
  return grid;
}

// ---- Rows -----------------------------------------------------------------------------------------

nlohmann::ordered_json SweepRowToJson(const SweepRow& row) {
  nlohmann::ordered_json j;
#define X(f) j[#f] = row.f;
  TPSIM_SWEEP_ROW_FIELDS(X)
#undef X
  return j;
}

StatusOr<SweepRow> SweepRowFromJson(const nlohmann::json& j) {
  SweepRow row;
  try {
#define X(f) j.at(#f).get_to(row.f);
    TPSIM_SWEEP_ROW_FIELDS(X)
#undef X
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("malformed sweep row: ") + e.what());
  }
  return row;
}

std::string SweepCsvHeader() {
  std::string out;
#define X(f) out += (out.empty() ? "" : ",") + std::string(#f);
  TPSIM_SWEEP_ROW_FIELDS(X)
#undef X
  return out;
}

std::string SweepRowToCsv(const SweepRow& row) {
  std::string out;
  bool first = true;
  const nlohmann::ordered_json j = SweepRowToJson(row);
  for (const auto& [key, value] : j.items()) {
    if (!first) out += ',';
    first = false;
    out += CsvCell(value);  // csv_writer.h
  }
  return out;
}

// ---- Running --------------------------------------------------------------------------------------

StatusOr<std::unique_ptr<Sweep>> Sweep::Create(const EngineArgs& base, SweepGrid grid,
                                               const std::string& configs_dir) {
  std::unique_ptr<Sweep> s(new Sweep());
  s->base_ = base;
  s->grid_ = std::move(grid);
  s->configs_dir_ = configs_dir;
  s->plans_ = std::make_unique<ShardPlanCache>();
  std::set<std::string> models = {base.model}, gpus = {base.gpu};
  for (const GridAxis& a : s->grid_.axes) {
    if (a.key == "model") models = std::set<std::string>(a.values.begin(), a.values.end());
    if (a.key == "gpu") gpus = std::set<std::string>(a.values.begin(), a.values.end());
  }
  for (const std::string& m : models) {
    StatusOr<ModelConfig> cfg = LoadModelConfig(m, configs_dir);
    if (!cfg.ok()) {
      if (cfg.status().code() == Status::Code::kNotFound) {
        return Status::NotFound("model not bundled: " + m + " (no " + configs_dir + "/models/" + m +
                                "/config.json, and no such directory or file)");
      }
      return cfg.status();
    }
    s->models_.emplace(m, std::move(*cfg));
  }
  for (const std::string& g : gpus) {
    TPSIM_ASSIGN_OR_RETURN(GpuSpec spec, LoadGpuSpec(g, configs_dir));
    s->gpus_.emplace(g, std::move(spec));
  }
  return s;
}

EngineArgs Sweep::ArgsAt(std::int64_t index) const {
  EngineArgs a = base_;
  const std::vector<int> d = grid_.Digits(index);
  for (std::size_t i = 0; i < d.size(); ++i) {
    // Values were checked by ParseGrid; a failure here cannot happen and leaves the base value.
    (void)ApplyGridValue(grid_.axes[i].key, grid_.axes[i].values[d[i]], &a);
  }
  return a;
}

StatusOr<SweepRow> Sweep::RunOne(std::int64_t index) const {
  const EngineArgs a = ArgsAt(index);
  const ModelConfig& model = models_.at(a.model);
  const GpuSpec& gpu = gpus_.at(a.gpu);
  StatusOr<ResolvedConfig> cfg = ResolveWithModel(a, model, gpu, configs_dir_);
  if (!cfg.ok()) {
    if (cfg.status().code() == Status::Code::kInternal) return cfg.status();
    return InvalidRow(index, a, cfg.status());
  }
  RunOptions options;
  options.record_timeline = false;
  options.shard_plans = plans_.get();
  StatusOr<PlanResult> r = RunDeploymentInProcess(*cfg, options);
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kInternal) return r.status();
    return InvalidRow(index, a, r.status());
  }
  return RowFromPlan(index, *r);
}

}  // namespace tpsim
