#include "sim/base/error_kind.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace tpsim {
namespace {

constexpr ErrorKind kAll[] = {ErrorKind::kNone,          ErrorKind::kOom,
                              ErrorKind::kInsufficientFreeMemory, ErrorKind::kNoKvMemory,
                              ErrorKind::kKvCacheTooSmall, ErrorKind::kInvalidConfig,
                              ErrorKind::kOtherRankFailed};

TEST(ErrorKindTest, NamesAreTheOutputsStrings) {
  EXPECT_EQ(ErrorKindName(ErrorKind::kNone), "");
  EXPECT_EQ(ErrorKindName(ErrorKind::kOom), "oom");
  EXPECT_EQ(ErrorKindName(ErrorKind::kInsufficientFreeMemory), "insufficient_free_memory");
  EXPECT_EQ(ErrorKindName(ErrorKind::kNoKvMemory), "no_kv_memory");
  EXPECT_EQ(ErrorKindName(ErrorKind::kKvCacheTooSmall), "kv_cache_too_small");
  EXPECT_EQ(ErrorKindName(ErrorKind::kInvalidConfig), "invalid_config");
  EXPECT_EQ(ErrorKindName(ErrorKind::kOtherRankFailed), "other_rank_failed");
  std::set<std::string_view> names;
  for (ErrorKind k : kAll) {
    names.insert(ErrorKindName(k));
    EXPECT_EQ(ErrorKindFromName(ErrorKindName(k)), k);
  }
  EXPECT_EQ(names.size(), std::size(kAll));
  EXPECT_FALSE(ErrorKindFromName("OOM").has_value());
}

TEST(ErrorKindTest, JsonCarriesTheName) {
  nlohmann::json j = {{"kind", ErrorKind::kKvCacheTooSmall}};
  EXPECT_EQ(j.dump(), R"({"kind":"kv_cache_too_small"})");
  nlohmann::ordered_json o;
  o["error_kind"] = ErrorKind::kInvalidConfig;
  EXPECT_EQ(o.dump(), R"({"error_kind":"invalid_config"})");
  ErrorKind back = ErrorKind::kNone;
  j.at("kind").get_to(back);
  EXPECT_EQ(back, ErrorKind::kKvCacheTooSmall);
  EXPECT_THROW(nlohmann::json("exploded").get_to(back), nlohmann::json::type_error);
  EXPECT_THROW(nlohmann::json(3).get_to(back), nlohmann::json::type_error);
}

}  // namespace
}  // namespace tpsim
