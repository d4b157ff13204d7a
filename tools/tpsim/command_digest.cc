#include "tools/tpsim/command_digest.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>

#include "sim/base/input_util.h"

namespace tpsim::cli {

namespace {

// An INI file read for the digest is at most this large (ParseFlags refuses larger ones anyway).
constexpr std::uint64_t kMaxConfigBytes = 1 << 20;

class Fnv1a {
 public:
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      h_ ^= c;
      h_ *= 0x100000001b3ull;
    }
  }
  // A word with its length, so that ("ab", "c") and ("a", "bc") differ.
  void AddWord(std::string_view w) {
    Add(std::to_string(w.size()) + ":");
    Add(w);
  }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016" PRIx64, h_);
    return buf;
  }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ull;
};

std::string Joined(const std::vector<std::string>& args) {
  std::string s;
  for (const std::string& a : args) {
    if (!s.empty()) s += ' ';
    s += a;
  }
  return "`" + OneLine(s, 120) + "`";
}

}  // namespace

std::string CommandDigest(const std::vector<std::string>& args) {
  Fnv1a h;
  for (std::size_t i = 0; i < args.size(); ++i) {
    h.AddWord(args[i]);
    std::string path;
    if (args[i] == "--config" && i + 1 < args.size()) path = args[i + 1];
    if (args[i].rfind("--config=", 0) == 0) path = args[i].substr(9);
    if (path.empty()) continue;
    StatusOr<std::string> text = ReadWholeFile(path, kMaxConfigBytes);
    h.AddWord(text.ok() ? *text : "unreadable: " + text.status().message());
  }
  return h.Hex();
}

Status AgreeOnCommand(ProcessGroup& pg, const std::vector<std::string>& args) {
  const std::string mine = CommandDigest(args) + "\n" + Joined(args);
  TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> all, pg.Gather(mine));
  std::string verdict;
  for (std::size_t r = 1; r < all.size() && verdict.empty(); ++r) {
    if (all[r].substr(0, 16) == mine.substr(0, 16)) continue;
    const std::size_t nl = all[r].find('\n');
    const std::string theirs = nl == std::string::npos ? "(nothing)" : all[r].substr(nl + 1);
    verdict = "mpirun ranks disagree on the command: rank " + std::to_string(r) + " runs " + OneLine(theirs, 130) +
              ", rank 0 runs " + Joined(args) + " (every rank must be started with the same command line)";
  }
  TPSIM_ASSIGN_OR_RETURN(verdict, pg.Broadcast(verdict));
  if (!verdict.empty()) return Status::InvalidArgument(verdict);
  return Status::Ok();
}

}  // namespace tpsim::cli
