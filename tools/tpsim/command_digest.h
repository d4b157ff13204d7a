// Before any work the processes of an mpirun job agree on what they run (issue 13): ranks started with
// different subcommands, models or flags would otherwise wait on each other's collectives or mix their
// answers. Each rank's command line (the words after `tpsim`, and the bytes of any file named by
// --config, so that an INI file differing between hosts counts too) is reduced to a 64-bit digest,
// rank 0 compares them and every rank gets its verdict.
#ifndef TPSIM_TOOLS_TPSIM_COMMAND_DIGEST_H_
#define TPSIM_TOOLS_TPSIM_COMMAND_DIGEST_H_

#include <string>
#include <vector>

#include "sim/base/status.h"
#include "sim/comm/process_group.h"

namespace tpsim::cli {

// 16 hex digits (FNV-1a over the words, each with its length, and the --config files' contents).
std::string CommandDigest(const std::vector<std::string>& args);

// Collective over `pg`. InvalidArgument on every rank when a digest differs from rank 0's; rank 0's
// message names the first such rank and both command lines, e.g. "mpirun ranks disagree on the
// command: rank 1 runs `plan --tp 4`, rank 0 runs `plan --tp 2`".
Status AgreeOnCommand(ProcessGroup& pg, const std::vector<std::string>& args);

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_COMMAND_DIGEST_H_
