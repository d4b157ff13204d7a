#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "sim/comm/process_group.h"

namespace tpsim {
namespace {

TEST(InProcessGroupTest, CollectivesAgreeAcrossManyRounds) {
  constexpr int kRanks = 8;
  InProcessHub hub(kRanks);
  std::vector<std::int64_t> mins(kRanks), maxs(kRanks);
  std::vector<std::vector<std::string>> gathered(kRanks);
  std::vector<std::thread> threads;
  for (int r = 0; r < kRanks; ++r) {
    threads.emplace_back([&, r] {
      auto pg = hub.View(r);
      for (int round = 0; round < 200; ++round) {  // back-to-back rounds must not mix
        mins[r] = *pg->AllReduceMin(100 + r + round);
        maxs[r] = *pg->AllReduceMax(r * round);
      }
      gathered[r] = *pg->Gather("rank" + std::to_string(r));
      EXPECT_EQ(*pg->Broadcast(r == 0 ? "root" : "other"), "root");
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < kRanks; ++r) {
    EXPECT_EQ(mins[r], 100 + 199);
    EXPECT_EQ(maxs[r], (kRanks - 1) * 199);
  }
  ASSERT_EQ(gathered[0].size(), static_cast<std::size_t>(kRanks));
  EXPECT_EQ(gathered[0][5], "rank5");
  EXPECT_TRUE(gathered[3].empty());
}

}  // namespace
}  // namespace tpsim
