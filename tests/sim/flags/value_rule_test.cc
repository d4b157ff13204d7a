// Ranges and choices: the one range check of a flag and the messages it gives.
#include "sim/flags/value_rule.h"

#include <cmath>

#include <gtest/gtest.h>

namespace tpsim::flags {
namespace {

std::string Message(std::string_view name, const ValueRule& rule, FlagValue v) {
  const Status s = CheckValue(name, rule, v);
  return s.ok() ? "OK" : s.message();
}

TEST(CheckValueTest, GeneratedRangeMessages) {
  EXPECT_EQ(Message("tensor-parallel-size", IntegerRule(Between(1, 64)), std::int64_t{0}),
            "--tensor-parallel-size must be between 1 and 64, got 0");
  EXPECT_EQ(Message("tensor-parallel-size", IntegerRule(Between(1, 64)), std::int64_t{64}), "OK");
  EXPECT_EQ(Message("block-size", IntegerRule(PowerOfTwoBetween(1, 256)), std::int64_t{24}),
            "--block-size must be a power of two between 1 and 256, got 24");
  EXPECT_EQ(Message("block-size", IntegerRule(PowerOfTwoBetween(1, 256)), std::int64_t{512}),
            "--block-size must be a power of two between 1 and 256, got 512");
  EXPECT_EQ(Message("block-size", IntegerRule(PowerOfTwoBetween(1, 256)), std::int64_t{32}), "OK");
  EXPECT_EQ(Message("max-model-len", CountRule(AtLeast(1)), std::int64_t{-5}), "--max-model-len must be positive, got -5");
  EXPECT_EQ(Message("kv-cache-memory", BytesRule(AtLeast(0)), std::int64_t{-1}),
            "--kv-cache-memory must be non-negative, got -1");
  EXPECT_EQ(Message("gpu-memory-total-gib", RealRule(OpenBetween(0.5, 4096)), 0.5),
            "--gpu-memory-total-gib must be in (0.5, 4096), got 0.500000");
  EXPECT_EQ(Message("f", RealRule(AboveUpTo(0, 1)), 1.0), "OK");
  EXPECT_EQ(Message("f", RealRule(AboveUpTo(0, 1)), 0.0), "--f must be in (0, 1], got 0.000000");
}

TEST(CheckValueTest, NanAndInfinityAreOutOfEveryFiniteRange) {
  EXPECT_NE(Message("f", RealRule(AboveUpTo(0, 1)), std::nan("")), "OK");
  EXPECT_NE(Message("f", RealRule(AtLeast(0)), -HUGE_VAL), "OK");
  EXPECT_NE(Message("f", RealRule(OpenBetween(0.5, 4096)), HUGE_VAL), "OK");
}

TEST(CheckValueTest, ChoicesAndTheNoneChoice) {
  ValueRule q = ChoiceRule({"awq", "fp8"});
  EXPECT_EQ(Message("quantization", q, std::string("gguf")), "invalid --quantization 'gguf' (choose from awq, fp8)");
  EXPECT_EQ(Message("quantization", q, std::string("")), "invalid --quantization '' (choose from awq, fp8)");
  q.none_choice = "auto";
  EXPECT_EQ(Message("quantization", q, std::string("")), "OK");  // stored "" = not given
  EXPECT_EQ(Message("quantization", q, std::string("fp8")), "OK");
}

TEST(CheckValueTest, OwnWordsAndExtraChecks) {
  ValueRule r = RealRule(AboveUpTo(0, 1));
  r.range_message = [](const FlagValue& v) { return "custom " + ValueToText(v); };
  EXPECT_EQ(Message("x", r, 2.0), "custom 2");
  ValueRule t = TextRule();
  t.check = [](const FlagValue& v) {
    return std::get<std::string>(v) == "ok" ? Status::Ok() : Status::InvalidArgument("not ok");
  };
  EXPECT_EQ(Message("x", t, std::string("ok")), "OK");
  EXPECT_EQ(Message("x", t, std::string("no")), "not ok");
}

}  // namespace
}  // namespace tpsim::flags
