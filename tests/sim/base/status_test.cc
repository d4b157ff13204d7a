#include "sim/base/status.h"

#include <gtest/gtest.h>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  TPSIM_ASSIGN_OR_RETURN(int h, Half(x));
  TPSIM_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(StatusTest, ExitCodesFollowTheContract) {
  EXPECT_EQ(Status::Ok().ExitCode(), 0);
  EXPECT_EQ(Status::ResourceExhausted("kv").ExitCode(), 0);
  EXPECT_EQ(Status::InvalidArgument("x").ExitCode(), 2);
  EXPECT_EQ(Status::NotFound("x").ExitCode(), 2);
  EXPECT_EQ(Status::Internal("x").ExitCode(), 1);
}

TEST(StatusTest, AssignOrReturnPropagatesTheFirstError) {
  int out = 0;
  EXPECT_TRUE(Quarter(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = Quarter(6, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: odd");
  EXPECT_EQ(s.WithContext("config.json").message(), "config.json: odd");
}

TEST(UnitsTest, FormatsLikeVllm) {
  EXPECT_EQ(FormatThousands(1096000), "1,096,000");
  EXPECT_EQ(FormatThousands(512), "512");
  EXPECT_EQ(FormatGiB(kGiB * 3 / 2, 2), "1.50 GiB");
  EXPECT_EQ(RoundUp(10 * kMiB + 1, 2 * kMiB), 12 * kMiB);
}

}  // namespace
}  // namespace tpsim
