#include "tools/tpsim/process_guard.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <vector>

#include "sim/comm/process_watch.h"
#include "tools/tpsim/launcher.h"
#include "tpsim/build_config.h"
#if TPSIM_HAVE_MPI
#include "sim/comm/mpi_process_group.h"
#include "sim/comm/mpi_session.h"
#include "tools/tpsim/command_digest.h"
#endif

namespace tpsim::cli {

namespace {

// The fatal-message prefix ("tpsim plan: " or "tpsim plan (rank 1): ") and descriptor, set up front so
// that reporting an exhausted heap allocates nothing.
char g_prefix[128] = "tpsim: ";
int g_fatal_fd = 2;

void WriteFatal(const char* what, const char* detail) {
  std::string_view parts[] = {g_prefix, what, detail, "\n"};
  for (std::string_view p : parts) {
    while (!p.empty()) {
      const ssize_t n = ::write(g_fatal_fd, p.data(), p.size());
      if (n <= 0) return;
      p.remove_prefix(static_cast<std::size_t>(n));
    }
  }
}

// Set by the first fatal report: one line per process, however many threads fail at once.
std::atomic<bool> g_reported{false};

// One line for the exception in flight; false (and nothing written) when another thread reported first.
bool ReportException(std::exception_ptr e) {
  if (g_reported.exchange(true)) return false;
  try {
    if (e) std::rethrow_exception(e);
    // std::terminate without an exception in hand: one was in flight (a thread that could not start
    // leaves the others joinable while the error unwinds), which under a memory or thread limit is
    // the usual cause.
    WriteFatal("internal error: ", std::uncaught_exceptions() > 0
                                       ? "an error while cleaning up after an error (a memory or thread limit?)"
                                       : "terminate called without an exception");
  } catch (const std::bad_alloc&) {
    WriteFatal("out of memory (std::bad_alloc)", "");
  } catch (const std::exception& x) {
    WriteFatal("internal error: ", x.what());
  } catch (...) {
    WriteFatal("internal error: ", "unknown exception");
  }
  return true;
}

// std::terminate: an exception escaped a thread (or a noexcept function).
[[noreturn]] void OnTerminate() {
  if (!ReportException(std::current_exception())) {
    // Another thread is reporting and will end the process; do not cut its line short.
    for (;;) ::pause();
  }
  ::_exit(1);
}

// glibc gives each thread that meets a busy heap an arena of its own, reserving 64 MiB of address
// space each: under an address-space limit (ulimit -v) eight rank threads would exhaust 300 MB while
// using 14 MB. With such a limit in force, at most two arenas; without one, glibc's default.
void LimitMallocArenas() {
  rlimit as;
  if (::getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) ::mallopt(M_ARENA_MAX, 2);
}

// The checked buffer behind std::cout while a ProcessGuard lives.
FdStreamBuf* g_stdout_buf = nullptr;

}  // namespace

Status FlushStdout() {
  std::cout.flush();
  if (g_stdout_buf != nullptr) return g_stdout_buf->Flush();
  return std::cout.good() ? Status::Ok() : Status::Internal("standard output: write failed");
}

ProcessGuard::ProcessGuard(int argc, char** argv) {
  command_ = std::string("tpsim") + (argc >= 2 ? std::string(" ") + argv[1] : "");
  std::snprintf(g_prefix, sizeof(g_prefix), "%s: ", command_.c_str());
  std::set_terminate(OnTerminate);
  ::signal(SIGXFSZ, SIG_IGN);
  LimitMallocArenas();
  stdout_buf_ = std::make_unique<FdStreamBuf>(1, "standard output", ::isatty(1) == 1);
  old_cout_buf_ = std::cout.rdbuf(stdout_buf_.get());
  g_stdout_buf = stdout_buf_.get();
  under_mpi_ = UnderMpi();
  if (under_mpi_) StartMpi(argc, argv);
}

ProcessGuard::~ProcessGuard() {
  std::cout.flush();
  std::cout.rdbuf(old_cout_buf_);
  g_stdout_buf = nullptr;
}

void ProcessGuard::SilenceThisRank() {
  const int rank = RankFromLauncherEnvironment();
  if (rank == 0) return;
  std::snprintf(g_prefix, sizeof(g_prefix), "%s (rank %d): ", command_.c_str(), rank);
  g_fatal_fd = ::dup(2);
  if (g_fatal_fd < 0) g_fatal_fd = 2;
  ::fcntl(g_fatal_fd, F_SETFD, FD_CLOEXEC);
  const int null_out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  captured_stderr_ = ::memfd_create("tpsim-rank-stderr", MFD_CLOEXEC);
  if (null_out >= 0) ::dup2(null_out, 1);
  if (captured_stderr_ >= 0) ::dup2(captured_stderr_, 2);
  if (null_out >= 0) ::close(null_out);
  silenced_ = true;
#if TPSIM_HAVE_MPI
  mpi::SetFatalFd(g_fatal_fd);
#endif
}

void ProcessGuard::StartMpi(int argc, char** argv) {
  SilenceThisRank();
#if TPSIM_HAVE_MPI
  mpi::SetCommandName(command_);
  MpiProcessGroup& world = MpiProcessGroup::World();
  const std::vector<std::string> args(argv + 1, argv + argc);
  Status agreed = AgreeOnCommand(world, args);
  if (!agreed.ok()) {
    std::fprintf(stderr, "%s: %s\n", command_.c_str(), agreed.message().c_str());
    early_exit_code_ = 2;
  }
#else
  (void)argc;
  (void)argv;
#endif
}

int ProcessGuard::Run(const std::function<int()>& command) {
  try {
    return command();
  } catch (...) {
    if (!ReportException(std::current_exception())) {
      for (;;) ::pause();  // a worker thread's report ends the process
    }
    return 1;
  }
}

std::string ProcessGuard::ForwardedLine() const {
  if (captured_stderr_ < 0) return "";
  char buf[2048];
  const ssize_t n = ::pread(captured_stderr_, buf, sizeof(buf), 0);
  if (n <= 0) return "";
  std::string line(buf, static_cast<std::size_t>(n));
  line = line.substr(0, line.find('\n'));
  const std::string prefix = command_ + ": ";
  if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
  return line;
}

int ProcessGuard::Finish(int exit_code) {
  std::cout.flush();
  if (const Status& s = stdout_buf_->Flush(); !s.ok() && exit_code == 0) {
    std::fprintf(stderr, "%s: %s\n", command_.c_str(), s.message().c_str());
    exit_code = 1;
  }
  if (!under_mpi_) return exit_code;
#if TPSIM_HAVE_MPI
  mpi::AnnounceExit(exit_code, ForwardedLine());
  std::fflush(stderr);
  if (mpi::Finalize(exit_code == 0) != 0 && exit_code == 0) exit_code = 1;
#endif
  std::fflush(nullptr);
  ::_exit(exit_code);
}

}  // namespace tpsim::cli
