// The command-line binding of the engine flag table (sim/engine/engine_flag_table.h) to
// Boost.Program_options, shared by plan, scale, compare, tune, sweep, shard, measure and topo: the
// flags with vLLM's names (DESIGN §4), a pasted `vllm serve MODEL --flags...` after `--`
// (pasted_command.h), and any engine flag from an INI file (--config run.ini).
//
// Nothing is silently ignored: a stray word is refused ("unrecognized arguments: ..."), a boolean
// switch takes no value on the command line (`--enforce-eager false` is refused as vLLM's argparse
// refuses it; --no-enforce-eager turns it off; --enable-chunked-prefill also takes true|false, as
// vLLM's StoreBoolean did), an INI file cannot name another (`config =`), --format must be one the
// command prints, and --timeline needs a directory and exists only on commands that write timelines.
#ifndef TPSIM_TOOLS_TPSIM_ENGINE_FLAGS_H_
#define TPSIM_TOOLS_TPSIM_ENGINE_FLAGS_H_

#include <string>
#include <string_view>
#include <vector>

#include <boost/program_options.hpp>

#include "sim/base/status_or.h"
#include "sim/engine/engine_args.h"
#include "sim/engine/engine_flag_table.h"
#include "sim/flags/occurrences.h"

namespace tpsim::cli {

namespace po = boost::program_options;

// What a command prints and writes, beyond the engine flags.
struct OutputOptions {
  std::vector<std::string> formats = {"text", "json"};  // --format choices, the first the default
  bool json_flag = true;                                 // --json, the same as --format json
  bool timeline = false;                                 // --timeline DIR: the command writes one
};

// Output options common to the commands, as given.
struct OutputFlags {
  bool json = false;
  std::string format = "text";
  std::string timeline_dir;  // "" when not given
  std::string configs_dir;
};

// Adds every engine flag usable on the command line (with --no- forms and aliases) and --config.
void AddEngineFlags(po::options_description* desc);
// Adds the engine flags named (vLLM's names), without defaults and without --config (topo).
void AddEngineFlags(po::options_description* desc, const std::vector<std::string_view>& names);
// --format (when opts.formats is not empty), --json, --timeline, --configs-dir and --help.
void AddOutputFlags(po::options_description* desc, const OutputOptions& opts);

struct ParsedFlags {
  po::variables_map vm;                   // every option (engine flags too, as text)
  std::vector<flags::Occurrence> engine;  // the engine flags as written, command line and --config
};

// Parses `args` (the words after the subcommand) with `desc`: a `-- vllm serve MODEL ...` is
// translated, vLLM's single-dash aliases (-tp) are read, --config FILE adds an INI file whose values
// the command line overrides. InvalidArgument (one line) on unknown flags, stray words, nested
// config files.
Status ParseFlags(const std::vector<std::string>& args, const po::options_description& desc, ParsedFlags* out);

// EngineArgs from the parsed flags: EngineArgs' defaults (the vLLM version decides the rest), then
// the --config file, then the command line. *given (may be null) receives the flags set.
StatusOr<EngineArgs> EngineArgsFromFlags(const ParsedFlags& parsed,
                                         std::vector<const EngineFlag*>* given = nullptr);
// Checks --format against opts.formats, --json against --format, and --timeline's directory.
StatusOr<OutputFlags> OutputFromFlags(const po::variables_map& vm, const OutputOptions& opts);

struct CommandOptions {
  OutputOptions output;
  std::string help_footer;       // printed after the options by --help
  bool validate_engine = true;   // range-check the engine flags (ValidateEngineArgs) while parsing
};

// What a command needs after parsing: the variables, the engine args and output flags, and the
// configs/ directory in force.
struct ParsedCommand {
  po::variables_map vm;
  EngineArgs engine;
  std::vector<const EngineFlag*> given;  // the engine flags the user set
  OutputFlags out;
  std::string configs_dir;
  int exit_code = -1;  // >= 0: the command is done (after --help, or a parse error already reported)

  bool Given(std::string_view flag_name) const;
};

// ParseFlags + --help + EngineArgsFromFlags (+ ValidateEngineArgs) + OutputFromFlags for subcommand
// `cmd`. `desc` must hold AddEngineFlags(desc), AddOutputFlags(desc, opts.output) and the command's
// own flags.
ParsedCommand ParseCommand(const std::string& cmd, const std::vector<std::string>& args,
                           const po::options_description& desc, const CommandOptions& opts);

// Prints "tpsim <cmd>: <message>" on stderr and returns the status's exit code.
int ReportError(const std::string& command, const Status& s);

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_ENGINE_FLAGS_H_
