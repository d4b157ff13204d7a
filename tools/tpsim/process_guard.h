// What every tpsim process does around its subcommand (issue 13), so that no command can forget it:
//
//  * Fatal errors are one line and exit 1, never a signal: std::bad_alloc anywhere (also in a worker
//    thread) is "tpsim <command>: out of memory (std::bad_alloc)", any other uncaught exception
//    "tpsim <command>: internal error: <what>". SIGXFSZ is ignored, so a file-size limit is a failed
//    write (reported) rather than a kill. Under an address-space limit (ulimit -v) malloc keeps to two
//    arenas, so the limit bounds what tpsim uses rather than what glibc reserves.
//  * Standard output goes through a checked buffer (sim/report/output_file.h): when a write fails
//    (full disk, /dev/full, a closed reader) the process exits 1 with one line, never 0 with truncated
//    output.
//  * Under mpirun (OMPI_COMM_WORLD_SIZE / PMI_SIZE): MPI starts before the command, the ranks agree on
//    the command line (command_digest.h; exit 2 on every rank when they differ), only rank 0 prints
//    (other ranks' standard output goes to /dev/null; their standard error is kept and its first line
//    is forwarded to rank 0 when such a rank fails alone), and MPI ends with the deadlines of
//    sim/comm/mpi_session.h.
#ifndef TPSIM_TOOLS_TPSIM_PROCESS_GUARD_H_
#define TPSIM_TOOLS_TPSIM_PROCESS_GUARD_H_

#include <functional>
#include <memory>
#include <string>

#include "sim/report/output_file.h"

namespace tpsim::cli {

// Flushes std::cout; the checked buffer's first write error ("standard output: No space left on
// device"), or Ok. For commands that stream (sweep) and must stop at the first failed write.
Status FlushStdout();

class ProcessGuard {
 public:
  ProcessGuard(int argc, char** argv);
  ~ProcessGuard();
  ProcessGuard(const ProcessGuard&) = delete;
  ProcessGuard& operator=(const ProcessGuard&) = delete;

  // >= 0 when the process must end before the command runs (the ranks disagree), with this code.
  int early_exit_code() const { return early_exit_code_; }
  // Runs the command; an exception that escapes it becomes one line and exit 1.
  int Run(const std::function<int()>& command);
  // Checks standard output, ends MPI and returns the process's exit code. Under mpirun it does not
  // return: the process leaves at once (a rank must not linger after MPI_Finalize).
  int Finish(int exit_code);

 private:
  void StartMpi(int argc, char** argv);
  void SilenceThisRank();
  std::string ForwardedLine() const;

  std::string command_;  // "tpsim plan"
  std::unique_ptr<FdStreamBuf> stdout_buf_;
  std::streambuf* old_cout_buf_ = nullptr;
  bool under_mpi_ = false;
  bool silenced_ = false;
  int captured_stderr_ = -1;  // on ranks other than 0: where their stderr went
  int early_exit_code_ = -1;
};

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_PROCESS_GUARD_H_
