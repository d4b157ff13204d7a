#include "sim/engine/config_constants.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

#include "topology/json_util.h"

namespace tpsim {

namespace {

// A file's identity for the cache: (exists, modification time, size).
using FileStamp = std::tuple<bool, std::filesystem::file_time_type, std::uintmax_t>;

FileStamp StampOf(const std::string& path) {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return {false, {}, 0};
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  return {true, mtime, ec ? 0 : size};
}

// configs_dir's files, read afresh.
StatusOr<ConfigConstants> Read(const std::string& configs_dir) {
  ConfigConstants c;
  const std::string nccl_path = configs_dir + "/nccl.json";
  if (StatusOr<std::string> text = json_util::ReadFile(nccl_path); text.ok()) {
    TPSIM_ASSIGN_OR_RETURN(c.comm, ParseCommConstants(*text, "nccl.json"));
    TPSIM_ASSIGN_OR_RETURN(nlohmann::json j, json_util::Parse(*text, "nccl.json"));
    TPSIM_ASSIGN_OR_RETURN(c.nccl_pins, ParseTorchNcclPins(j, "nccl.json"));
  } else if (text.status().code() != Status::Code::kNotFound) {
    return text.status();
  }
  if (StatusOr<std::string> text = json_util::ReadFile(configs_dir + "/engine.json"); text.ok()) {
    TPSIM_ASSIGN_OR_RETURN(c.engine, ParseEngineConstants(*text, "engine.json"));
  } else if (text.status().code() != Status::Code::kNotFound) {
    return text.status();
  }
  return c;
}

struct CacheEntry {
  FileStamp nccl, engine;
  std::shared_ptr<const ConfigConstants> constants;
};

}  // namespace

const ConfigConstants& DefaultConfigConstants() {
  static const ConfigConstants defaults;
  return defaults;
}

StatusOr<std::shared_ptr<const ConfigConstants>> LoadConfigConstants(const std::string& configs_dir) {
  static std::mutex mu;
  static std::map<std::string, CacheEntry> cache;
  const FileStamp nccl = StampOf(configs_dir + "/nccl.json");
  const FileStamp engine = StampOf(configs_dir + "/engine.json");
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(configs_dir);
    if (it != cache.end() && it->second.nccl == nccl && it->second.engine == engine) {
      return it->second.constants;
    }
  }
  TPSIM_ASSIGN_OR_RETURN(ConfigConstants read, Read(configs_dir));
  auto shared = std::make_shared<const ConfigConstants>(std::move(read));
  std::lock_guard<std::mutex> lock(mu);
  cache[configs_dir] = {nccl, engine, shared};
  return shared;
}

}  // namespace tpsim
