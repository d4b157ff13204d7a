// Sweep presets: a named grid in configs/presets/<name>.ini, so that a study is one command
// (`tpsim sweep --preset seed-study`). Format: `key = value` lines, '#' or ';' comments, keys
//   name        the preset's name (defaults to the file's stem)
//   description one line saying what the study asks
//   grid        grid words as for --grid; repeated lines are joined in order
//   findings    which findings to compute from the rows: "seed-study" or "none" (default none)
#ifndef TPSIM_SIM_TUNE_PRESET_H_
#define TPSIM_SIM_TUNE_PRESET_H_

#include <string>

#include "sim/base/status_or.h"

namespace tpsim {

struct SweepPreset {
  std::string name;
  std::string description;
  std::string grid;      // grid text, ready for ParseGrid
  std::string findings = "none";
};

// Parses a preset's text; `name` labels messages. InvalidArgument naming the line for an unknown key,
// a line without '=', an unknown findings value or a preset without a grid.
StatusOr<SweepPreset> ParseSweepPreset(const std::string& text, const std::string& name);

// `name_or_path`: a bare name ("seed-study" -> configs_dir/presets/seed-study.ini) or a file path.
// NotFound "unknown preset ..." listing the bundled presets when there is no such file.
StatusOr<SweepPreset> LoadSweepPreset(const std::string& name_or_path, const std::string& configs_dir);

}  // namespace tpsim

#endif  // TPSIM_SIM_TUNE_PRESET_H_
