// The streaming of Sweep (sim/tune/sweep_stream.cc): grid order whatever the threads, a sink error
// stops the sweep early, flush points, and the distributed form over several rounds.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "sim/model/model_config.h"
#include "sim/tune/sweep.h"

namespace tpsim {
namespace {

std::string Values(int n) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += (i > 1 ? "," : "") + std::to_string(i * 512);
  return s;
}

// tp 3 does not divide the model's 64 heads: every row is "invalid", computed in microseconds, so that
// grids of hundreds of rows stay fast.
std::unique_ptr<Sweep> CheapSweep(int rows) {
  auto g = ParseGrid("tp=3 max_model_len=" + Values(rows));
  EXPECT_TRUE(g.ok());
  auto s = Sweep::Create(EngineArgs(), *g, DefaultConfigsDir());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

TEST(SweepStreamTest, RowsInGridOrderForAnyNumberOfThreads) {
  auto sweep = CheapSweep(300);
  for (int jobs : {1, 2, 7}) {
    std::vector<std::int64_t> seen;
    std::int64_t last_done = 0;
    const Status s = sweep->StreamAll(
        jobs, [&](const SweepRow& r) { seen.push_back(r.index); return Status::Ok(); },
        [&](std::int64_t done, std::int64_t total) {
          EXPECT_EQ(done, last_done + 1);
          EXPECT_EQ(total, 300);
          last_done = done;
        });
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(seen.size(), 300u);
    for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], static_cast<std::int64_t>(i)) << jobs;
  }
}

// The sink's error is returned and no further row reaches it; the flush hook runs at the end.
TEST(SweepStreamTest, SinkErrorStopsTheSweep) {
  auto sweep = CheapSweep(300);
  int rows = 0, flushes = 0;
  const Status s = sweep->StreamAll(
      2, [&](const SweepRow&) { return ++rows == 10 ? Status::Internal("disk full") : Status::Ok(); }, nullptr,
      [&] { ++flushes; return Status::Ok(); });
  EXPECT_EQ(s.message(), "disk full");
  EXPECT_EQ(rows, 10);
  int rows2 = 0, flushes2 = 0;
  ASSERT_TRUE(sweep->StreamAll(2, [&](const SweepRow&) { ++rows2; return Status::Ok(); }, nullptr,
                               [&] { ++flushes2; return Status::Ok(); })
                  .ok());
  EXPECT_EQ(rows2, 300);
  EXPECT_GE(flushes2, 1);
  EXPECT_LE(flushes2, 301);
}

// Over several rounds (kRoundRowsPerProcess rows per process each) rank 0 gets every row in grid
// order; other ranks' sinks are never called; a sink error at rank 0 stops every process.
TEST(SweepStreamTest, DistributedOverRoundsAndStoppedEverywhere) {
  constexpr int kProcs = 3;
  const int rows = static_cast<int>(Sweep::kRoundRowsPerProcess) * kProcs * 4 + 7;  // 4 full rounds and a bit
  auto sweep = CheapSweep(rows);
  for (int fail_at : {-1, 60}) {
    InProcessHub hub(kProcs);
    std::vector<Status> result(kProcs);
    std::vector<std::vector<std::int64_t>> seen(kProcs);
    std::vector<std::thread> procs;
    for (int p = 0; p < kProcs; ++p) {
      procs.emplace_back([&, p] {
        auto pg = hub.View(p);
        result[p] = sweep->StreamDistributed(*pg, 1, [&, p](const SweepRow& r) {
          seen[p].push_back(r.index);
          return static_cast<int>(seen[p].size()) == fail_at ? Status::Internal("stop") : Status::Ok();
        });
      });
    }
    for (auto& t : procs) t.join();
    if (fail_at < 0) {
      for (int p = 0; p < kProcs; ++p) ASSERT_TRUE(result[p].ok()) << p << ": " << result[p].ToString();
      ASSERT_EQ(seen[0].size(), static_cast<std::size_t>(rows));
      for (int i = 0; i < rows; ++i) ASSERT_EQ(seen[0][i], i);
    } else {
      for (int p = 0; p < kProcs; ++p) EXPECT_FALSE(result[p].ok()) << p;
      EXPECT_EQ(seen[0].size(), 60u);
    }
    EXPECT_TRUE(seen[1].empty() && seen[2].empty());
  }
}

}  // namespace
}  // namespace tpsim
