#include "sim/base/input_util.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/sim/model/model_test_util.h"

namespace tpsim {
namespace {

using testing_model::ScratchDir;
using testing_model::WriteFile;

TEST(OneLineTest, EscapesControlCharactersAndTruncates) {
  EXPECT_EQ(OneLine("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  EXPECT_EQ(OneLine(std::string("x\0y\x7f", 4)), "x\\x00y\\x7f");
  EXPECT_EQ(OneLine("abcdef", 3), "abc...");
  EXPECT_EQ(OneLine("Qwen3-ÄÖ"), "Qwen3-ÄÖ");  // UTF-8 kept
}

TEST(DescribeJsonTest, NamesTypesWithoutDescending) {
  using nlohmann::json;
  EXPECT_EQ(DescribeJson(json("a\nb")), "\"a\\nb\" (string)");
  EXPECT_EQ(DescribeJson(json(-3)), "-3");
  EXPECT_EQ(DescribeJson(json(40.5)), "40.5 (float)");
  EXPECT_EQ(DescribeJson(json(true)), "true (bool)");
  EXPECT_EQ(DescribeJson(json(nullptr)), "null");
  EXPECT_EQ(DescribeJson(json::array({1, 2})), "an array");
  EXPECT_EQ(DescribeJson(json::object()), "an object");
}

TEST(ParseJsonTest, ReportsWhereTheSyntaxBreaks) {
  StatusOr<nlohmann::json> ok = ParseJson(R"({"a": [1, 2]})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)["a"][1], 2);

  StatusOr<nlohmann::json> bad = ParseJson("{\n  \"a\": 1,\n  \"b\": nope\n}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().message();
  EXPECT_EQ(bad.status().message().find('\n'), std::string::npos);
  EXPECT_EQ(bad.status().message().find("json.exception"), std::string::npos);

  // Deep nesting is parsed without recursion and refused or accepted without crashing.
  std::string deep(200000, '[');
  EXPECT_FALSE(ParseJson(deep).ok());
  StatusOr<nlohmann::json> nested = ParseJson(deep + std::string(200000, ']'));
  EXPECT_TRUE(nested.ok());

  EXPECT_FALSE(ParseJson("").ok());
  EXPECT_FALSE(ParseJson("{} trailing").ok());
}

TEST(InputFileTest, ReadsRangesAndRefusesShortFilesAndSizeLimits) {
  ScratchDir tmp;
  WriteFile(tmp / "f", "0123456789");
  StatusOr<InputFile> f = InputFile::Open(tmp / "f");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->size(), 10u);
  std::string out;
  ASSERT_TRUE(f->ReadAt(3, 4, &out).ok());
  EXPECT_EQ(out, "3456");
  Status short_read = f->ReadAt(8, 4, &out);
  EXPECT_EQ(short_read.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(short_read.message().find("file ended at byte 10"), std::string::npos)
      << short_read.message();

  StatusOr<std::string> whole = ReadWholeFile(tmp / "f", 10);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, "0123456789");
  StatusOr<std::string> limited = ReadWholeFile(tmp / "f", 9);
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.status().message().find("more than the 9-byte limit"), std::string::npos);

  EXPECT_EQ(InputFile::Open(tmp / "missing").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(InputFile::Open("/dev/null").status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tpsim
