#include "sim/comm/process_watch.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "sim/comm/wait_budget.h"

namespace tpsim {
namespace {

TEST(ProcessWatchTest, StateOfRunningStoppedAndGoneProcesses) {
  EXPECT_EQ(ProcessState(getpid()), 'R');
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  ASSERT_GT(child, 0);
  ASSERT_EQ(kill(child, SIGSTOP), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, WUNTRACED), child);
  EXPECT_TRUE(ProcessStopped(ProcessState(child)));
  kill(child, SIGKILL);
  // A zombie until reaped, then gone.
  for (int i = 0; i < 200 && !ProcessGone(ProcessState(child)); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(ProcessGone(ProcessState(child)));
  waitpid(child, &status, 0);
  EXPECT_EQ(ProcessState(child), 0);
}

// Past its limit the watchdog writes its one line and ends the process with exit 1; destroyed in
// time, it does nothing.
TEST(ProcessWatchTest, WatchdogEndsTheProcessOnlyWhenLate) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  const pid_t child = fork();
  if (child == 0) {
    close(p[0]);
    { Watchdog early("early", 5, p[1]); }
    Watchdog late("tpsim: MPI_Init did not complete", 0.2, p[1]);
    std::this_thread::sleep_for(std::chrono::seconds(10));
    _exit(0);
  }
  close(p[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  char buf[256] = {0};
  const ssize_t n = read(p[0], buf, sizeof(buf) - 1);
  close(p[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0), "tpsim: MPI_Init did not complete\n");
}

TEST(WaitBudgetTest, CountsWaitingButNotTimeThisProcessWasStopped) {
  WaitBudget short_wait(0.05);
  EXPECT_FALSE(short_wait.Expired());
  for (int i = 0; i < 20; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int i = 0; i < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10)), (void)short_wait.Expired();
  EXPECT_TRUE(short_wait.Expired());
  // One gap of more than a second (as after SIGSTOP ... SIGCONT) does not count.
  WaitBudget long_wait(0.5);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_FALSE(long_wait.Expired());
}

}  // namespace
}  // namespace tpsim
