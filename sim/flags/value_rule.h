// What values a flag takes: its value type (one parser per type, value_parsers.h) and its allowed
// range, the only place where an engine flag's range is written. The range is checked on a parsed
// value, whether it came from a command line, an INI file, a grid or code that filled EngineArgs.
#ifndef TPSIM_SIM_FLAGS_VALUE_RULE_H_
#define TPSIM_SIM_FLAGS_VALUE_RULE_H_

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status.h"
#include "sim/flags/value_parsers.h"

namespace tpsim::flags {

// Numeric bounds, closed unless marked open; infinite bounds are no bound.
struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  bool power_of_two = false;
};

Bounds AtLeast(double lo);                       // [lo, inf)
Bounds Between(double lo, double hi);            // [lo, hi]
Bounds OpenBetween(double lo, double hi);        // (lo, hi)
Bounds AboveUpTo(double lo, double hi);          // (lo, hi]
Bounds PowerOfTwoBetween(double lo, double hi);  // {lo, ..., hi}, powers of two

struct ValueRule {
  ValueType type = ValueType::kText;
  Bounds bounds;                           // kInteger, kCount, kBytes, kReal
  std::vector<std::string_view> choices;   // kChoice
  // A choice that means "not given" and is stored as "" (quantization's "auto": from the checkpoint).
  std::string_view none_choice;
  std::string_view choices_intro = "choose from";
  // vLLM's own words for an out-of-range value, used instead of the generated message.
  std::string (*range_message)(const FlagValue& got) = nullptr;
  // A further check of a value the type and range accept (a vLLM release tpsim models).
  Status (*check)(const FlagValue& value) = nullptr;
};

ValueRule TextRule();
ValueRule ChoiceRule(std::vector<std::string_view> choices);
ValueRule IntegerRule(Bounds bounds);
ValueRule CountRule(Bounds bounds);
ValueRule BytesRule(Bounds bounds);
ValueRule RealRule(Bounds bounds);
ValueRule BoolRule();

// OK when `value` is allowed. The messages name the flag as `--name`:
//   "--block-size must be a power of two between 1 and 256, got 3"
//   "--tensor-parallel-size must be between 1 and 64, got 0"
//   "--max-model-len must be positive, got -5"
//   "--gpu-memory-total-gib must be in (0.5, 4096), got 0.000000"
//   "invalid --kv-cache-dtype 'int3' (choose from auto, bfloat16, ...)"
Status CheckValue(std::string_view name, const ValueRule& rule, const FlagValue& value);

}  // namespace tpsim::flags

#endif  // TPSIM_SIM_FLAGS_VALUE_RULE_H_
