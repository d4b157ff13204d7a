// The engine flags, listed once (DESIGN §4): the flags of EngineArgs with vLLM's names, their types,
// ranges, help and memory effect (sim/flags/flag_table.h), and the server flags of a pasted
// `vllm serve` line that tpsim accepts without modelling (no memory effect, nothing stored).
//
// Users: the command-line binding (tools/tpsim/engine_flags.cc, Boost), INI run files, the pasted
// `vllm serve` translator, sweep grids (sim/tune/sweep.h) and ValidateEngineArgs, which
// ResolveWithModel calls for EngineArgs built by code (tune, sweep).
#ifndef TPSIM_SIM_ENGINE_ENGINE_FLAG_TABLE_H_
#define TPSIM_SIM_ENGINE_ENGINE_FLAG_TABLE_H_

#include "sim/base/status.h"
#include "sim/engine/engine_args.h"
#include "sim/flags/flag_table.h"

namespace tpsim {

using EngineFlag = flags::FlagSpec<EngineArgs>;
using EngineFlagTable = flags::FlagTable<EngineArgs>;

// The table, in the order --help lists it.
const EngineFlagTable& EngineFlags();

// The range check of every engine flag (the only one): InvalidArgument with the first offending
// flag, in vLLM's words where vLLM has them ("GPU memory utilization must be within (0, 1]. Got
// 1.500000."), and an unsupported --vllm-version.
Status ValidateEngineArgs(const EngineArgs& args);

}  // namespace tpsim

#endif  // TPSIM_SIM_ENGINE_ENGINE_FLAG_TABLE_H_
