// libFuzzer target: a pasted `vllm serve MODEL --flags...` command (`tpsim plan -- vllm serve ...`).
// The input is split into words at whitespace and given after "--" to ParseFlags, then resolved with
// the bundled configs (engine_fuzz.h). Words starting with --config are dropped from the input (they
// would make the fuzzer read arbitrary files; the INI target covers that path).
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fuzz/engine_fuzz.h"

namespace {

// More words than any real command line has; keeps each run short.
constexpr std::size_t kMaxWords = 256;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (tpsim::fuzz::HasPercentToken(
          std::string_view(reinterpret_cast<const char*>(data), size))) {
    return 0;  // known Boost hang, see engine_fuzz.h
  }
  std::vector<std::string> args = {"--"};
  std::string word;
  for (std::size_t i = 0; i <= size; ++i) {
    if (i == size || std::isspace(data[i])) {
      if (!word.empty()) {
        if (word.rfind("--config", 0) == 0) return 0;
        args.push_back(word);
        word.clear();
        if (args.size() > kMaxWords) return 0;
      }
    } else {
      word.push_back(static_cast<char>(data[i]));
    }
  }
  tpsim::fuzz::ResolveAndCheck(args);
  return 0;
}
