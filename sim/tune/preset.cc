#include "sim/tune/preset.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tpsim {

namespace {

std::string Trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

}  // namespace

StatusOr<SweepPreset> ParseSweepPreset(const std::string& text, const std::string& name) {
  SweepPreset p;
  p.name = name;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const std::string where = "preset " + name + " line " + std::to_string(number) + ": ";
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument(where + "expected key = value");
    const std::string key = Trim(line.substr(0, eq));
    const std::string value = Trim(line.substr(eq + 1));
    if (key == "name") {
      p.name = value;
    } else if (key == "description") {
      p.description = value;
    } else if (key == "grid") {
      p.grid += (p.grid.empty() ? "" : " ") + value;
    } else if (key == "findings") {
      if (value != "seed-study" && value != "none") {
        return Status::InvalidArgument(where + "findings must be seed-study or none, got '" + value + "'");
      }
      p.findings = value;
    } else {
      return Status::InvalidArgument(where + "unknown key '" + key +
                                     "' (name, description, grid, findings)");
    }
  }
  if (p.grid.empty()) return Status::InvalidArgument("preset " + name + " has no grid line");
  return p;
}

StatusOr<SweepPreset> LoadSweepPreset(const std::string& name_or_path, const std::string& configs_dir) {
  namespace fs = std::filesystem;
  const bool bare = name_or_path.find('/') == std::string::npos &&
                    name_or_path.find('.') == std::string::npos;
  const fs::path dir = fs::path(configs_dir) / "presets";
  const fs::path path = bare ? dir / (name_or_path + ".ini") : fs::path(name_or_path);
  std::ifstream in(path);
  if (!in) {
    std::string known;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".ini") known += (known.empty() ? "" : ", ") + e.path().stem().string();
    }
    return Status::NotFound("unknown preset '" + name_or_path + "' (no " + path.string() +
                            "; bundled: " + (known.empty() ? "none" : known) + ")");
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseSweepPreset(text.str(), path.stem().string());
}

}  // namespace tpsim
