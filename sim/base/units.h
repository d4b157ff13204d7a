// Byte counts and their printing. Bytes are signed 64-bit so that deficits ("vLLM would need 1.2 GiB
// more") can be represented; convert to GiB/MiB only at the printing edge. GiB = 2^30 bytes.
#ifndef TPSIM_SIM_BASE_UNITS_H_
#define TPSIM_SIM_BASE_UNITS_H_

#include <cstdint>
#include <string>

namespace tpsim {

using Bytes = std::int64_t;

inline constexpr Bytes kKiB = Bytes{1} << 10;
inline constexpr Bytes kMiB = Bytes{1} << 20;
inline constexpr Bytes kGiB = Bytes{1} << 30;

inline double ToGiB(Bytes b) { return static_cast<double>(b) / static_cast<double>(kGiB); }
inline double ToMiB(Bytes b) { return static_cast<double>(b) / static_cast<double>(kMiB); }
inline Bytes GiBToBytes(double gib) { return static_cast<Bytes>(gib * static_cast<double>(kGiB)); }

// Rounds `value` up to a multiple of `align` (align > 0, value >= 0).
inline constexpr Bytes RoundUp(Bytes value, Bytes align) { return (value + align - 1) / align * align; }
inline constexpr std::int64_t CeilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// "4.5806 GiB"-style with `digits` decimals.
std::string FormatGiB(Bytes b, int digits = 2);
// Human size with a binary unit chosen by magnitude: "512 B", "20.00 MiB", "4.58 GiB".
std::string FormatBytes(Bytes b);
// 151936 -> "151,936" (vLLM prints token counts with thousands separators).
std::string FormatThousands(std::int64_t n);

}  // namespace tpsim

#endif  // TPSIM_SIM_BASE_UNITS_H_
