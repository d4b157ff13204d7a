// Sweeps: the forward simulation over a grid of engine flags (DESIGN §1, issue 7).
//
// A grid is written "tp=1,2,4 max_model_len=8192,32768 enforce_eager=0,1": each word is an engine flag
// (vLLM's name with '_' or '-', or the alias tp) and its comma-separated values. Combinations are
// numbered in grid order: the first key varies slowest and the last fastest, as nested loops in the
// order the keys were written. Combination i is "row i" of every output, whatever thread or MPI
// process ran it.
//
// A row holds the inputs as vLLM resolved them and the plan's main outputs, per card, in GiB rounded
// to 4 decimals (what the CSV/JSON shows, so that findings computed from printed rows and from rows in
// memory agree). Per-card figures are rank 0's (every rank of these dense models logs the same),
// except peak_used_gib and final_used_gib, which are the fullest card's.
//
// A combination that vLLM would reject before touching memory (a tensor-parallel split the model does
// not allow, max_num_batched_tokens < max_num_seqs, ...) is a row with outcome "invalid" and
// error_kind "invalid_config"; it does not stop the sweep. A memory verdict is outcome "error" with
// vLLM's error kind, as in `tpsim plan --json`.
#ifndef TPSIM_SIM_TUNE_SWEEP_H_
#define TPSIM_SIM_TUNE_SWEEP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/error_kind.h"
#include "sim/base/status_or.h"
#include "sim/comm/process_group.h"
#include "sim/engine/engine_args.h"
#include "sim/model/model_config.h"
#include "sim/shard/shard_plan_cache.h"
#include "topology/gpu_spec.h"

namespace tpsim {

// One axis of a grid: a flag in canonical spelling (underscores, "tensor_parallel_size" for tp) and
// its values as written.
struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

struct SweepGrid {
  std::vector<GridAxis> axes;  // in the order written

  // Number of combinations (1 for an empty grid: the base flags alone); INT64_MAX when the product
  // does not fit.
  std::int64_t size() const;
  // Value index per axis of combination `index`. REQUIRES: 0 <= index < size().
  std::vector<int> Digits(std::int64_t index) const;
};

// The grid keys (canonical spelling), sorted.
std::vector<std::string> GridKeys();

// Parses a grid. InvalidArgument, in one line naming the word, for an unknown key, a word without '=',
// a key given twice, an empty value, or a value the flag cannot take (utilization outside (0, 1], a
// non-positive length, a bool other than 0/1/true/false, an unknown quantization or dtype, a block
// size that is not a power of two, an unparsable vLLM version, ...).
StatusOr<SweepGrid> ParseGrid(const std::string& text);

// Sets flag `key` (canonical or not) to `value` in `args`; the same checks as ParseGrid.
Status ApplyGridValue(const std::string& key, const std::string& value, EngineArgs* args);

struct SweepRow {
  std::int64_t index = 0;
  // Inputs (as resolved; for an invalid row, as given).
  std::string model;
  std::string gpu;
  int tp = 1;
  std::string vllm_version;
  double gpu_memory_utilization = 0;
  std::int64_t max_model_len = 0;
  std::int64_t max_num_seqs = 0;
  std::int64_t max_num_batched_tokens = 0;
  bool enforce_eager = false;
  std::string quantization;  // the linear method vLLM runs ("" unquantised)
  std::string kv_cache_dtype;
  int block_size = 0;
  // Outputs.
  std::string outcome;        // ok | error | invalid
  ErrorKind error_kind = ErrorKind::kNone;
  double total_gib = 0;
  double cuda_context_gib = 0;
  double nccl_gib = 0;
  double custom_allreduce_gib = 0;
  double weights_gib = 0;
  double activation_gib = 0;  // the profile run's torch peak increase
  double non_torch_gib = 0;
  double available_kv_gib = 0;  // minimum over ranks
  double kv_cache_gib = 0;
  std::int64_t num_blocks = 0;
  std::int64_t kv_tokens = 0;
  double max_concurrency = 0;
  double cudagraph_gib = 0;
  double peak_used_gib = 0;
  double final_used_gib = 0;
  std::string error_message;
};

// The row as one JSON object; keys in the order of the CSV header.
nlohmann::ordered_json SweepRowToJson(const SweepRow& row);
// Inverse of SweepRowToJson. InvalidArgument when a field is missing or of the wrong type.
StatusOr<SweepRow> SweepRowFromJson(const nlohmann::json& j);
// The CSV header line and one row (RFC 4180 quoting), without the newline.
std::string SweepCsvHeader();
std::string SweepRowToCsv(const SweepRow& row);

// Told, after each row given to the sink, how many rows are done and how many there are in all.
using SweepProgress = std::function<void(std::int64_t done, std::int64_t total)>;
// Receives the rows of a sweep one at a time, in grid order; an error it returns stops the sweep.
using SweepSink = std::function<Status(const SweepRow& row)>;
// Called when every row finished so far has gone to the sink and the sweep is about to wait for the
// next (and at the end): where buffered output should be written out. An error stops the sweep.
using SweepFlush = std::function<Status()>;

// A grid over base flags, with every model and GPU it names loaded once. Thread-safe for Run*.
class Sweep {
 public:
  // Errors: NotFound "model not bundled: NAME (...)" for a model the configs do not have, and the
  // GPU loader's InvalidArgument for an unknown card.
  static StatusOr<std::unique_ptr<Sweep>> Create(const EngineArgs& base, SweepGrid grid,
                                                 const std::string& configs_dir);

  std::int64_t size() const { return grid_.size(); }
  const SweepGrid& grid() const { return grid_; }
  // The flags of combination `index`.
  EngineArgs ArgsAt(std::int64_t index) const;

  // Resolves and runs one combination in this thread (its ranks as threads). Only internal failures
  // are errors; vLLM's rejections are "invalid" rows.
  StatusOr<SweepRow> RunOne(std::int64_t index) const;

  // Streams every combination, in grid order, through `sink` (and `progress`), each row as soon as it
  // and all rows before it are done, on `jobs` worker threads (<= 0: one per hardware thread). The grid
  // is never materialised: at most a few rows per thread are held at once, whatever its size. The
  // first internal error (lowest index) or sink error stops the workers and is returned.
  Status StreamAll(int jobs, const SweepSink& sink, const SweepProgress& progress = nullptr,
                   const SweepFlush& flush = nullptr) const;
  // The same split over the processes of `pg` by index (process r runs r, r + n, r + 2n, ...) in rounds
  // of kRoundRowsPerProcess rows per process: after each round rank 0 gathers the round's rows and gives
  // them to `sink` in grid order (on other ranks `sink` and `flush` are never called), then tells
  // every process whether to go on. Memory does not grow with the grid. Every process must call it.
  Status StreamDistributed(ProcessGroup& pg, int jobs, const SweepSink& sink,
                           const SweepProgress& progress = nullptr, const SweepFlush& flush = nullptr) const;
  static constexpr std::int64_t kRoundRowsPerProcess = 16;

  // Collecting forms of the two above, for small grids (tests, a preset's findings): every row in grid
  // order; RunDistributed returns no rows on ranks other than 0.
  StatusOr<std::vector<SweepRow>> RunAll(int jobs, const SweepProgress& progress = nullptr) const;
  StatusOr<std::vector<SweepRow>> RunDistributed(ProcessGroup& pg, int jobs,
                                                 const SweepProgress& progress = nullptr) const;

 private:
  Sweep() = default;
  // Streams `count` combinations first, first + step, ... through `sink` (the engine of the above).
  Status StreamStrided(std::int64_t first, std::int64_t step, std::int64_t count, int jobs, const SweepSink& sink,
                       const SweepProgress& progress, const SweepFlush& flush) const;

  EngineArgs base_;
  SweepGrid grid_;
  std::string configs_dir_;
  std::map<std::string, ModelConfig> models_;
  std::map<std::string, GpuSpec> gpus_;
  std::unique_ptr<ShardPlanCache> plans_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_TUNE_SWEEP_H_
