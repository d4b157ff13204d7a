// Running the built tpsim binary from a test: stdout, stderr and the exit code of one invocation.
#ifndef TPSIM_TESTS_TESTING_CLI_RUN_H_
#define TPSIM_TESTS_TESTING_CLI_RUN_H_

#include <string>

namespace tpsim::testing {

struct CliRun {
  int rc = -1;
  std::string out;
  std::string err;
};

// Runs `TPSIM_BINARY args` through the shell; `env` (e.g. "CUDA_VISIBLE_DEVICES=") is prefixed to the
// command. stderr goes through a per-process temporary file.
CliRun Tpsim(const std::string& args, const std::string& env = "");

}  // namespace tpsim::testing

#endif  // TPSIM_TESTS_TESTING_CLI_RUN_H_
