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
#include "sim/engine/resolved_config.h"
#include "sim/engine/vllm_version.h"
#include "sim/model/dtype.h"
#include "sim/report/plan_report.h"
#include "sim/shard/linear_method.h"

namespace tpsim {

namespace {

// ---- Values ---------------------------------------------------------------------------------------

StatusOr<std::int64_t> ParseInt(const std::string& key, const std::string& v, std::int64_t lo,
                                std::int64_t hi) {
  std::int64_t out = 0;
  std::size_t pos = 0;
  try {
    out = std::stoll(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != v.size() || out < lo || out > hi) {
    return Status::InvalidArgument("invalid value '" + v + "' for " + key + " (an integer in [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "])");
  }
  return out;
}

StatusOr<double> ParseDouble(const std::string& key, const std::string& v, double lo_excl,
                             double hi_incl) {
  double out = 0;
  std::size_t pos = 0;
  try {
    out = std::stod(v, &pos);
  } catch (...) {
    pos = 0;
  }
  if (pos == 0 || pos != v.size() || !(out > lo_excl && out <= hi_incl)) {
    std::ostringstream range;
    range << "(" << lo_excl << ", " << hi_incl << "]";
    return Status::InvalidArgument("invalid value '" + v + "' for " + key + " (a number in " +
                                   range.str() + ")");
  }
  return out;
}

StatusOr<bool> ParseBool(const std::string& key, const std::string& v) {
  if (v == "1" || v == "true" || v == "True") return true;
  if (v == "0" || v == "false" || v == "False") return false;
  return Status::InvalidArgument("invalid value '" + v + "' for " + key + " (0, 1, true or false)");
}

Status OneOf(const std::string& key, const std::string& v, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (v == a) return Status::Ok();
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  return Status::InvalidArgument("invalid value '" + v + "' for " + key + " (one of " + list + ")");
}

// "8GiB", "512MiB", "1073741824".
StatusOr<Bytes> ParseBytes(const std::string& key, const std::string& v) {
  std::size_t pos = 0;
  double x = 0;
  try {
    x = std::stod(v, &pos);
  } catch (...) {
    pos = 0;
  }
  const std::string unit = pos == 0 ? "?" : v.substr(pos);
  double mul = 0;
  if (unit.empty() || unit == "B") mul = 1;
  if (unit == "KiB" || unit == "K") mul = static_cast<double>(kKiB);
  if (unit == "MiB" || unit == "M") mul = static_cast<double>(kMiB);
  if (unit == "GiB" || unit == "G") mul = static_cast<double>(kGiB);
  if (mul == 0 || !(x >= 0) || x * mul > 9.0e18) {
    return Status::InvalidArgument("invalid value '" + v + "' for " + key +
                                   " (bytes, optionally with KiB, MiB or GiB)");
  }
  return static_cast<Bytes>(std::llround(x * mul));
}

std::string Canonical(std::string key) {
  std::replace(key.begin(), key.end(), '-', '_');
  if (key == "tp") key = "tensor_parallel_size";
  return key;
}

using Setter = Status (*)(const std::string& key, const std::string& v, EngineArgs* a);

const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> kSetters = {
      {"model", [](const std::string&, const std::string& v, EngineArgs* a) {
         a->model = v;
         return Status::Ok();
       }},
      {"gpu", [](const std::string&, const std::string& v, EngineArgs* a) {
         a->gpu = v;
         return Status::Ok();
       }},
      {"gpu_memory_total_gib", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->gpu_memory_total_gib, ParseDouble(k, v, 0.5, 4096));
         return Status::Ok();
       }},
      {"topology", [](const std::string&, const std::string& v, EngineArgs* a) {
         a->topology = v;
         return Status::Ok();
       }},
      {"tensor_parallel_size", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(std::int64_t tp, ParseInt(k, v, 1, 64));
         a->tensor_parallel_size = static_cast<int>(tp);
         return Status::Ok();
       }},
      {"vllm_version", [](const std::string& k, const std::string& v, EngineArgs* a) {
         StatusOr<VllmVersion> parsed = ParseVllmVersion(v);
         if (!parsed.ok()) return Status::InvalidArgument("invalid value '" + v + "' for " + k);
         a->vllm_version = v;
         return Status::Ok();
       }},
      {"usage_context", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_RETURN_IF_ERROR(OneOf(k, v, {"serve", "llm"}));
         a->usage_context = v;
         return Status::Ok();
       }},
      {"gpu_memory_utilization", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->gpu_memory_utilization, ParseDouble(k, v, 0.0, 1.0));
         return Status::Ok();
       }},
      {"max_model_len", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->max_model_len, ParseInt(k, v, 1, std::int64_t{1} << 40));
         return Status::Ok();
       }},
      {"max_num_seqs", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->max_num_seqs, ParseInt(k, v, 1, std::int64_t{1} << 40));
         return Status::Ok();
       }},
      {"max_num_batched_tokens", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->max_num_batched_tokens, ParseInt(k, v, 1, std::int64_t{1} << 40));
         return Status::Ok();
       }},
      {"enforce_eager", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->enforce_eager, ParseBool(k, v));
         return Status::Ok();
       }},
      {"quantization", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_RETURN_IF_ERROR(OneOf(k, v, {"auto", "awq", "awq_marlin", "marlin", "gptq", "gptq_marlin",
                                            "fp8", "compressed-tensors"}));
         a->quantization = v == "auto" ? "" : v;
         return Status::Ok();
       }},
      {"dtype", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_RETURN_IF_ERROR(OneOf(k, v, {"auto", "float16", "half", "bfloat16", "float32"}));
         a->dtype = v;
         return Status::Ok();
       }},
      {"kv_cache_dtype", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_RETURN_IF_ERROR(
             OneOf(k, v, {"auto", "fp8", "fp8_e4m3", "fp8_e5m2", "bfloat16", "float16", "half"}));
         a->kv_cache_dtype = v;
         return Status::Ok();
       }},
      {"block_size", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(std::int64_t b, ParseInt(k, v, 1, 256));
         if ((b & (b - 1)) != 0) {
           return Status::InvalidArgument("invalid value '" + v + "' for " + k +
                                          " (a power of two between 1 and 256)");
         }
         a->block_size = static_cast<int>(b);
         return Status::Ok();
       }},
      {"enable_chunked_prefill", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->enable_chunked_prefill, ParseBool(k, v));
         return Status::Ok();
       }},
      {"disable_custom_all_reduce", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->disable_custom_all_reduce, ParseBool(k, v));
         return Status::Ok();
       }},
      {"kv_cache_memory", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->kv_cache_memory, ParseBytes(k, v));
         return Status::Ok();
       }},
      {"max_cudagraph_capture_size", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(std::int64_t s, ParseInt(k, v, 1, 1 << 20));
         a->max_cudagraph_capture_size = static_cast<int>(s);
         return Status::Ok();
       }},
      {"estimate_cudagraphs", [](const std::string& k, const std::string& v, EngineArgs* a) {
         TPSIM_ASSIGN_OR_RETURN(a->estimate_cudagraphs_env, ParseBool(k, v));
         return Status::Ok();
       }},
  };
  return kSetters;
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

std::string CsvCell(const nlohmann::ordered_json& v) {
  std::string s;
  if (v.is_string()) {
    s = v.get<std::string>();
  } else if (v.is_boolean()) {
    s = v.get<bool>() ? "1" : "0";
  } else {
    s = v.dump();
  }
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

// ---- Grid -----------------------------------------------------------------------------------------

std::int64_t SweepGrid::size() const {
  std::int64_t n = 1;
  for (const GridAxis& a : axes) n *= static_cast<std::int64_t>(a.values.size());
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
  for (const auto& [k, setter] : Setters()) keys.push_back(k);
  return keys;
}

Status ApplyGridValue(const std::string& key_in, const std::string& value, EngineArgs* args) {
  const std::string key = Canonical(key_in);
  auto it = Setters().find(key);
  if (it == Setters().end()) {
    std::string known;
    for (const std::string& k : GridKeys()) known += (known.empty() ? "" : ", ") + k;
    return Status::InvalidArgument("unknown grid key '" + key_in + "' (known: tp, " + known + ")");
  }
  if (value.empty()) return Status::InvalidArgument("empty value for grid key '" + key_in + "'");
  return it->second(key, value, args);
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
    axis.key = Canonical(word.substr(0, eq));
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
    out += CsvCell(value);
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

StatusOr<std::vector<SweepRow>> Sweep::RunIndices(const std::vector<std::int64_t>& indices, int jobs,
                                                  const SweepProgress& progress) const {
  const auto n = static_cast<std::int64_t>(indices.size());
  if (jobs <= 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::min<std::int64_t>(jobs, std::max<std::int64_t>(n, 1)));
  std::vector<SweepRow> rows(indices.size());
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;  // guards first_error, done and the progress callback
  Status first_error;
  std::int64_t done = 0;
  auto work = [&] {
    for (std::int64_t i = next++; i < n && !stop; i = next++) {
      StatusOr<SweepRow> row = RunOne(indices[i]);
      std::lock_guard<std::mutex> lock(mu);
      if (!row.ok()) {
        if (first_error.ok()) first_error = row.status();
        stop = true;
        return;
      }
      rows[i] = std::move(*row);
      ++done;
      if (progress) progress(done, n);
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < jobs; ++t) workers.emplace_back(work);
  work();
  for (std::thread& t : workers) t.join();
  if (!first_error.ok()) return first_error;
  return rows;
}

StatusOr<std::vector<SweepRow>> Sweep::RunAll(int jobs, const SweepProgress& progress) const {
  std::vector<std::int64_t> indices(static_cast<std::size_t>(size()));
  for (std::int64_t i = 0; i < size(); ++i) indices[i] = i;
  return RunIndices(indices, jobs, progress);
}

StatusOr<std::vector<SweepRow>> Sweep::RunDistributed(ProcessGroup& pg, int jobs,
                                                      const SweepProgress& progress) const {
  std::vector<std::int64_t> mine;
  for (std::int64_t i = pg.rank(); i < size(); i += pg.size()) mine.push_back(i);
  StatusOr<std::vector<SweepRow>> rows = RunIndices(mine, jobs, progress);
  // Every process reaches the gather, also after a failure (an empty payload), so that none hangs.
  nlohmann::ordered_json payload = nlohmann::ordered_json::array();
  if (rows.ok()) {
    for (const SweepRow& r : *rows) payload.push_back(SweepRowToJson(r));
  } else {
    payload = {{"error", rows.status().message()}};
  }
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> gathered, pg.Gather(payload.dump()));
  if (!rows.ok()) return rows.status();
  if (pg.rank() != 0) return std::vector<SweepRow>();
  std::vector<SweepRow> all(static_cast<std::size_t>(size()));
  std::vector<bool> filled(all.size(), false);
  for (std::size_t p = 0; p < gathered.size(); ++p) {
    const nlohmann::json j = nlohmann::json::parse(gathered[p], nullptr, false);
    if (j.is_object() && j.contains("error")) {
      return Status::Internal("sweep process " + std::to_string(p) + ": " +
                              j["error"].get<std::string>());
    }
    if (!j.is_array()) return Status::Internal("malformed sweep rows from process " + std::to_string(p));
    for (const nlohmann::json& item : j) {
      StatusOr<SweepRow> row = SweepRowFromJson(item);
      if (!row.ok()) return Status::Internal(row.status().message());
      if (row->index < 0 || row->index >= size() || filled[row->index]) {
        return Status::Internal("sweep row index " + std::to_string(row->index) + " out of place");
      }
      filled[row->index] = true;
      all[row->index] = std::move(*row);
    }
  }
  if (std::find(filled.begin(), filled.end(), false) != filled.end()) {
    return Status::Internal("sweep rows missing after the gather");
  }
  return all;
}

}  // namespace tpsim
