// One parser per value type: counts as vLLM's human_readable_int reads them (lower-case suffixes
// decimal, upper-case binary), byte sizes, Python-like ints and floats, booleans, and argparse's
// error words.
#include "sim/flags/value_parsers.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace tpsim::flags {
namespace {

std::int64_t Count(const char* text) {
  StatusOr<std::int64_t> v = ParseCount(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : -1;
}

Bytes Size(const char* text) {
  StatusOr<Bytes> v = ParseByteSize(text);
  EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
  return v.ok() ? *v : -1;
}

TEST(ParseCountTest, SuffixesAsVllmReadsThem) {
  EXPECT_EQ(Count("32768"), 32768);
  EXPECT_EQ(Count("32k"), 32000);
  EXPECT_EQ(Count("32K"), 32768);
  EXPECT_EQ(Count("1m"), 1000000);
  EXPECT_EQ(Count("1M"), 1048576);
  EXPECT_EQ(Count("2g"), 2000000000);
  EXPECT_EQ(Count("2G"), std::int64_t{2} << 30);
  EXPECT_EQ(Count("1t"), 1000000000000);
  EXPECT_EQ(Count("1T"), std::int64_t{1} << 40);
  EXPECT_EQ(Count("25.6k"), 25600);    // vLLM's own docstring example
  EXPECT_EQ(Count("1.0001k"), 1000);   // int(float(x) * mult) truncates
  EXPECT_EQ(Count(" 8192 "), 8192);    // value.strip()
  EXPECT_EQ(Count("1_024"), 1024);     // Python int()
  EXPECT_EQ(Count("-5"), -5);          // int() takes a sign; the range check refuses it later
}

TEST(ParseCountTest, RefusalsInVllmsWords) {
  StatusOr<std::int64_t> frac = ParseCount("1.5K");
  ASSERT_FALSE(frac.ok());
  EXPECT_EQ(frac.status().message(),
            "Decimals are not allowed with binary suffixes like K. Did you mean to use 1.5k instead?");
  for (const char* bad : {"32x", "4096.5", "k", "1kk", "1e3", "", "-1k", "1__0", "_1", "0x10", "1 k"}) {
    StatusOr<std::int64_t> v = ParseCount(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().message().rfind("invalid human_readable_int value: '", 0), 0u) << v.status().message();
  }
  EXPECT_FALSE(ParseCount("99999999999999999999").ok());
  EXPECT_FALSE(ParseCount("9999999999T").ok());  // 2^40 x 10^10 overflows int64
}

TEST(ParseByteSizeTest, UnitsAndVllmSuffixes) {
  EXPECT_EQ(Size("1073741824"), kGiB);
  EXPECT_EQ(Size("8GiB"), 8 * kGiB);
  EXPECT_EQ(Size("8G"), 8 * kGiB);
  EXPECT_EQ(Size("8g"), 8'000'000'000);  // vLLM: human_readable_int on kv_cache_memory_bytes
  EXPECT_EQ(Size("512MiB"), 512 * kMiB);
  EXPECT_EQ(Size("512M"), 512 * kMiB);
  EXPECT_EQ(Size("1.5G"), 3 * kGiB / 2);
  EXPECT_EQ(Size("1.5GiB"), 3 * kGiB / 2);
  EXPECT_EQ(Size("4KiB"), 4096);
  EXPECT_EQ(Size("2TiB"), std::int64_t{2} << 40);
  EXPECT_EQ(Size("100B"), 100);
  EXPECT_EQ(Size("0"), 0);
  EXPECT_EQ(Size("9223372036854775807"), std::numeric_limits<Bytes>::max());
}

TEST(ParseByteSizeTest, Refusals) {
  for (const char* bad : {"-1G", "1e30", "8.9e18", "nanG", "12XB", "lots", "8GB", "8 GiB", "1.5", "1.5B",
                          "9223372036854775808", "9000000000G", ""}) {
    StatusOr<Bytes> v = ParseByteSize(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(v.status().message().find(std::string("'") + bad + "'"), std::string::npos) << v.status().message();
  }
}

TEST(ParseIntegerTest, PythonIntForms) {
  EXPECT_EQ(*ParseInteger("+4"), 4);
  EXPECT_EQ(*ParseInteger("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(*ParseInteger("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(ParseInteger("4.5").status().message(), "invalid int value: '4.5'");
  EXPECT_EQ(ParseInteger("9223372036854775808").status().message(),
            "invalid int value: '9223372036854775808' (out of range)");
  for (const char* bad : {"", "abc", "1k", "--1", "+", "1_"}) EXPECT_FALSE(ParseInteger(bad).ok()) << bad;
}

TEST(ParseRealTest, PythonFloatForms) {
  EXPECT_DOUBLE_EQ(*ParseReal("0.9"), 0.9);
  EXPECT_DOUBLE_EQ(*ParseReal("+.5"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseReal("1e-3"), 1e-3);
  EXPECT_TRUE(std::isnan(*ParseReal("nan")));
  EXPECT_TRUE(std::isinf(*ParseReal("inf")));
  EXPECT_EQ(*ParseReal("1e-400"), 0.0);  // float('1e-400') == 0.0
  EXPECT_TRUE(std::isinf(*ParseReal("1e400")));
  EXPECT_EQ(ParseReal("ninety").status().message(), "invalid float value: 'ninety'");
  for (const char* bad : {"", "0x1p3", "1,5", "++1", "0.9.1"}) EXPECT_FALSE(ParseReal(bad).ok()) << bad;
}

TEST(ParseBoolTest, TrueFalseOneZero) {
  for (const char* t : {"true", "True", "TRUE", "1"}) EXPECT_TRUE(*ParseBool(t)) << t;
  for (const char* f : {"false", "False", "0"}) EXPECT_FALSE(*ParseBool(f)) << f;
  for (const char* bad : {"yes", "no", "2", "", "maybe"}) EXPECT_FALSE(ParseBool(bad).ok()) << bad;
}

TEST(ParseValueTest, DispatchesAndFormatsLikeArgparse) {
  EXPECT_EQ(std::get<std::int64_t>(*ParseValue(ValueType::kCount, "8k")), 8000);
  EXPECT_EQ(std::get<std::string>(*ParseValue(ValueType::kChoice, "fp8")), "fp8");
  const Status s = FormatValueError("argument --max-model-len", ParseValue(ValueType::kCount, "32x").status());
  EXPECT_EQ(s.message(), "argument --max-model-len: invalid human_readable_int value: '32x'");
  EXPECT_EQ(ValueToText(FlagValue(0.9)), "0.9");
  EXPECT_EQ(ValueToText(FlagValue(std::int64_t{16})), "16");
  EXPECT_EQ(ValueToText(FlagValue(true)), "true");
}

}  // namespace
}  // namespace tpsim::flags
