// ErrorKind: the verdicts a run can end in ("vLLM would fail here") and the rows a tune or sweep
// could not run. One enum and one name function: the names are what the JSON and CSV outputs print
// ("kind": "kv_cache_too_small"), written only in error_kind.cc. to_json/from_json let nlohmann write
// and read a kind as its name.
#ifndef TPSIM_SIM_BASE_ERROR_KIND_H_
#define TPSIM_SIM_BASE_ERROR_KIND_H_

#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace tpsim {

enum class ErrorKind {
  kNone,                    // "": the run started (or the row ran)
  kOom,                     // "oom": an allocation failed (torch.OutOfMemoryError)
  kInsufficientFreeMemory,  // "insufficient_free_memory": V1's free-memory check at start-up
  kNoKvMemory,              // "no_kv_memory": nothing left for the KV cache
  kKvCacheTooSmall,         // "kv_cache_too_small": one request of max_model_len does not fit
  kInvalidConfig,           // "invalid_config": vLLM rejects the flags (tune and sweep rows)
  kOtherRankFailed,         // "other_rank_failed": this rank started, another did not (measure)
};

std::string_view ErrorKindName(ErrorKind kind);
// The kind of a name ErrorKindName prints; nullopt for any other text.
std::optional<ErrorKind> ErrorKindFromName(std::string_view name);

// As its name. from_json throws nlohmann's type_error (302) for a name that is no kind.
void to_json(nlohmann::json& j, ErrorKind kind);
void to_json(nlohmann::ordered_json& j, ErrorKind kind);
void from_json(const nlohmann::json& j, ErrorKind& kind);
void from_json(const nlohmann::ordered_json& j, ErrorKind& kind);

}  // namespace tpsim

#endif  // TPSIM_SIM_BASE_ERROR_KIND_H_
