// Shared by the INI and pasted-command fuzz targets: words -> ParseFlags -> EngineArgsFromFlags ->
// ResolveEngineArgs with the bundled configs (tools/tpsim/engine_flags.h, sim/engine/resolved_config.h),
// the path `tpsim plan` takes before it simulates anything.
//
// Hermetic: an input that names an absolute path or ".." in --model, --topology or --configs-dir is
// skipped, so the fuzzer reads only the bundled configs and files under its working directory (it never
// opens /dev/zero, FIFOs or the user's files; tests/hardening covers those).
//
// Checks on an accepted deployment: the ranges ResolveEngineArgs promises (resolved_config.h).
//
// KNOWN BUG, filtered until fixed (tests/hardening/bad_flags_test.cc BoostPlaceholderHang keeps it
// visible): Boost.Program_options 1.74 loops forever building the message of a bad option whose text
// contains one of its own placeholders (`--max-model-len 1%value%`, an INI line `x%invalid_line%`):
// error_with_option_name::replace_token replaces "%value%" by a value that again holds "%value%".
// Inputs holding a %name% token are skipped so that the fuzzer keeps looking for other bugs; drop
// the filter once ParseFlags no longer hangs on them.
#ifndef TPSIM_TESTS_FUZZ_ENGINE_FUZZ_H_
#define TPSIM_TESTS_FUZZ_ENGINE_FUZZ_H_

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine/resolved_config.h"
#include "sim/model/model_config.h"
#include "tests/fuzz/fuzz_check.h"
#include "tools/tpsim/engine_flags.h"

namespace tpsim::fuzz {

// True when `text` holds "%" + [a-z_]+ + "%", the shape of a Boost.Program_options placeholder.
inline bool HasPercentToken(std::string_view text) {
  for (std::size_t i = text.find('%'); i != std::string_view::npos; i = text.find('%', i + 1)) {
    std::size_t j = i + 1;
    while (j < text.size() && (std::islower(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
    if (j > i + 1 && j < text.size() && text[j] == '%') return true;
  }
  return false;
}

inline bool OutsideWorkingTree(const std::string& path) {
  return (!path.empty() && path[0] == '/') || path.find("..") != std::string::npos;
}

inline void ResolveAndCheck(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description desc;
  const cli::OutputOptions output{.formats = {"text", "json", "csv"}, .json_flag = true, .timeline = true};
  cli::AddEngineFlags(&desc);
  cli::AddOutputFlags(&desc, output);
  cli::ParsedFlags parsed;
  if (!cli::ParseFlags(args, desc, &parsed).ok()) return;
  StatusOr<EngineArgs> ea = cli::EngineArgsFromFlags(parsed);
  if (!ea.ok()) return;
  StatusOr<cli::OutputFlags> out = cli::OutputFromFlags(parsed.vm, output);
  if (!out.ok()) return;
  for (const std::string* path : {&ea->model, &ea->topology, &out->configs_dir}) {
    if (OutsideWorkingTree(*path)) return;
  }
  const std::string configs = out->configs_dir.empty() ? DefaultConfigsDir() : out->configs_dir;
  StatusOr<ResolvedConfig> cfg = ResolveEngineArgs(*ea, configs);
  if (!cfg.ok()) {
    CheckOneLineError(cfg.status());
    TPSIM_FUZZ_CHECK(cfg.status().ExitCode() != 0);
    return;
  }
  TPSIM_FUZZ_CHECK(cfg->tp >= 1);
  TPSIM_FUZZ_CHECK(cfg->gpu_memory_utilization > 0 && cfg->gpu_memory_utilization <= 1);
  TPSIM_FUZZ_CHECK(cfg->block_size >= 1 && cfg->block_size <= 256);
  TPSIM_FUZZ_CHECK((cfg->block_size & (cfg->block_size - 1)) == 0);
  TPSIM_FUZZ_CHECK(cfg->max_model_len >= 1);
  TPSIM_FUZZ_CHECK(cfg->max_model_len <= cfg->model.max_position_embeddings);
  TPSIM_FUZZ_CHECK(cfg->max_num_seqs >= 1);
  TPSIM_FUZZ_CHECK(cfg->max_num_batched_tokens >= cfg->max_num_seqs);
  TPSIM_FUZZ_CHECK(cfg->model.num_heads % cfg->tp == 0);
  for (std::size_t i = 1; i < cfg->capture_sizes.size(); ++i) {
    TPSIM_FUZZ_CHECK(cfg->capture_sizes[i] < cfg->capture_sizes[i - 1]);
  }
}

}  // namespace tpsim::fuzz

#endif  // TPSIM_TESTS_FUZZ_ENGINE_FUZZ_H_
