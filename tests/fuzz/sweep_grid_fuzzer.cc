// libFuzzer target: the text of a sweep grid (`tpsim sweep --grid "tp=1,2 max_model_len=8192,..."`)
// through ParseGrid (sim/tune/sweep.h, public header only).
// Checks: no crash or sanitizer report (signed overflow included: UBSan halts), errors are one line,
// and an accepted grid keeps the promises the sweep relies on: known canonical keys, each once, with
// non-empty values that ApplyGridValue accepts (Sweep::ArgsAt ignores its status on that promise), a
// size of at most 100,000,000 that is the product of the axes, and Digits that number the combinations
// in grid order (last axis fastest) and round-trip.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "sim/engine/engine_args.h"
#include "sim/tune/sweep.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// Longer texts only repeat what shorter ones exercise; keeps each run short.
constexpr std::size_t kMaxBytes = 4096;
constexpr std::int64_t kMaxCombinations = 100'000'000;

// The index whose digits are `d` (last axis fastest).
std::int64_t IndexOf(const tpsim::SweepGrid& g, const std::vector<int>& d) {
  std::int64_t index = 0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    index = index * static_cast<std::int64_t>(g.axes[i].values.size()) + d[i];
  }
  return index;
}

void CheckCombination(const tpsim::SweepGrid& g, std::int64_t index) {
  const std::vector<int> d = g.Digits(index);
  TPSIM_FUZZ_CHECK(d.size() == g.axes.size());
  for (std::size_t i = 0; i < d.size(); ++i) {
    TPSIM_FUZZ_CHECK(d[i] >= 0 && static_cast<std::size_t>(d[i]) < g.axes[i].values.size());
  }
  TPSIM_FUZZ_CHECK(IndexOf(g, d) == index);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxBytes) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  tpsim::StatusOr<tpsim::SweepGrid> g = tpsim::ParseGrid(text);
  if (!g.ok()) {
    tpsim::fuzz::CheckOneLineError(g.status());
    return 0;
  }
  const std::vector<std::string> known = tpsim::GridKeys();
  const std::set<std::string> keys(known.begin(), known.end());
  std::set<std::string> seen;
  std::int64_t product = 1;
  for (const tpsim::GridAxis& a : g->axes) {
    TPSIM_FUZZ_CHECK(keys.count(a.key) == 1);
    TPSIM_FUZZ_CHECK(seen.insert(a.key).second);
    TPSIM_FUZZ_CHECK(!a.values.empty());
    for (const std::string& v : a.values) {
      TPSIM_FUZZ_CHECK(!v.empty());
      tpsim::EngineArgs args;
      TPSIM_FUZZ_CHECK(tpsim::ApplyGridValue(a.key, v, &args).ok());
    }
    TPSIM_FUZZ_CHECK(!__builtin_mul_overflow(product, static_cast<std::int64_t>(a.values.size()), &product));
    TPSIM_FUZZ_CHECK(product <= kMaxCombinations);
  }
  TPSIM_FUZZ_CHECK(g->size() == product);
  CheckCombination(*g, 0);
  CheckCombination(*g, product - 1);
  CheckCombination(*g, product / 2);
  return 0;
}
