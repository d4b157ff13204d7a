// Hardening of --timeline output (issue 13): no shell, ever (a hostile path is data, gnuplot runs
// without one, a missing, failing or hanging gnuplot costs one line and the picture only), and output
// all or nothing (a foreign directory is refused, stale files never survive, of two concurrent runs one
// wins and the other exits 2, a full disk is a non-zero exit with nothing at the target).
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hardening/cli_harness.h"

namespace tpsim::hardening {
namespace {

// The files of a tp-`tp` plan's timeline, sorted, with the picture when gnuplot is installed.
std::vector<std::string> PlanFiles(int tp, const std::string& prefix = "") {
  std::vector<std::string> files = {prefix + ".tpsim-output", prefix + "trace.json"};
  for (int r = 0; r < tp; ++r) files.push_back(prefix + "rank" + std::to_string(r) + ".csv");
  if (!FindOnPath("gnuplot").empty()) files.push_back(prefix + "memory.png");
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_directory()) out.push_back(fs::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// An executable script `name` in directory `dir`.
void WriteScript(const std::string& dir, const std::string& name, const std::string& body) {
  fs::create_directories(dir);
  WriteFile(dir + "/" + name, "#!/bin/sh\n" + body);
  ASSERT_EQ(chmod((dir + "/" + name).c_str(), 0755), 0);
}

// ---- No shell -------------------------------------------------------------------------------------

// Every character a shell or gnuplot would act on, in one path: quotes, $(...), backticks, ';', '|',
// a newline, spaces. Each would-be command touches a canary file in the working directory; none may
// appear, and the timeline is complete at exactly that path.
TEST(TimelineNoShellTest, HostilePathIsData) {
  Scratch s;
  const std::string canary = "canary";
  const std::string name = "a'b\"c $(touch " + canary + "1) `touch " + canary + "2`;touch " + canary +
                           "3|x\ny ';system(\"touch " + canary + "4\")'";
  const std::string target = s.Work() + "/" + name;
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", target});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.err, "") << r.Describe();
  EXPECT_EQ(Entries(target), PlanFiles(2));
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(s.Work())) top.push_back(e.path().filename().string());
  EXPECT_EQ(top, std::vector<std::string>{name});
  for (int i = 1; i <= 4; ++i) {
    EXPECT_FALSE(fs::exists(s.Work() + "/" + canary + std::to_string(i))) << "command " << i << " ran";
  }
}

// Without gnuplot on PATH: one line on stderr, exit 0, and trace.json and the CSVs byte-identical to
// those of a run that drew the picture.
TEST(TimelineNoShellTest, MissingGnuplotIsOneLine) {
  Scratch s;
  const std::string with = s.Work() + "/with", without = s.Work() + "/without";
  RunResult good = s.Tpsim({"plan", "--tp", "2", "--timeline", with});
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  RunResult r = s.Shell("PATH=/nonexistent exec " + ShellQuote(TPSIM_BINARY) + " plan --tp 2 --timeline " +
                        ShellQuote(without));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(r.out, good.out);
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_NE(r.err.find("tpsim plan: memory.png not drawn: gnuplot not found"), std::string::npos) << r.err;
  std::vector<std::string> expected = PlanFiles(2);
  expected.erase(std::remove(expected.begin(), expected.end(), "memory.png"), expected.end());
  EXPECT_EQ(Entries(without), expected);
  for (const char* f : {"trace.json", "rank0.csv", "rank1.csv"}) {
    EXPECT_EQ(ReadFile(without + "/" + f), ReadFile(with + "/" + f)) << f;
  }
}

// A gnuplot that fails: its status and first stderr line in one line; no half-drawn picture.
TEST(TimelineNoShellTest, FailingGnuplotIsOneLine) {
  Scratch s;
  WriteScript(s.In("bin"), "gnuplot", "echo 'fake gnuplot: cannot draw' >&2\nprintf partial > memory.png\nexit 3\n");
  RunResult r = s.Shell("PATH=" + ShellQuote(s.In("bin")) + " exec " + ShellQuote(TPSIM_BINARY) +
                        " scale --tp-list 1,2 --timeline " + ShellQuote(s.Timeline()));
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_NE(r.err.find("exited with status 3: fake gnuplot: cannot draw"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 more picture(s) not drawn"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(s.Timeline() + "/tp1/memory.png"));
  EXPECT_TRUE(fs::exists(s.Timeline() + "/tp2/trace.json"));
}

// A gnuplot that never ends is killed after 10 s (with what it started); the timeline is complete.
TEST(TimelineNoShellTest, HangingGnuplotIsKilled) {
  Scratch s;
  const std::string pids = s.In("pids");
  WriteScript(s.In("bin"), "gnuplot", "sleep 600 &\necho $! >> " + ShellQuote(pids) + "\nwait\n");
  RunResult r = s.Shell("PATH=" + ShellQuote(s.In("bin")) + ":/bin:/usr/bin exec " + ShellQuote(TPSIM_BINARY) +
                            " plan --tp 2 --timeline " + ShellQuote(s.Timeline()),
                        40);
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_LT(r.seconds, 30) << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_NE(r.err.find("did not finish within 10 s and was killed"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(s.Timeline() + "/rank1.csv"));
  std::istringstream in(ReadFile(pids));
  for (int pid = 0; in >> pid;) {
    // Gone, or a zombie waiting for an init that does not reap (containers).
    const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t paren = stat.rfind(')');
    EXPECT_TRUE(stat.empty() || (paren != std::string::npos && stat.substr(paren + 2, 1) == "Z"))
        << "gnuplot's child " << pid << " survived: " << stat;
  }
}

// ---- All or nothing -------------------------------------------------------------------------------

TEST(TimelineAllOrNothingTest, ForeignDirectoryIsRefused) {
  Scratch s;
  fs::create_directories(s.Timeline());
  WriteFile(s.Timeline() + "/notes.txt", "mine");
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", s.Timeline()});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_NE(r.err.find("holds files tpsim did not write (notes.txt)"), std::string::npos) << r.err;
  EXPECT_EQ(s.WorkEntries(), (std::vector<std::string>{"timeline", "timeline/notes.txt"}));
  EXPECT_EQ(ReadFile(s.Timeline() + "/notes.txt"), "mine");
}

// A file added to tpsim's own output makes it foreign too; an empty directory is fine.
TEST(TimelineAllOrNothingTest, OwnOutputPlusAFileIsRefusedEmptyIsFine) {
  Scratch s;
  fs::create_directories(s.Timeline());
  ASSERT_EQ(s.Tpsim({"plan", "--tp", "2", "--timeline", s.Timeline()}).exit_code, 0);
  WriteFile(s.Timeline() + "/extra.csv", "x");
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", s.Timeline()});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_TRUE(fs::exists(s.Timeline() + "/extra.csv"));
  EXPECT_TRUE(fs::exists(s.Timeline() + "/rank1.csv"));
}

// tp 4 then tp 2 into one directory: rank2.csv and rank3.csv of the first run are gone, and nothing is
// left beside the directory.
TEST(TimelineAllOrNothingTest, StaleRankFilesNeverSurvive) {
  Scratch s;
  ASSERT_EQ(s.Tpsim({"plan", "--tp", "4", "--timeline", s.Timeline()}).exit_code, 0);
  ASSERT_TRUE(fs::exists(s.Timeline() + "/rank3.csv"));
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", s.Timeline()});
  ASSERT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_EQ(Entries(s.Timeline()), PlanFiles(2));
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(s.Work())) top.push_back(e.path().filename().string());
  EXPECT_EQ(top, std::vector<std::string>{"timeline"});
}

// Two processes into one directory at once: one exits 0, the other 2; the directory is the winner's,
// complete.
TEST(TimelineAllOrNothingTest, TwoConcurrentRunsOneWins) {
  Scratch s;
  const std::string run = ShellQuote(TPSIM_BINARY) + " plan --tp 4 --timeline " + ShellQuote(s.Timeline()) +
                          " > /dev/null 2>> " + ShellQuote(s.In("err"));
  for (int attempt = 0; attempt < 2; ++attempt) {
    fs::remove_all(s.Timeline());
    RunResult r = s.Shell("(" + run + "; echo $? > " + ShellQuote(s.In("a")) + ") & (" + run + "; echo $? > " +
                          ShellQuote(s.In("b")) + ") & wait");
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    const std::string a = ReadFile(s.In("a")), b = ReadFile(s.In("b"));
    EXPECT_TRUE((a == "0\n" && b == "2\n") || (a == "2\n" && b == "0\n")) << "exit codes " << a << " and " << b;
    EXPECT_EQ(Entries(s.Timeline()), PlanFiles(4));
  }
  const std::string err = ReadFile(s.In("err"));
  EXPECT_EQ(CountLines(err), 2) << err;
  EXPECT_NE(err.find("written by another process while this tpsim ran"), std::string::npos) << err;
}

// scale writes one sub-directory per size; a disk that fills up at the largest size (a file-size limit
// between its trace and the smaller ones) leaves no timeline at all, and the run fails in one line.
TEST(TimelineAllOrNothingTest, ScaleSetIsAllOrNothingOnAFullDisk) {
  Scratch s;
  SpawnLimits full;
  full.file_size_bytes = 3 << 20;  // tp1 and tp2 fit (trace.json 1.0 and 2.3 MB), tp4's 4.6 MB does not
  RunResult r = s.TpsimWith({"scale", "--max-model-len", "8192", "--timeline", s.Timeline()}, full);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(r.out, "") << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_NE(r.err.find("cannot write tp4/trace.json: File too large"), std::string::npos) << r.err;
  EXPECT_TRUE(s.WorkEntries().empty()) << testing::PrintToString(s.WorkEntries());
  // Without the limit the same command writes the whole set.
  RunResult good = s.Tpsim({"scale", "--max-model-len", "8192", "--timeline", s.Timeline()});
  ASSERT_EQ(good.exit_code, 0) << good.Describe();
  EXPECT_TRUE(fs::exists(s.Timeline() + "/tp1/trace.json") && fs::exists(s.Timeline() + "/tp4/rank3.csv"));
}

TEST(TimelineAllOrNothingTest, DevFullIsNotADirectory) {
  Scratch s;
  RunResult r = s.Tpsim({"plan", "--tp", "2", "--timeline", "/dev/full"});
  EXPECT_EQ(r.exit_code, 2) << r.Describe();
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
}

// ---- Checked standard output ----------------------------------------------------------------------

// Every command's output into /dev/full: exit 1 and one line naming the error, never 0.
TEST(CheckedStdoutTest, DevFullIsAnErrorForEveryCommand) {
  Scratch s;
  const std::vector<std::string> commands = {
      "plan --json", "plan", "scale --tp-list 1,2", "compare", "sweep --grid tp=1,2", "shard --json",
      "topo --gpu rtx4090 --num-gpus 2", "tune --target-context 8192", "--help", "plan --help"};
  for (const std::string& c : commands) {
    RunResult r = s.Shell("exec " + ShellQuote(TPSIM_BINARY) + " " + c + " > /dev/full");
    EXPECT_EQ(r.exit_code, 1) << c << ": " << r.Describe();
    EXPECT_EQ(CountLines(r.err), 1) << c << ": " << r.Describe();
    EXPECT_NE(r.err.find("standard output: No space left on device"), std::string::npos) << c << ": " << r.err;
  }
}

std::string Sequence(int from, int to) {
  std::string s;
  for (int i = from; i <= to; ++i) s += (i > from ? "," : "") + std::to_string(i);
  return s;
}

// A sweep stops at the first failed write instead of computing the rest of its grid (6,000 plans, some
// seconds of work).
TEST(CheckedStdoutTest, SweepStopsAtTheFirstFailedWrite) {
  Scratch s;
  RunResult r = s.Shell("exec " + ShellQuote(TPSIM_BINARY) +
                            " sweep --grid 'tp=1,2,4 enforce_eager=0,1 max_model_len=1024,2048,3072,4096,"
                            "6144,8192,12288,16384,24576,32768 max_num_seqs=" + Sequence(1, 100) + "' > /dev/full",
                        60);
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(CountLines(r.err), 1) << r.Describe();
  EXPECT_LT(r.seconds, 2.0) << "the sweep went on after stdout failed: " << r.Describe();
}

}  // namespace
}  // namespace tpsim::hardening
