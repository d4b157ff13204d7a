#include "sim/report/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include "sim/base/input_util.h"

extern char** environ;

namespace tpsim {

namespace {

using Clock = std::chrono::steady_clock;

// Closes a descriptor on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

int MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 100));
}

// Sends `data` on the socket until done, the child stops reading (EPIPE: it exited) or the deadline.
void Feed(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty() && Clock::now() < deadline) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, MillisLeft(deadline));
      continue;
    }
    return;  // EPIPE and the like: the child is gone; its exit status tells why
  }
}

// The first non-empty line of what the child wrote into the memfd.
std::string FirstLine(int fd) {
  char buf[4096];
  const ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
  if (n <= 0) return "";
  std::istringstream in(std::string(buf, static_cast<std::size_t>(n)));
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) return OneLine(line, 200);
  }
  return "";
}

}  // namespace

std::string ChildResult::Describe(double timeout_s) const {
  std::ostringstream s;
  switch (outcome) {
    case Outcome::kExited:
      s << "exited with status " << exit_code;
      break;
    case Outcome::kSignaled:
      s << "was killed by signal " << signal;
      break;
    case Outcome::kTimedOut:
      s << "did not finish within " << timeout_s << " s and was killed";
      break;
    case Outcome::kNotFound:
      s << "not found on PATH";
      break;
    case Outcome::kSpawnFailed:
      s << "could not be started: " << error;
      break;
  }
  if (!stderr_head.empty()) s << ": " << stderr_head;
  return s.str();
}

ChildResult RunChild(const std::vector<std::string>& argv, const std::string& cwd,
                     std::string_view stdin_data, double timeout_s) {
  ChildResult r;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    r.error = std::strerror(errno);
    return r;
  }
  Fd parent_end{sv[0]}, child_end{sv[1]};
  Fd err{::memfd_create("tpsim-child-stderr", MFD_CLOEXEC)};
  Fd null_out{::open("/dev/null", O_WRONLY | O_CLOEXEC)};
  if (err.fd < 0 || null_out.fd < 0) {
    r.error = std::strerror(errno);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, child_end.fd, 0);
  posix_spawn_file_actions_adddup2(&fa, null_out.fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err.fd, 2);
  posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  // Its own process group (killed as a whole), an empty signal mask and default dispositions for the
  // signals tpsim itself ignores.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGXFSZ);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    r.outcome = rc == ENOENT ? ChildResult::Outcome::kNotFound : ChildResult::Outcome::kSpawnFailed;
    r.error = std::strerror(rc);
    return r;
  }
  child_end.Close();
  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000));
  Feed(parent_end.fd, stdin_data, deadline);
  parent_end.Close();  // end of the script
  int status = 0;
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      r.error = std::strerror(errno);
      return r;
    }
    if (Clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      r.outcome = ChildResult::Outcome::kTimedOut;
      r.stderr_head = FirstLine(err.fd);
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);  // whatever it left running in its group
  r.stderr_head = FirstLine(err.fd);
  if (WIFEXITED(status)) {
    r.outcome = ChildResult::Outcome::kExited;
    r.exit_code = WEXITSTATUS(status);
  } else {
    r.outcome = ChildResult::Outcome::kSignaled;
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return r;
}

}  // namespace tpsim
