#include "sim/report/output_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/temp_path.h"

namespace tpsim {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void Write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

// Everything under `dir`, relative and sorted.
std::vector<std::string> Tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

class OutputDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempPath("output_dir_test");
    fs::remove_all(root_);
    fs::create_directories(root_);
    target_ = (root_ / "out").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  // Writes files `names` ("a", "sub/b") holding their own names and commits.
  Status WriteAndCommit(const std::vector<std::string>& names) {
    OutputDir out(target_);
    for (const std::string& n : names) TPSIM_RETURN_IF_ERROR(out.Write(n, n));
    return out.Commit();
  }

  fs::path root_;
  std::string target_;
};

TEST_F(OutputDirTest, CreatesTheTargetWithAMarkerNamingItsFiles) {
  ASSERT_TRUE(WriteAndCommit({"trace.json", "tp2/rank0.csv"}).ok());
  EXPECT_EQ(Tree(target_), (std::vector<std::string>{".tpsim-output", "tp2", "tp2/rank0.csv", "trace.json"}));
  EXPECT_EQ(Read(target_ + "/tp2/rank0.csv"), "tp2/rank0.csv");
  const std::string marker = Read(target_ + "/" + kOutputMarker);
  EXPECT_NE(marker.find("\ntrace.json\n"), std::string::npos) << marker;
  EXPECT_NE(marker.find("\ntp2/rank0.csv\n"), std::string::npos) << marker;
  EXPECT_EQ(Tree(root_), (std::vector<std::string>{"out", "out/.tpsim-output", "out/tp2", "out/tp2/rank0.csv",
                                                   "out/trace.json"}))
      << "nothing may be left beside the target";
}

TEST_F(OutputDirTest, ReplacesItsOwnOutputWhole) {
  ASSERT_TRUE(WriteAndCommit({"rank0.csv", "rank1.csv", "rank2.csv", "rank3.csv"}).ok());
  ASSERT_TRUE(WriteAndCommit({"rank0.csv", "rank1.csv"}).ok());
  EXPECT_EQ(Tree(target_), (std::vector<std::string>{".tpsim-output", "rank0.csv", "rank1.csv"}));
  EXPECT_EQ(Tree(root_).size(), 4u);
}

TEST_F(OutputDirTest, AnEmptyDirectoryIsReplaced) {
  fs::create_directories(target_);
  ASSERT_TRUE(WriteAndCommit({"a"}).ok());
  EXPECT_EQ(Tree(target_), (std::vector<std::string>{".tpsim-output", "a"}));
}

TEST_F(OutputDirTest, ForeignFilesAreRefusedBeforeAnythingIsWritten) {
  fs::create_directories(target_);
  Write(target_ + "/notes.txt", "mine");
  OutputDir out(target_);
  const Status s = out.Write("a", "a");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("holds files tpsim did not write (notes.txt)"), std::string::npos) << s.message();
  EXPECT_EQ(Tree(root_), (std::vector<std::string>{"out", "out/notes.txt"}));
}

TEST_F(OutputDirTest, OwnOutputWithAnAddedFileIsForeign) {
  ASSERT_TRUE(WriteAndCommit({"a"}).ok());
  fs::create_directories(target_ + "/sub");
  Write(target_ + "/sub/x", "x");
  EXPECT_EQ(WriteAndCommit({"a"}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Read(target_ + "/sub/x"), "x");
}

TEST_F(OutputDirTest, AForgedMarkerWithoutTheHeaderIsNotTpsims) {
  fs::create_directories(target_);
  Write(target_ + "/" + kOutputMarker, "precious\n");
  Write(target_ + "/precious", "data");
  EXPECT_EQ(WriteAndCommit({"a"}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Read(target_ + "/precious"), "data");
}

TEST_F(OutputDirTest, FilesSymlinksAndDotAreRefused) {
  Write(target_, "a file");
  EXPECT_EQ(WriteAndCommit({"a"}).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Read(target_), "a file");
  fs::remove(target_);
  fs::create_directories(root_ / "real");
  fs::create_directory_symlink(root_ / "real", target_);
  EXPECT_EQ(WriteAndCommit({"a"}).code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(fs::is_empty(root_ / "real"));
  for (const char* bad : {".", "..", "/"}) {
    OutputDir out(bad);
    EXPECT_FALSE(out.Write("a", "a").ok()) << bad;
  }
}

// The target changed between the start and the commit (another process committed meanwhile): refused,
// the other output untouched, and the staging directory gone.
TEST_F(OutputDirTest, AConcurrentWriterWinsTheOtherIsRefused) {
  OutputDir slow(target_);
  ASSERT_TRUE(slow.Write("a", "slow").ok());
  ASSERT_TRUE(WriteAndCommit({"a"}).ok());  // the fast one
  const Status s = slow.Commit();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("written by another process"), std::string::npos);
  EXPECT_EQ(Read(target_ + "/a"), "a");
  // Also when the target existed at the start and was replaced meanwhile.
  OutputDir slow2(target_);
  ASSERT_TRUE(slow2.Write("a", "slow").ok());
  ASSERT_TRUE(WriteAndCommit({"a", "b"}).ok());
  EXPECT_EQ(slow2.Commit().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Tree(target_), (std::vector<std::string>{".tpsim-output", "a", "b"}));
}

TEST_F(OutputDirTest, AnAbandonedOutputLeavesNothing) {
  {
    OutputDir out(target_);
    ASSERT_TRUE(out.Write("a", "a").ok());
  }
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(OutputDirTest, MissingParentsAreCreatedAndTheModeFollowsTheUmask) {
  const std::string deep = (root_ / "x" / "y" / "out").string();
  OutputDir out(deep);
  ASSERT_TRUE(out.Write("a", "a").ok());
  ASSERT_TRUE(out.Commit().ok());
  const mode_t mask = umask(022);
  umask(mask);
  EXPECT_EQ(fs::status(deep).permissions() & fs::perms::all, static_cast<fs::perms>(0777 & ~mask));
}

TEST_F(OutputDirTest, UnderAFileIsNotFound) {
  Write(root_ / "file", "");
  OutputDir out((root_ / "file" / "out").string());
  EXPECT_EQ(out.Write("a", "a").code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace tpsim
