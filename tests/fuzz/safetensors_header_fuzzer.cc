// libFuzzer target: the N JSON bytes of a safetensors header through ParseSafetensorsHeader
// (sim/model/safetensors.h), for data regions of 0, 64 and 2^40 bytes and the largest file size a u64
// can state. Checks: no crash or sanitizer report, errors are one line starting with the name, and
// accepted tensors lie inside the data region, in data order, with bytes = elements x dtype size.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model/safetensors.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr char kName[] = "fuzz.safetensors";
// Bytes of the u64 length prefix in front of the header (safetensors format).
constexpr std::uint64_t kPrefixBytes = 8;

void CheckOne(std::string_view header, std::uint64_t file_size) {
  tpsim::StatusOr<std::vector<tpsim::SafetensorsTensor>> r =
      tpsim::ParseSafetensorsHeader(header, file_size, kName);
  if (!r.ok()) {
    tpsim::fuzz::CheckEscapedOneLineError(r.status());
    TPSIM_FUZZ_CHECK(r.status().message().rfind(kName, 0) == 0);
    return;
  }
  const std::uint64_t data_bytes = file_size - kPrefixBytes - header.size();
  std::int64_t previous_begin = 0;
  for (const tpsim::SafetensorsTensor& t : *r) {
    TPSIM_FUZZ_CHECK(t.begin >= 0 && t.begin <= t.end);
    TPSIM_FUZZ_CHECK(static_cast<std::uint64_t>(t.end) <= data_bytes);
    TPSIM_FUZZ_CHECK(t.bytes == t.end - t.begin);
    TPSIM_FUZZ_CHECK(t.begin >= previous_begin);
    previous_begin = t.begin;
    std::int64_t elements = 1;
    for (std::int64_t d : t.shape) {
      TPSIM_FUZZ_CHECK(d >= 0);
      TPSIM_FUZZ_CHECK(!__builtin_mul_overflow(elements, d, &elements));
    }
    TPSIM_FUZZ_CHECK(elements * static_cast<std::int64_t>(tpsim::DTypeBytes(t.dtype)) == t.bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view header(reinterpret_cast<const char*>(data), size);
  const std::uint64_t n = header.size();
  for (std::uint64_t data_region : {std::uint64_t{0}, std::uint64_t{64}, std::uint64_t{1} << 40}) {
    CheckOne(header, kPrefixBytes + n + data_region);
  }
  CheckOne(header, std::numeric_limits<std::uint64_t>::max());
  return 0;
}
