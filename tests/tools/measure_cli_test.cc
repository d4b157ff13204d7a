// tpsim measure without a GPU: one line on stderr, nothing on stdout, exit 2, whatever the build
// (CUDA_VISIBLE_DEVICES is emptied so that a machine with a GPU behaves as one without).
#include <gtest/gtest.h>

#include "tests/testing/cli_run.h"
#include "tests/testing/temp_path.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "tpsim/build_config.h"

namespace {

using tpsim::testing::CliRun;

CliRun Tpsim(const std::string& args) { return tpsim::testing::Tpsim(args, "CUDA_VISIBLE_DEVICES="); }

TEST(MeasureCliTest, WithoutADeviceExitsTwoWithOneLine) {
  for (const char* args : {"measure --tp 1", "measure --tp 4 --json", "measure -- vllm serve Qwen/Qwen3-32B-AWQ"}) {
    SCOPED_TRACE(args);
    const CliRun r = Tpsim(args);
    EXPECT_EQ(r.rc, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "more than one line: " << r.err;
    const std::string want = TPSIM_HAVE_CUDA
                                 ? "tpsim measure: no CUDA device found (measure needs a GPU; use tpsim plan to simulate)\n"
                                 : "tpsim measure: built without CUDA (measure needs a CUDA build and a GPU; use tpsim "
                                   "plan to simulate)\n";
    EXPECT_EQ(r.err, want);
  }
}

TEST(MeasureCliTest, HelpWorksWithoutADevice) {
  const CliRun r = Tpsim("measure --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("--layer-seqs"), std::string::npos);
  EXPECT_NE(r.out.find("--tensor-parallel-size"), std::string::npos);
}

TEST(MeasureCliTest, BadFlagsAreRejectedBeforeLookingForADevice) {
  const CliRun r = Tpsim("measure --no-such-flag");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("tpsim measure: "), std::string::npos);
  EXPECT_EQ(r.err.find("CUDA"), std::string::npos);
}

TEST(MeasureCliTest, ListedInTheUsage) {
  const CliRun r = Tpsim("--help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("measure"), std::string::npos);
}

}  // namespace
