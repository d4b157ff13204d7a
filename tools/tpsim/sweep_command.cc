// tpsim sweep: every combination of a grid of engine flags (sim/tune/sweep.h) as JSON lines (default)
// or CSV, in grid order. All cores work: a pool of worker threads over the combinations, each running
// one plan's ranks as threads. Rows are printed as they complete, in grid order; the grid is never held
// in memory. Under mpirun the grid is split over the processes by index and rank 0 gathers and prints,
// one round at a time. A preset (configs/presets/<name>.ini) names a grid and the findings to compute
// from its rows (sim/tune/findings.h). A progress bar goes to stderr only when stderr is a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "sim/model/model_config.h"
#include "sim/tune/findings.h"
#include "sim/tune/preset.h"
#include "sim/tune/sweep.h"
#include "tools/tpsim/commands.h"
#include "tools/tpsim/engine_flags.h"
#include "tools/tpsim/launcher.h"
#include "tools/tpsim/process_guard.h"
#include "tpsim/build_config.h"
#if TPSIM_HAVE_MPI
#include "sim/comm/mpi_process_group.h"
#endif

namespace tpsim::cli {

namespace {

// Redraws "[#####.....] 512/768" on stderr at most every 100 ms. When standard output is the same
// terminal, Clear() wipes the bar before each row is printed (so rows stay whole) and the next Update
// draws it again at once.
class ProgressBar {
 public:
  void Update(std::int64_t done, std::int64_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const int filled = total > 0 ? static_cast<int>(kWidth * done / total) : kWidth;
    std::fprintf(stderr, "\r[%s%s] %lld/%lld", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), static_cast<long long>(done),
                 static_cast<long long>(total));
    std::fflush(stderr);
    shown_ = true;
  }
  // Wipes the bar for good.
  void Finish() {
    stdout_is_tty_ = true;
    Clear();
  }
  void Clear() {
    if (!shown_ || !stdout_is_tty_) return;
    std::fprintf(stderr, "\r%*s\r", kWidth + 30, "");
    std::fflush(stderr);
    shown_ = false;
  }

 private:
  static constexpr int kWidth = 40;
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
  bool stdout_is_tty_ = isatty(STDOUT_FILENO) == 1;
};

// Worker threads for this process: all hardware threads, shared among the processes mpirun put on
// this node.
int DefaultJobs() {
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) {
    const int n = std::atoi(local);
    if (n > 1) jobs = std::max(1, jobs / n);
  }
  return jobs;
}

void PrintFindings(const std::vector<Finding>& findings, const std::vector<SweepRow>& rows,
                   const std::string& preset) {
  int ok = 0, error = 0, invalid = 0;
  for (const SweepRow& r : rows) {
    if (r.outcome == "ok") ++ok;
    if (r.outcome == "error") ++error;
    if (r.outcome == "invalid") ++invalid;
  }
  std::cout << "# FINDINGS (" << preset << ": " << rows.size() << " runs: " << ok << " start, " << error
            << " fail, " << invalid << " rejected as invalid)\n";
  int n = 0;
  for (const Finding& f : findings) {
    std::cout << "# " << ++n << ". " << f.title << "\n";
    for (const std::string& line : f.lines) std::cout << "#    " << line << "\n";
  }
}

nlohmann::json FindingsJson(const std::vector<Finding>& findings, const std::string& preset) {
  nlohmann::json j;
  j["schema"] = "tpsim.findings/1";
  j["preset"] = preset;
  j["findings"] = nlohmann::json::array();
  for (const Finding& f : findings) {
    j["findings"].push_back({{"id", f.id},
                             {"title", f.title},
                             {"supported", f.supported},
                             {"lines", f.lines},
                             {"numbers", f.numbers}});
  }
  return j;
}

// The base flags of a grid: a flag set both on the command line and as a grid key would be ignored,
// so it is refused; the others get the range checks of `tpsim plan` (ValidateEngineArgs) on the
// first combination (every grid value was checked by ParseGrid).
Status CheckBaseFlags(const ParsedCommand& pc, const SweepGrid& grid) {
  EngineArgs first = pc.engine;
  for (const GridAxis& axis : grid.axes) {
    const EngineFlag* f = EngineFlags().Find(axis.key);
    if (f != nullptr && pc.Given(f->name)) {
      return Status::InvalidArgument("--" + std::string(f->name) + " is also a grid key (" + axis.key +
                                     "); give it in one place");
    }
    TPSIM_RETURN_IF_ERROR(ApplyGridValue(axis.key, axis.values.front(), &first));
  }
  return ValidateEngineArgs(first);
}

}  // namespace

int RunSweep(const Args& args) {
  po::options_description desc(
      "tpsim sweep [engine flags] (--grid \"tp=1,2,4 max_model_len=8192,32768 ...\" | --preset NAME)");
  CommandOptions opts;
  opts.output = {.formats = {"jsonl", "csv"}, .json_flag = false, .timeline = false};
  opts.validate_engine = false;  // grid values replace base flags; checked below, once both are known
  opts.help_footer = "Grid keys: tp, ";
  for (const std::string& k : GridKeys()) opts.help_footer += k + " ";
  opts.help_footer += "\n";
  AddEngineFlags(&desc);
  AddOutputFlags(&desc, opts.output);
  desc.add_options()
      ("grid", po::value<std::string>(), "KEY=V1,V2 words; keys are engine flag names with _ or -")
      ("preset", po::value<std::string>(), "a grid from configs/presets/NAME.ini (or a file)")
      ("jobs,j", po::value<int>()->default_value(0), "worker threads (0: one per hardware thread)")
      ("findings-only", po::bool_switch(), "with a preset: print the FINDINGS, not the rows");
  ParsedCommand pc = ParseCommand("sweep", args, desc, opts);
  if (pc.exit_code >= 0) return pc.exit_code;
  const po::variables_map& vm = pc.vm;
  const std::string& format = pc.out.format;
  const std::string& configs = pc.configs_dir;
  if (vm.count("grid") == vm.count("preset")) {
    return ReportError("sweep", Status::InvalidArgument("give exactly one of --grid and --preset"));
  }
  SweepPreset preset;
  if (vm.count("preset")) {
    StatusOr<SweepPreset> p = LoadSweepPreset(vm["preset"].as<std::string>(), configs);
    if (!p.ok()) return ReportError("sweep", p.status());
    preset = *p;
  } else {
    preset.name = "grid";
    preset.grid = vm["grid"].as<std::string>();
  }
  const bool findings_only = vm["findings-only"].as<bool>();
  if (findings_only && preset.findings == "none") {
    return ReportError("sweep", Status::InvalidArgument("--findings-only needs a preset with findings"));
  }
  StatusOr<SweepGrid> grid = ParseGrid(preset.grid);
  if (!grid.ok()) return ReportError("sweep", grid.status());
  if (Status b = CheckBaseFlags(pc, *grid); !b.ok()) return ReportError("sweep", b);
  StatusOr<std::unique_ptr<Sweep>> sweep = Sweep::Create(pc.engine, *grid, configs);
  if (!sweep.ok()) {
    Status st = sweep.status();
    if (vm.count("preset")) st = st.WithContext("preset " + preset.name);
    return ReportError("sweep", st);
  }
  const int jobs = vm["jobs"].as<int>() > 0 ? vm["jobs"].as<int>() : DefaultJobs();
  ProgressBar bar;
  SweepProgress progress;
  if (isatty(STDERR_FILENO) && IsCoordinator()) {
    progress = [&bar](std::int64_t done, std::int64_t total) { bar.Update(done, total); };
  }
  // Rows are printed as they come and written out whenever the sweep waits for the next one, never
  // gathered: memory does not grow with the grid. Only a preset's findings keep its rows (a preset's
  // grid is small).
  const bool keep_rows = preset.findings == "seed-study";
  std::vector<SweepRow> kept;
  if (format == "csv" && !findings_only && IsCoordinator()) std::cout << SweepCsvHeader() << "\n";
  const SweepSink print = [&](const SweepRow& r) -> Status {
    if (keep_rows) kept.push_back(r);
    if (findings_only) return Status::Ok();
    bar.Clear();
    std::cout << (format == "csv" ? SweepRowToCsv(r) : SweepRowToJson(r).dump()) << "\n";
    return std::cout.good() ? Status::Ok() : FlushStdout();
  };
  const SweepFlush flush = [] { return FlushStdout(); };
  Status ran = Status::Internal("sweep did not run");
  if (UnderMpi()) {
#if TPSIM_HAVE_MPI
    ran = (*sweep)->StreamDistributed(MpiProcessGroup::World(), jobs, print, progress, flush);
#else
    ran = Status::Unavailable("started under mpirun, but this tpsim was built without MPI");
#endif
  } else {
    ran = (*sweep)->StreamAll(jobs, print, progress, flush);
  }
  bar.Finish();
  if (!ran.ok()) return IsCoordinator() ? ReportError("sweep", ran) : ran.ExitCode();
  if (!IsCoordinator()) return 0;
  std::vector<Finding> findings;
  if (preset.findings == "seed-study") findings = SeedStudyFindings(kept);
  if (!findings.empty()) {
    if (format == "jsonl" && !findings_only) {
      std::cout << FindingsJson(findings, preset.name).dump() << "\n";
    } else {
      PrintFindings(findings, kept, preset.name);
    }
  }
  return 0;
}

}  // namespace tpsim::cli
