// tpsim: vLLM start-up replayed on every tensor-parallel rank. main() dispatches to a subcommand inside
// a ProcessGuard (process_guard.h: one-line fatal errors, checked standard output, mpirun agreement,
// only rank 0 printing, deadlines at the end).
#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>

#include "tools/tpsim/commands.h"
#include "tools/tpsim/process_guard.h"

namespace {

void PrintUsage(std::ostream& out) {
  out << "usage: tpsim <command> [options]   (tpsim <command> --help for its options)\n\n";
  for (const auto& c : tpsim::cli::Commands()) {
    std::string name = c.name;
    name.resize(std::max<std::size_t>(name.size(), 9), ' ');
    out << "  " << name << " " << c.summary << "\n";
  }
  out << "\nexit codes: 0 an answer was computed (also \"vLLM would fail\"), 1 internal error, 2 bad input\n";
}

int Dispatch(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? std::cerr : std::cout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const auto& c : tpsim::cli::Commands()) {
    if (name == c.name) return c.run(tpsim::cli::Args(argv + 2, argv + argc));
  }
  std::cerr << "tpsim: unknown command '" << name << "' (try tpsim --help)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  tpsim::cli::ProcessGuard guard(argc, argv);
  if (guard.early_exit_code() >= 0) return guard.Finish(guard.early_exit_code());
  return guard.Finish(guard.Run([&] { return Dispatch(argc, argv); }));
}
