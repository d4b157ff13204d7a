// The engine flags shared by plan, scale, compare, tune and sweep: vLLM's own names (DESIGN §4), a
// pasted `vllm serve MODEL --flags...` after `--`, and any flag from an INI file (--config run.ini).
#ifndef TPSIM_TOOLS_TPSIM_ENGINE_FLAGS_H_
#define TPSIM_TOOLS_TPSIM_ENGINE_FLAGS_H_

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "sim/base/status_or.h"
#include "sim/engine/engine_args.h"

namespace tpsim::cli {

namespace po = boost::program_options;

// Output options common to the commands.
struct OutputFlags {
  bool json = false;
  std::string format = "text";  // text | json | csv
  std::string timeline_dir;
  std::string configs_dir;
};

// Adds the engine flags to `desc`.
void AddEngineFlags(po::options_description* desc);
void AddOutputFlags(po::options_description* desc);

// Parses `args` (the words after the subcommand) into `vm` with `desc`: a leading or embedded
// "-- vllm serve MODEL ..." is translated to tpsim's flags; --config FILE adds an INI file whose values
// the command line overrides. InvalidArgument (one line) on unknown flags or bad values.
Status ParseFlags(const std::vector<std::string>& args, const po::options_description& desc,
                  const po::positional_options_description* positional, po::variables_map* vm);

// EngineArgs from a parsed variables_map (defaults left unset so the vLLM version decides).
StatusOr<EngineArgs> EngineArgsFromFlags(const po::variables_map& vm);
OutputFlags OutputFromFlags(const po::variables_map& vm);

// What a command needs after parsing: the variables, the engine args and output flags, and the
// configs/ directory in force.
struct ParsedCommand {
  po::variables_map vm;
  EngineArgs engine;
  OutputFlags out;
  std::string configs_dir;
  int exit_code = -1;  // >= 0: the command is done (after --help, or a parse error already reported)
};

// ParseFlags + --help + EngineArgsFromFlags + OutputFromFlags for subcommand `cmd`. `desc` must hold the
// engine and output flags (AddEngineFlags, AddOutputFlags) plus the command's own.
ParsedCommand ParseCommand(const std::string& cmd, const std::vector<std::string>& args,
                           const po::options_description& desc,
                           const po::positional_options_description* positional = nullptr);

// Prints "tpsim <cmd>: <message>" on stderr and returns the status's exit code.
int ReportError(const std::string& command, const Status& s);

// Parses "12GiB", "512MiB", "1.5G", "1073741824" into bytes.
StatusOr<Bytes> ParseByteSize(const std::string& text);

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_ENGINE_FLAGS_H_
