#include "sim/comm/process_watch.h"

#include <dirent.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "sim/comm/wait_budget.h"

namespace tpsim {

namespace {

// The value of `name` in /proc/<pid>/environ ("" when absent or unreadable).
std::string EnvironOf(const std::string& pid, const std::string& name) {
  std::ifstream in("/proc/" + pid + "/environ", std::ios::binary);
  std::string entry;
  const std::string key = name + "=";
  while (std::getline(in, entry, '\0')) {
    if (entry.rfind(key, 0) == 0) return entry.substr(key.size());
  }
  return "";
}

// The variable naming this process's job, and its value.
bool JobKey(std::string* name, std::string* value) {
  for (const char* v : {"PMIX_NAMESPACE", "OMPI_MCA_orte_ess_jobid"}) {
    if (const char* s = std::getenv(v)) {
      *name = v;
      *value = s;
      return true;
    }
  }
  return false;
}

}  // namespace

int RankFromLauncherEnvironment() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"}) {
    if (const char* s = std::getenv(v)) return std::atoi(s);
  }
  return 0;
}

char ProcessState(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  std::FILE* f = std::fopen(path, "r");
  if (f == nullptr) return 0;
  char buf[512];
  const std::size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* paren = std::strrchr(buf, ')');  // the command name may hold spaces and parentheses
  return paren != nullptr && paren[1] == ' ' ? paren[2] : 0;
}

std::string DescribeStoppedJobProcesses() {
  std::string key, job;
  if (!JobKey(&key, &job)) return "";
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return "";
  std::string out;
  while (const dirent* e = ::readdir(proc)) {
    const std::string pid = e->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (!ProcessStopped(ProcessState(static_cast<pid_t>(std::atoi(pid.c_str()))))) continue;
    if (EnvironOf(pid, key) != job) continue;
    const std::string rank = EnvironOf(pid, "OMPI_COMM_WORLD_RANK");
    out += (out.empty() ? "" : "; ") + std::string("rank ") + (rank.empty() ? "?" : rank) + " (pid " + pid +
           ") is stopped";
  }
  ::closedir(proc);
  return out;
}

struct Watchdog::State {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

Watchdog::Watchdog(std::string message, double limit_s, int fd) : state_(std::make_shared<State>()) {
  std::thread([state = state_, message = std::move(message), limit_s, fd] {
    WaitBudget budget(limit_s);
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->done) {
      state->cv.wait_for(lock, std::chrono::milliseconds(50));
      if (state->done || !budget.Expired()) continue;
      std::string line = message;
      const std::string stopped = DescribeStoppedJobProcesses();
      if (!stopped.empty()) line += " (" + stopped + ")";
      line += "\n";
      ssize_t ignored = ::write(fd, line.data(), line.size());
      (void)ignored;
      ::_exit(1);
    }
  }).detach();
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->done = true;
  }
  state_->cv.notify_all();
}

}  // namespace tpsim
