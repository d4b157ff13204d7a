#include "tools/tpsim/command_digest.h"

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "sim/comm/process_group.h"
#include "tests/testing/temp_path.h"

namespace tpsim::cli {
namespace {

TEST(CommandDigestTest, SameWordsSameDigestAnyDifferenceShows) {
  const std::vector<std::string> a = {"plan", "--tp", "2"};
  EXPECT_EQ(CommandDigest(a), CommandDigest(a));
  EXPECT_EQ(CommandDigest(a).size(), 16u);
  EXPECT_NE(CommandDigest(a), CommandDigest({"plan", "--tp", "4"}));
  EXPECT_NE(CommandDigest(a), CommandDigest({"scale", "--tp", "2"}));
  EXPECT_NE(CommandDigest({"ab", "c"}), CommandDigest({"a", "bc"}));
  EXPECT_NE(CommandDigest(a), CommandDigest({"plan", "--tp", "2", "--enforce-eager"}));
}

// A --config file counts by its content, so that hosts with different INI files disagree.
TEST(CommandDigestTest, ConfigFileContentCounts) {
  const std::string path = testing::TempPath("digest.ini");
  std::ofstream(path) << "max-model-len = 8192\n";
  const std::string d1 = CommandDigest({"plan", "--config", path});
  const std::string d1eq = CommandDigest({"plan", "--config=" + path});
  std::ofstream(path) << "max-model-len = 4096\n";
  EXPECT_NE(CommandDigest({"plan", "--config", path}), d1);
  EXPECT_NE(CommandDigest({"plan", "--config=" + path}), d1eq);
  std::filesystem::remove(path);
}

// Over threads standing for ranks: equal command lines agree; one different line makes every rank
// fail, and rank 0's message names that rank and both lines.
TEST(CommandDigestTest, RanksAgreeOrAllFail) {
  constexpr int kRanks = 3;
  for (int odd : {-1, 2}) {
    InProcessHub hub(kRanks);
    std::vector<Status> got(kRanks);
    std::vector<std::thread> threads;
    for (int r = 0; r < kRanks; ++r) {
      threads.emplace_back([&, r] {
        auto pg = hub.View(r);
        got[r] = AgreeOnCommand(*pg, r == odd ? std::vector<std::string>{"plan", "--tp", "4"}
                                              : std::vector<std::string>{"plan", "--tp", "2"});
      });
    }
    for (auto& t : threads) t.join();
    for (int r = 0; r < kRanks; ++r) EXPECT_EQ(got[r].ok(), odd < 0) << "rank " << r << ": " << got[r].ToString();
    if (odd >= 0) {
      EXPECT_EQ(got[0].code(), Status::Code::kInvalidArgument);
      EXPECT_EQ(got[0].message().rfind("mpirun ranks disagree on the command: rank 2 runs `plan --tp 4`, rank 0 "
                                       "runs `plan --tp 2`",
                                       0),
                0u)
          << got[0].message();
    }
  }
}

}  // namespace
}  // namespace tpsim::cli
