#include "sim/report/child_process.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/testing/temp_path.h"

namespace tpsim {
namespace {

namespace fs = std::filesystem;

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempPath("child_process_test");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

// The bytes go to its standard input and it runs in `cwd`: tee writes them to a relative file there.
TEST_F(ChildProcessTest, FeedsStdinAndRunsInTheDirectory) {
  const std::string data(200000, 'q');  // more than a socket buffer
  const ChildResult r = RunChild({"tee", "copy.txt"}, dir_, data, 10);
  ASSERT_TRUE(r.succeeded()) << r.Describe(10);
  std::ifstream in(dir_ + "/copy.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), data);
}

// Arguments are words, never shell text.
TEST_F(ChildProcessTest, ArgumentsAreNotParsedByAShell) {
  const ChildResult r = RunChild({"touch", "a b; touch c", "$(touch d)"}, dir_, "", 10);
  ASSERT_TRUE(r.succeeded()) << r.Describe(10);
  EXPECT_TRUE(fs::exists(dir_ + "/a b; touch c"));
  EXPECT_TRUE(fs::exists(dir_ + "/$(touch d)"));
  EXPECT_FALSE(fs::exists(dir_ + "/c") || fs::exists(dir_ + "/d"));
}

TEST_F(ChildProcessTest, MissingProgramIsNotFound) {
  const ChildResult r = RunChild({"tpsim-no-such-program"}, dir_, "x", 10);
  EXPECT_EQ(r.outcome, ChildResult::Outcome::kNotFound);
  EXPECT_EQ(r.Describe(10), "not found on PATH");
}

TEST_F(ChildProcessTest, FailureCarriesItsStatusAndFirstStderrLine) {
  const ChildResult r = RunChild({"ls", dir_ + "/missing"}, dir_, "", 10);
  EXPECT_EQ(r.outcome, ChildResult::Outcome::kExited);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.stderr_head.find("missing"), std::string::npos) << r.stderr_head;
  EXPECT_EQ(r.Describe(10).rfind("exited with status ", 0), 0u);
}

// A child that does not end is killed at the limit, also when it does not read its input.
TEST_F(ChildProcessTest, TimeLimitKills) {
  const auto start = std::chrono::steady_clock::now();
  const ChildResult r = RunChild({"sleep", "30"}, dir_, std::string(1 << 20, 'z'), 0.3);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.outcome, ChildResult::Outcome::kTimedOut);
  EXPECT_LT(s, 5);
  EXPECT_EQ(r.Describe(0.3), "did not finish within 0.3 s and was killed");
}

}  // namespace
}  // namespace tpsim
