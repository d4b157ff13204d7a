// A pasted `vllm serve MODEL --flags...` (after `--` on a tpsim command line) translated to tpsim's
// words with the engine flag table (sim/engine/engine_flag_table.h): the program words go, the model
// positional becomes --model, the server flags the table marks as having no memory effect (--port,
// --host, --trust-remote-code, ...) are dropped with their values, every other word is kept for the
// command-line parser. A flag takes its value as argparse gives it: `--flag value` or `--flag=value`,
// the value never looking like an option (a negative number is a value).
//
// Refused, in argparse's words: a stray word ("vllm serve: unrecognized arguments: false"), a value
// missing ("vllm serve: argument --port: expected one argument"), a value given to a switch with `=`
// ("vllm serve: argument --trust-remote-code: ignored explicit argument '1'"), and a program other
// than `vllm serve`.
#ifndef TPSIM_TOOLS_TPSIM_PASTED_COMMAND_H_
#define TPSIM_TOOLS_TPSIM_PASTED_COMMAND_H_

#include <string>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/engine/engine_flag_table.h"

namespace tpsim::cli {

StatusOr<std::vector<std::string>> TranslatePasted(const std::vector<std::string>& words);

// "unrecognized arguments: false", and when the first stray word follows the boolean switch `after`
// (may be null) a hint on how that switch is written: "(--enforce-eager takes no value; write
// --no-enforce-eager to turn it off)".
std::string UnrecognizedArguments(const std::vector<std::string>& stray, const EngineFlag* after);

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_PASTED_COMMAND_H_
