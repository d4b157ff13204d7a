#include <cstdio>

#include "tools/tpsim/commands.h"

namespace tpsim::cli {

int RunShard(const Args& args) {
  std::fprintf(stderr, "tpsim shard: not built yet\n");
  return 1;
}

}  // namespace tpsim::cli
