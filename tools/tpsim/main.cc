// tpsim: vLLM start-up replayed on every tensor-parallel rank. main() only dispatches to a subcommand.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/tpsim/commands.h"

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: tpsim <command> [options]   (tpsim <command> --help for its options)\n\n");
  for (const auto& c : tpsim::cli::Commands()) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nexit codes: 0 an answer was computed (also \"vLLM would fail\"), 1 internal error, "
               "2 bad input\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const auto& c : tpsim::cli::Commands()) {
    if (name == c.name) return c.run(tpsim::cli::Args(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "tpsim: unknown command '%s' (try tpsim --help)\n", name.c_str());
  return 2;
}
