// One parser per value type of an engine flag, shared by the command line, INI run files, pasted
// `vllm serve` lines and sweep grids, so that a value means the same wherever it is written.
//
// The forms follow vLLM's argparse (vllm/engine/arg_utils.py, human_readable_int at v0.23.0):
//   integer    Python int():   "8192", "+4", "-1", "1_024" (no fraction, no suffix)
//   count      vLLM's human_readable_int (max_model_len, max_num_batched_tokens): an integer, or
//              DIGITS[.DIGITS] with a suffix: lower-case k, m, g, t multiply by 10^3, 10^6, 10^9,
//              10^12 ("32k" = 32000, "25.6k" = 25600, truncated like int(float(x) * mult));
//              upper-case K, M, G, T by 2^10 ... 2^40 and take no fraction ("32K" = 32768; "1.5K"
//              is refused with vLLM's "Decimals are not allowed with binary suffixes" message)
//   byte size  --kv-cache-memory (vLLM: human_readable_int on kv_cache_memory_bytes): every count
//              form, so "8g" = 8 * 10^9 and "8G" = 8 GiB as in vLLM, plus the IEC units KiB, MiB,
//              GiB, TiB, a plain "B", and fractions with binary units ("1.5G", "1.5GiB", rounded to
//              the nearest byte). No exponent, no sign, at most 2^63 - 1 bytes.
//   real       Python float(): "0.9", "1e-3", ".5", "nan", "inf" (the range check refuses the last two)
//   bool       "true" / "false" in any case, "1" / "0": a value written after a boolean flag in an
//              INI file, a grid or `--enable-chunked-prefill false` (vLLM's StoreBoolean)
// Surrounding ASCII whitespace is ignored, as Python's int() and float() ignore it.
//
// Errors are InvalidArgument with argparse's reason, without the flag's name: "invalid int value:
// '4.5'". The caller puts the flag's label in front (FormatValueError).
#ifndef TPSIM_SIM_FLAGS_VALUE_PARSERS_H_
#define TPSIM_SIM_FLAGS_VALUE_PARSERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "sim/base/status_or.h"
#include "sim/base/units.h"

namespace tpsim::flags {

enum class ValueType { kText, kChoice, kInteger, kCount, kBytes, kReal, kBool };

// A parsed value: text for kText and kChoice, int64 for kInteger, kCount and kBytes, double for
// kReal, bool for kBool.
using FlagValue = std::variant<std::string, std::int64_t, double, bool>;

StatusOr<std::int64_t> ParseInteger(std::string_view text);
StatusOr<std::int64_t> ParseCount(std::string_view text);
StatusOr<Bytes> ParseByteSize(std::string_view text);
StatusOr<double> ParseReal(std::string_view text);
StatusOr<bool> ParseBool(std::string_view text);

// Dispatches on `type`; kText and kChoice return the text unchanged (choices are checked by the
// flag's rule, not here).
StatusOr<FlagValue> ParseValue(ValueType type, std::string_view text);

// "<label>: <reason>": with the label "argument --max-model-len", argparse's words
// ("argument --max-model-len: invalid human_readable_int value: '32x'").
Status FormatValueError(std::string_view label, const Status& reason);

// The value as a flag would be written: "8192", "0.9" (shortest round-trip form), "true".
std::string ValueToText(const FlagValue& v);

}  // namespace tpsim::flags

#endif  // TPSIM_SIM_FLAGS_VALUE_PARSERS_H_
