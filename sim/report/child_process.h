// Running a helper program (gnuplot) without a shell (issue 13): posix_spawnp with an argument vector,
// so no word of it is ever parsed by a shell; the given bytes on its standard input; its standard
// output discarded; the start of its standard error kept for the message; its own process group; and a
// wall-clock limit after which the whole group gets SIGKILL. Never throws, never raises SIGPIPE.
#ifndef TPSIM_SIM_REPORT_CHILD_PROCESS_H_
#define TPSIM_SIM_REPORT_CHILD_PROCESS_H_

#include <string>
#include <string_view>
#include <vector>

namespace tpsim {

struct ChildResult {
  enum class Outcome { kExited, kSignaled, kTimedOut, kNotFound, kSpawnFailed };
  Outcome outcome = Outcome::kSpawnFailed;
  int exit_code = -1;       // kExited
  int signal = 0;           // kSignaled
  std::string error;        // kSpawnFailed: the reason
  std::string stderr_head;  // the first non-empty line the child wrote on stderr (one line, escaped)

  bool succeeded() const { return outcome == Outcome::kExited && exit_code == 0; }
  // "exited with status 1: <stderr_head>", "was killed after 10 s", "not found on PATH", ...
  std::string Describe(double timeout_s) const;
};

// Runs argv[0] (looked up on PATH) with `argv` in directory `cwd`, feeding it `stdin_data`.
// REQUIRES: argv non-empty, timeout_s > 0.
ChildResult RunChild(const std::vector<std::string>& argv, const std::string& cwd,
                     std::string_view stdin_data, double timeout_s);

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_CHILD_PROCESS_H_
