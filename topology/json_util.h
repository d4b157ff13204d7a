// Small helpers shared by the topology/ readers: read a whole file, parse JSON without letting
// nlohmann exceptions escape, and read typed fields with one-line InvalidArgument messages that name
// the file ("gpus/rtx4090.json: field 'sm_count' must be an integer").
#ifndef TPSIM_TOPOLOGY_JSON_UTIL_H_
#define TPSIM_TOPOLOGY_JSON_UTIL_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/status_or.h"

namespace tpsim::json_util {

// The whole file; NotFound when it cannot be opened.
StatusOr<std::string> ReadFile(const std::string& path);
bool FileExists(const std::string& path);
// Sorted stems of the *.json files in `dir` ("rtx4090" for rtx4090.json); empty when `dir` is missing.
std::vector<std::string> JsonStems(const std::string& dir);

// Parses `text`; `what` names the input in the message.
StatusOr<nlohmann::json> Parse(const std::string& text, const std::string& what);

// Typed reads of obj[field]. When the field is absent, `fallback` is returned (Get*) or an error is
// raised (Require*). A present field of the wrong type is always an error.
StatusOr<double> GetNumber(const nlohmann::json& obj, const char* field, double fallback,
                           const std::string& what);
StatusOr<long long> GetInt(const nlohmann::json& obj, const char* field, long long fallback,
                           const std::string& what);
StatusOr<bool> GetBool(const nlohmann::json& obj, const char* field, bool fallback, const std::string& what);
StatusOr<std::string> GetString(const nlohmann::json& obj, const char* field, const std::string& fallback,
                                const std::string& what);
StatusOr<long long> RequireInt(const nlohmann::json& obj, const char* field, const std::string& what);
StatusOr<std::string> RequireString(const nlohmann::json& obj, const char* field, const std::string& what);

}  // namespace tpsim::json_util

#endif  // TPSIM_TOPOLOGY_JSON_UTIL_H_
