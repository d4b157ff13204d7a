// The tpsim subcommands. Each Run* takes the arguments after the subcommand name and returns the
// process exit code (0 answer computed, 1 internal error, 2 bad input; DESIGN §6).
#ifndef TPSIM_TOOLS_TPSIM_COMMANDS_H_
#define TPSIM_TOOLS_TPSIM_COMMANDS_H_

#include <string>
#include <vector>

namespace tpsim::cli {

using Args = std::vector<std::string>;

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

// The table main() dispatches on, in the order --help lists them.
const std::vector<Command>& Commands();

int RunShard(const Args& args);
int RunPlan(const Args& args);
int RunScale(const Args& args);
int RunCompare(const Args& args);
int RunTopo(const Args& args);
int RunMeasure(const Args& args);
int RunTune(const Args& args);
int RunSweep(const Args& args);

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_COMMANDS_H_
