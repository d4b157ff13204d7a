// The harness of the hardening tests: runs the built tpsim binary (TPSIM_BINARY) or a shell command
// around it as a child process with a wall-clock limit and a memory limit, in a fresh scratch
// directory, and checks the bad-input contract of DESIGN §6: exit code 2, exactly one line on stderr,
// nothing on stdout, nothing written (a --timeline DIR stays absent).
//
// Limits: the child runs in its own process group; past `timeout_s` seconds, or when its resident
// memory passes `max_rss_bytes` (read from /proc every 10 ms; the direct child only), the whole group
// gets SIGKILL and the result says which limit was hit. A hang or a memory blow-up therefore fails
// the test instead of stalling or starving the machine. SpawnWith also sets an address-space limit
// (RLIMIT_AS, as `ulimit -v`) or a file-size limit (RLIMIT_FSIZE, a disk that fills up) or gives the child a terminal (a pty) as its stderr; every result holds
// the child's peak resident memory (wait4's ru_maxrss).
//
// Known bugs: a case that fails today keeps its test, which starts with TPSIM_KNOWN_BUG("why, whose
// file"). It is skipped (GTEST_SKIP, so ctest stays green and lists it as skipped) unless
// TPSIM_HARDENING_KNOWN_BUGS=1 is set in the environment; the owner deletes the line with the fix.
#ifndef TPSIM_TESTS_HARDENING_CLI_HARNESS_H_
#define TPSIM_TESTS_HARDENING_CLI_HARNESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#define TPSIM_KNOWN_BUG(reason)                                                  \
  do {                                                                           \
    if (!::tpsim::hardening::RunKnownBugs()) {                                   \
      GTEST_SKIP() << "KNOWN BUG (reported, set TPSIM_HARDENING_KNOWN_BUGS=1 to run): " \
                   << (reason);                                                  \
    }                                                                            \
  } while (0)

namespace tpsim::hardening {

namespace fs = std::filesystem;

// Seconds a bad-input run may take (the brief: `timeout 60`); a plan takes well under a second.
inline constexpr int kDefaultTimeoutS = 60;
// Resident memory a tpsim run may reach: a plan of the bundled 32B model needs a few tens of MiB
// (several hundred under AddressSanitizer); more than this on bad input is a blow-up.
inline constexpr std::int64_t kDefaultMaxRssBytes = std::int64_t{3} << 30;

inline bool RunKnownBugs() {
  const char* v = std::getenv("TPSIM_HARDENING_KNOWN_BUGS");
  return v != nullptr && std::string(v) == "1";
}

struct RunResult {
  int exit_code = -1;       // exit status, or 128 + signal when the child was killed by a signal
  bool timed_out = false;   // killed at the wall-clock limit
  bool memory_out = false;  // killed at the memory limit
  double seconds = 0;
  std::int64_t max_rss_kb = 0;  // the child's peak resident memory
  std::string out;
  std::string err;

  // For failure messages.
  std::string Describe() const {
    std::ostringstream s;
    s << "exit " << exit_code << (timed_out ? " (TIMED OUT)" : "") << (memory_out ? " (MEMORY LIMIT)" : "")
      << " after " << seconds << " s; stdout " << out.size() << " bytes: [" << out.substr(0, 300)
      << "]; stderr: [" << err.substr(0, 600) << "]";
    return s.str();
  }
};

// `s` quoted for /bin/sh.
inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

// Resident set size of `pid` in bytes from /proc/<pid>/status (0 when gone).
inline std::int64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6) * 1024;
  }
  return 0;
}

// What SpawnWith can add to the limits above.
struct SpawnLimits {
  int timeout_s = kDefaultTimeoutS;
  std::int64_t max_rss_bytes = kDefaultMaxRssBytes;
  std::int64_t address_space_kb = 0;  // > 0: RLIMIT_AS in KiB (ulimit -v)
  std::int64_t file_size_bytes = 0;   // > 0: RLIMIT_FSIZE (a full disk for every file the child writes)
  bool stderr_tty = false;            // stderr is a pty; what the child wrote there is in RunResult::err
};

// A scratch directory per test: in/ for inputs the test writes, work/ as the child's working
// directory (must stay empty on bad input), io/ for the captured stdout/stderr.
class Scratch {
 public:
  Scratch() {
    const testing::TestInfo* info = testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_') c = '_';
    }
    static int counter = 0;
    root_ = fs::path(testing::TempDir()) / ("tpsim_hardening_" + name + "_" + std::to_string(getpid()) +
                                            "_" + std::to_string(counter++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "in");
    fs::create_directories(root_ / "work");
    fs::create_directories(root_ / "io");
  }
  ~Scratch() {
    std::error_code ec;
    // Undo chmod 000 etc. so that the removal succeeds.
    for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(root_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  std::string In(const std::string& name) const { return (root_ / "in" / name).string(); }
  std::string Work() const { return (root_ / "work").string(); }
  std::string Timeline() const { return (root_ / "work" / "timeline").string(); }

  // Everything under work/, relative, sorted: empty after a refused input.
  std::vector<std::string> WorkEntries() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root_ / "work", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      out.push_back(fs::relative(it->path(), root_ / "work").string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Runs `argv` (argv[0] a path) in work/ under the limits (see the file comment).
  RunResult Spawn(const std::vector<std::string>& argv, int timeout_s = kDefaultTimeoutS,
                  std::int64_t max_rss_bytes = kDefaultMaxRssBytes) const {
    SpawnLimits limits;
    limits.timeout_s = timeout_s;
    limits.max_rss_bytes = max_rss_bytes;
    return SpawnWith(argv, limits);
  }

  RunResult SpawnWith(const std::vector<std::string>& argv, const SpawnLimits& limits) const {
    const std::string out_path = (root_ / "io" / "stdout").string();
    const std::string err_path = (root_ / "io" / "stderr").string();
    // Built before fork: the child only makes system calls.
    const std::string work = Work();
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    RunResult r;
    int pty_master = -1;
    std::string pty_slave;
    if (limits.stderr_tty) {
      pty_master = posix_openpt(O_RDWR | O_NOCTTY);
      if (pty_master < 0 || grantpt(pty_master) != 0 || unlockpt(pty_master) != 0) {
        ADD_FAILURE() << "no pty";
        return r;
      }
      pty_slave = ptsname(pty_master);
    }
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      if (chdir(work.c_str()) != 0) _exit(126);
      const int in = open("/dev/null", O_RDONLY);
      const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = limits.stderr_tty ? open(pty_slave.c_str(), O_RDWR | O_NOCTTY)
                                        : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || out < 0 || err < 0) _exit(126);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      if (limits.address_space_kb > 0) {
        const rlim_t bytes = static_cast<rlim_t>(limits.address_space_kb) * 1024;
        const rlimit as{bytes, bytes};
        if (setrlimit(RLIMIT_AS, &as) != 0) _exit(125);
      }
      if (limits.file_size_bytes > 0) {
        const rlimit fs_limit{static_cast<rlim_t>(limits.file_size_bytes), static_cast<rlim_t>(limits.file_size_bytes)};
        if (setrlimit(RLIMIT_FSIZE, &fs_limit) != 0) _exit(125);
      }
      execv(cargv[0], cargv.data());
      _exit(127);
    }
    if (pid < 0) {
      ADD_FAILURE() << "fork failed";
      return r;
    }
    setpgid(pid, pid);  // also here, so that the kill below cannot race the child's own setpgid
    std::string tty_text;
    auto drain_tty = [&] {
      if (pty_master < 0) return;
      char buf[4096];
      pollfd p{pty_master, POLLIN, 0};
      while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
        const ssize_t n = read(pty_master, buf, sizeof(buf));
        if (n <= 0) break;
        tty_text.append(buf, static_cast<std::size_t>(n));
      }
    };
    int status = 0;
    rusage usage{};
    for (;;) {
      drain_tty();
      const pid_t w = wait4(pid, &status, WNOHANG, &usage);
      if (w == pid) break;
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed > limits.timeout_s) r.timed_out = true;
      if (RssBytes(pid) > limits.max_rss_bytes) r.memory_out = true;
      if (r.timed_out || r.memory_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        wait4(pid, &status, 0, &usage);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    drain_tty();
    if (pty_master >= 0) close(pty_master);
    // Whatever the group left behind (an mpirun that outlived its shell) goes too.
    kill(-pid, SIGKILL);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.max_rss_kb = usage.ru_maxrss;
    if (WIFEXITED(status)) {
      r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      r.exit_code = 128 + WTERMSIG(status);
    }
    r.out = ReadFile(out_path);
    r.err = limits.stderr_tty ? tty_text : ReadFile(err_path);
    return r;
  }

  // Runs `command` with /bin/sh -c in work/.
  RunResult Shell(const std::string& command, int timeout_s = kDefaultTimeoutS,
                  std::int64_t max_rss_bytes = kDefaultMaxRssBytes) const {
    return Spawn({"/bin/sh", "-c", command}, timeout_s, max_rss_bytes);
  }

  // Runs the tpsim binary with `args` in work/ (no shell between).
  RunResult Tpsim(const std::vector<std::string>& args, int timeout_s = kDefaultTimeoutS,
                  std::int64_t max_rss_bytes = kDefaultMaxRssBytes) const {
    std::vector<std::string> argv = {TPSIM_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return Spawn(argv, timeout_s, max_rss_bytes);
  }

  // The same with SpawnWith's limits.
  RunResult TpsimWith(const std::vector<std::string>& args, const SpawnLimits& limits) const {
    std::vector<std::string> argv = {TPSIM_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return SpawnWith(argv, limits);
  }

  fs::path root() const { return root_; }

 private:
  fs::path root_;
};

inline int CountLines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// Runs `tpsim <args>` with `--timeline DIR` added after the subcommand and checks the bad-input
// contract: exit 2, one line on stderr naming the command ("tpsim ..."), nothing on stdout, no
// timeline directory or other file written. `expect_in_message`, when not empty, must occur in the
// message. Returns the result for further checks.
inline RunResult ExpectRefused(const Scratch& scratch, const std::vector<std::string>& args,
                               const std::string& expect_in_message = "", int timeout_s = kDefaultTimeoutS) {
  std::vector<std::string> words = args;
  const bool has_subcommand = !words.empty() && words[0].rfind("-", 0) != 0 &&
                              (words[0] == "plan" || words[0] == "scale" || words[0] == "compare");
  if (has_subcommand) {
    words.insert(words.begin() + 1, {"--timeline", scratch.Timeline()});
  }
  RunResult r = scratch.Tpsim(words, timeout_s);
  const std::string what = r.Describe();
  EXPECT_FALSE(r.timed_out) << "hang: " << what;
  EXPECT_FALSE(r.memory_out) << "memory blow-up: " << what;
  EXPECT_EQ(r.exit_code, 2) << what;
  EXPECT_EQ(r.out, "") << "stdout must stay empty: " << what;
  EXPECT_EQ(CountLines(r.err), 1) << "stderr must be exactly one line: " << what;
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << what;
  EXPECT_EQ(r.err.rfind("tpsim", 0), 0u) << what;
  if (!expect_in_message.empty()) {
    EXPECT_NE(r.err.find(expect_in_message), std::string::npos)
        << "message should mention '" << expect_in_message << "': " << what;
  }
  EXPECT_TRUE(scratch.WorkEntries().empty())
      << "files written on refused input: " << testing::PrintToString(scratch.WorkEntries()) << "; " << what;
  return r;
}

// The same in a scratch directory of its own.
inline RunResult ExpectRefused(const std::vector<std::string>& args, const std::string& expect_in_message = "",
                               int timeout_s = kDefaultTimeoutS) {
  Scratch scratch;
  return ExpectRefused(scratch, args, expect_in_message, timeout_s);
}

// Path of an executable on PATH, or "".
inline std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    const fs::path p = fs::path(dir.empty() ? "." : dir) / name;
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

}  // namespace tpsim::hardening

#endif  // TPSIM_TESTS_HARDENING_CLI_HARNESS_H_
