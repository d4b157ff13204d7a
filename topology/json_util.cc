#include "topology/json_util.h"

#include "sim/base/input_util.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

namespace tpsim::json_util {

StatusOr<std::string> ReadFile(const std::string& path) {
  // Topology presets, GPU specs and `nvidia-smi topo -m` text are a few KiB; 16 MiB bounds a hostile
  // or mistaken path (a huge file, a device, a FIFO is refused by InputFile).
  constexpr std::uint64_t kMaxBytes = 16ull << 20;
  return ReadWholeFile(path, kMaxBytes);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> JsonStems(const std::string& dir) {
  std::vector<std::string> stems;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return stems;
  constexpr std::string_view kExt = ".json";
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > kExt.size() && name.compare(name.size() - kExt.size(), kExt.size(), kExt) == 0) {
      stems.push_back(name.substr(0, name.size() - kExt.size()));
    }
  }
  ::closedir(d);
  std::sort(stems.begin(), stems.end());
  return stems;
}

StatusOr<nlohmann::json> Parse(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann messages are one line: "[json.exception.parse_error.101] parse error at line 1, ..."
    return Status::InvalidArgument(what + ": not valid JSON (" + e.what() + ")");
  }
}

namespace {

Status TypeError(const char* field, const char* type, const std::string& what) {
  return Status::InvalidArgument(what + ": field '" + field + "' must be " + type);
}

}  // namespace

StatusOr<double> GetNumber(const nlohmann::json& obj, const char* field, double fallback,
                           const std::string& what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_number()) return TypeError(field, "a number", what);
  return it->get<double>();
}

StatusOr<long long> GetInt(const nlohmann::json& obj, const char* field, long long fallback,
                           const std::string& what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return TypeError(field, "an integer", what);
  return it->get<long long>();
}

StatusOr<bool> GetBool(const nlohmann::json& obj, const char* field, bool fallback, const std::string& what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return TypeError(field, "true or false", what);
  return it->get<bool>();
}

StatusOr<std::string> GetString(const nlohmann::json& obj, const char* field, const std::string& fallback,
                                const std::string& what) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_string()) return TypeError(field, "a string", what);
  return it->get<std::string>();
}

StatusOr<long long> RequireInt(const nlohmann::json& obj, const char* field, const std::string& what) {
  if (!obj.contains(field)) {
    return Status::InvalidArgument(what + ": missing field '" + field + "'");
  }
  return GetInt(obj, field, 0, what);
}

StatusOr<std::string> RequireString(const nlohmann::json& obj, const char* field, const std::string& what) {
  if (!obj.contains(field)) {
    return Status::InvalidArgument(what + ": missing field '" + field + "'");
  }
  return GetString(obj, field, "", what);
}

}  // namespace tpsim::json_util
