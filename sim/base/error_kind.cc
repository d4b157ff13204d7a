#include "sim/base/error_kind.h"

#include <string>

#include <nlohmann/json.hpp>

namespace tpsim {

namespace {

struct KindName {
  ErrorKind kind;
  std::string_view name;
};

constexpr KindName kNames[] = {
    {ErrorKind::kNone, ""},
    {ErrorKind::kOom, "oom"},
    {ErrorKind::kInsufficientFreeMemory, "insufficient_free_memory"},
    {ErrorKind::kNoKvMemory, "no_kv_memory"},
    {ErrorKind::kKvCacheTooSmall, "kv_cache_too_small"},
    {ErrorKind::kInvalidConfig, "invalid_config"},
    {ErrorKind::kOtherRankFailed, "other_rank_failed"},
};

template <typename Json>
void Read(const Json& j, ErrorKind& kind) {
  const std::string name = j.template get<std::string>();
  const std::optional<ErrorKind> parsed = ErrorKindFromName(name);
  if (!parsed) {
    std::string what = "unknown error kind '";
    what.append(name).append("'");
    throw nlohmann::detail::type_error::create(302, what, &j);
  }
  kind = *parsed;
}

}  // namespace

std::string_view ErrorKindName(ErrorKind kind) {
  for (const KindName& k : kNames) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

std::optional<ErrorKind> ErrorKindFromName(std::string_view name) {
  for (const KindName& k : kNames) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

void to_json(nlohmann::json& j, ErrorKind kind) { j = std::string(ErrorKindName(kind)); }
void to_json(nlohmann::ordered_json& j, ErrorKind kind) { j = std::string(ErrorKindName(kind)); }
void from_json(const nlohmann::json& j, ErrorKind& kind) { Read(j, kind); }
void from_json(const nlohmann::ordered_json& j, ErrorKind& kind) { Read(j, kind); }

}  // namespace tpsim
