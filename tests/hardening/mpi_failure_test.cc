// Hardening under mpirun (one process per rank, DESIGN §1, issue 13): a world size that differs from
// --tp, ranks started with different command lines, a rank that fails alone, a rank killed with SIGKILL
// or stopped with SIGSTOP mid-run, and only rank 0 printing. The job must end well within the limit
// (30 s for a stopped rank, with one message naming it), print nothing or everything on stdout and
// write no partial timeline, never hang.
//
// Needs Open MPI's mpirun (openmpi-bin, as tools/setup.sh installs) and a tpsim built with MPI; the
// tests skip when either is missing. As root, Open MPI wants OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM); more
// ranks than cores want --oversubscribe.
//
// The kill: tpsim has no fault-injection hook, so each rank runs under a small wrapper
// (kill_rank.sh, written by the test) that starts tpsim and, on the chosen rank, sends it SIGKILL
// either at once ("start"), or as soon as tpsim has mapped Open MPI's collective components
// (mca_coll_*, loaded at the end of MPI_Init: the ranks are about to exchange, or are exchanging,
// their reports), watched in /proc/PID/maps. A kill that comes too late (tpsim already done) is
// reported by the wrapper and the attempt is repeated. The exact moment is not controlled: rank 1 may
// die after it handed over its report, and then rank 0 prints the complete plan while the job still
// exits non-zero; what is checked is that output is all or nothing and that the job ends.
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hardening/cli_harness.h"
#include "tpsim/build_config.h"

namespace tpsim::hardening {
namespace {

// Seconds a failing mpirun job may take; a good one takes about one.
constexpr int kMpiTimeoutS = 60;

const char kKillRankScript[] = R"(#!/bin/sh
# kill_rank.sh RANK WHEN CMD...: run CMD as this MPI rank; on rank RANK send it SIGKILL ($SIGNAL, e.g.
# STOP, instead when set), WHEN = start (before CMD runs), mpi (once CMD mapped Open MPI's collective
# components) or never.
rank=$1; when=$2; shift 2
sig=${SIGNAL:-KILL}
if [ "${OMPI_COMM_WORLD_RANK:-0}" != "$rank" ] || [ "$when" = never ]; then exec "$@"; fi
if [ "$when" = start ]; then kill -s "$sig" $$; exec "$@"; fi
"$@" &
pid=$!
i=0
while [ $i -lt 6000 ]; do
  grep -q mca_coll /proc/$pid/maps 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.01
  i=$((i + 1))
done
# A finished CMD is a zombie until waited for: kill would still succeed, but it came too late.
state=$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1)
if [ -z "$state" ] || [ "$state" = Z ] || ! kill -s "$sig" $pid 2>/dev/null; then
  echo "kill_rank.sh: KILL MISSED, rank $rank had already ended" >&2
  wait $pid
  exit 0
fi
wait $pid
exit $?
)";

class MpiFailureTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!TPSIM_HAVE_MPI) GTEST_SKIP() << "tpsim built without MPI";
    mpirun_ = FindOnPath("mpirun");
    if (mpirun_.empty()) GTEST_SKIP() << "mpirun not installed";
    RunResult v = scratch_.Shell(ShellQuote(mpirun_) + " --version", 30);
    if (v.out.find("Open MPI") == std::string::npos) {
      GTEST_SKIP() << "these tests use Open MPI's mpirun options; found: " << v.out.substr(0, 80);
    }
    WriteFile(scratch_.In("kill_rank.sh"), kKillRankScript);
  }

  // `mpirun -np N CMD` with the environment Open MPI needs as root and on few cores; -q keeps
  // mpirun's own banners off stderr.
  std::string MpiRun(int np, const std::string& cmd) const {
    return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
           "OMPI_MCA_rmaps_base_oversubscribe=1 exec " +
           ShellQuote(mpirun_) + " -q --oversubscribe -np " + std::to_string(np) + " " + cmd;
  }

  std::string TpsimPlan(int tp) const {
    return ShellQuote(TPSIM_BINARY) + " plan --tp " + std::to_string(tp) + " --max-model-len 32768 --timeline " +
           ShellQuote(scratch_.Timeline());
  }

  // mpirun -np 2 with rank `rank` sent `signal` at `when`; repeats while the signal came too late.
  RunResult RunWithKill(int rank, const std::string& when, const std::string& signal = "KILL") const {
    RunResult r;
    for (int attempt = 0; attempt < 3; ++attempt) {
      fs::remove_all(scratch_.Timeline());
      r = scratch_.Shell("SIGNAL=" + signal + " " +
                             MpiRun(2, "sh " + ShellQuote(scratch_.In("kill_rank.sh")) + " " + std::to_string(rank) +
                                           " " + when + " " + TpsimPlan(2)),
                         kMpiTimeoutS);
      if (r.err.find("KILL MISSED") == std::string::npos) break;
    }
    return r;
  }

  // The job ended by itself (no hang) with a non-zero exit. Output is all or nothing: stdout is empty
  // or the complete plan of an undisturbed run (`good`, when rank 1 died after handing over its
  // report), and the timeline directory is absent or holds every file the undisturbed run wrote.
  void ExpectJobFailed(const RunResult& r, const RunResult& good, const std::vector<std::string>& good_files) const {
    const std::string what = r.Describe();
    EXPECT_FALSE(r.timed_out) << "mpirun hung: " << what;
    EXPECT_FALSE(r.memory_out) << what;
    EXPECT_NE(r.exit_code, 0) << what;
    EXPECT_EQ(r.err.find("KILL MISSED"), std::string::npos) << "could not kill mid-run: " << what;
    EXPECT_TRUE(r.out.empty() || r.out == good.out) << "partial stdout: " << what;
    if (fs::exists(scratch_.Timeline())) {
      EXPECT_EQ(scratch_.WorkEntries(), good_files) << "partial timeline: " << what;
    }
  }

  // An undisturbed run through the wrapper (the control for the kills) and the files it wrote.
  RunResult GoodRun(std::vector<std::string>* files) const {
    RunResult good = RunWithKill(1, "never");
    *files = scratch_.WorkEntries();
    fs::remove_all(scratch_.Timeline());
    return good;
  }

  Scratch scratch_;
  std::string mpirun_;
};

// A world of 2 processes for --tp 4: refused on every rank with exit 2 before any collective.
TEST_F(MpiFailureTest, WorldSizeMismatchFailsFast) {
  RunResult r = scratch_.Shell(MpiRun(2, TpsimPlan(4)), kMpiTimeoutS);
  const std::string what = r.Describe();
  EXPECT_FALSE(r.timed_out) << what;
  EXPECT_EQ(r.exit_code, 2) << what;
  EXPECT_EQ(r.out, "") << what;
  EXPECT_GE(CountLines(r.err), 1) << what;
  std::stringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.rfind("tpsim plan: world size 2 does not equal --tensor-parallel-size 4", 0), 0u)
        << "every line is tpsim's message: " << what;
  }
  EXPECT_FALSE(fs::exists(scratch_.Timeline())) << what;
}

// tools/tpsim/plan_command.cc + launcher.cc: every rank reports the mismatch, so stderr holds one line
// per rank instead of one (only the coordinator should print; the others exit 2 silently).
TEST_F(MpiFailureTest, WorldSizeMismatchPrintsOneLine) {
  RunResult r = scratch_.Shell(MpiRun(2, TpsimPlan(4)), kMpiTimeoutS);
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
}

// The control for the kills below: the wrapper itself leaves a good job alone.
TEST_F(MpiFailureTest, WrapperWithoutKillRunsTheJob) {
  RunResult r = RunWithKill(1, "never");
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out.find("tpsim plan"), std::string::npos) << r.Describe();
  EXPECT_TRUE(fs::exists(scratch_.Timeline() + "/trace.json"));
}

TEST_F(MpiFailureTest, RankKilledBeforeMpiInit) {
  std::vector<std::string> files;
  const RunResult good = GoodRun(&files);
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  RunResult r = RunWithKill(1, "start");
  ExpectJobFailed(r, good, files);
  EXPECT_EQ(r.out, "") << "rank 1 never started, so rank 0 cannot have a plan: " << r.Describe();
}

TEST_F(MpiFailureTest, RankKilledAfterMpiInit) {
  std::vector<std::string> files;
  const RunResult good = GoodRun(&files);
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  ExpectJobFailed(RunWithKill(1, "mpi"), good, files);
}

TEST_F(MpiFailureTest, CoordinatorKilledAfterMpiInit) {
  std::vector<std::string> files;
  const RunResult good = GoodRun(&files);
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  RunResult r = RunWithKill(0, "mpi");
  ExpectJobFailed(r, good, files);
}

// The lines tpsim itself wrote on stderr (mpirun may add its own).
std::vector<std::string> TpsimLines(const std::string& err) {
  std::vector<std::string> out;
  std::stringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("tpsim", 0) == 0) out.push_back(line);
  }
  return out;
}

// A rank stopped (SIGSTOP) once MPI is up, with the default deadline: the job ends within 30 s with
// one message naming the stopped rank, and stdout is empty or complete.
TEST_F(MpiFailureTest, StoppedRankEndsTheJobWithin30s) {
  std::vector<std::string> files;
  const RunResult good = GoodRun(&files);
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  for (int rank : {1, 0}) {
    const RunResult r = RunWithKill(rank, "mpi", "STOP");
    ExpectJobFailed(r, good, files);
    EXPECT_LT(r.seconds, 30) << r.Describe();
    const std::vector<std::string> lines = TpsimLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.Describe();
    EXPECT_NE(lines[0].find("rank " + std::to_string(rank) + " "), std::string::npos) << lines[0];
  }
}

// Ranks started with different subcommands, flags or models: exit 2 on every rank within seconds,
// one line from rank 0 naming both command lines, nothing on stdout.
TEST_F(MpiFailureTest, DifferentCommandLinesAreRefused) {
  const std::string tpsim = ShellQuote(TPSIM_BINARY);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"plan --tp 2", "plan --tp 2 --max-model-len 8192"},
      {"plan --tp 2", "scale --tp-list 1,2"},
      {"plan --tp 2", "plan --tp 2 --model Qwen/Qwen3-8B"},
  };
  for (const auto& [a, b] : pairs) {
    RunResult r = scratch_.Shell(MpiRun(1, tpsim + " " + a + " : -np 1 " + tpsim + " " + b), kMpiTimeoutS);
    const std::string what = a + " | " + b + ": " + r.Describe();
    EXPECT_LT(r.seconds, 15) << what;
    EXPECT_EQ(r.exit_code, 2) << what;
    EXPECT_EQ(r.out, "") << what;
    EXPECT_EQ(CountLines(r.err), 1) << what;
    EXPECT_NE(r.err.find("mpirun ranks disagree on the command: rank 1 runs `" + b + "`"), std::string::npos)
        << what;
  }
}

// A rank that fails where the others do not (here its configs/ directory is missing): rank 0 ends the
// job at once with that rank's message, instead of waiting for it at the next collective.
TEST_F(MpiFailureTest, RankFailingAloneIsReportedByRankZero) {
  const std::string plan = ShellQuote(TPSIM_BINARY) + " plan --tp 2";
  RunResult r = scratch_.Shell(MpiRun(1, plan + " : -np 1 -x TPSIM_CONFIGS=/nonexistent " + plan), kMpiTimeoutS);
  EXPECT_LT(r.seconds, 15) << r.Describe();
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_EQ(r.err.rfind("tpsim plan: rank 1: ", 0), 0u) << r.Describe();
  EXPECT_NE(r.err.find("/nonexistent/models"), std::string::npos) << r.Describe();
}

// Only rank 0 prints, for every command: under mpirun -np 2 the output is the single-process output.
TEST_F(MpiFailureTest, OnlyRankZeroPrints) {
  const std::vector<std::string> commands = {"shard --json", "--help", "plan --help",
                                             "topo --gpu rtx4090 --num-gpus 2", "plan --tp 2 --no-such-flag",
                                             "tune --target-context 8192"};
  for (const std::string& c : commands) {
    const RunResult alone = scratch_.Shell("exec " + ShellQuote(TPSIM_BINARY) + " " + c);
    const RunResult r = scratch_.Shell(MpiRun(2, ShellQuote(TPSIM_BINARY) + " " + c), kMpiTimeoutS);
    EXPECT_EQ(r.exit_code, alone.exit_code) << c << ": " << r.Describe();
    EXPECT_EQ(r.out, alone.out) << c;
    EXPECT_EQ(r.err, alone.err) << c;
  }
}

}  // namespace
}  // namespace tpsim::hardening
