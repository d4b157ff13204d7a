#include "sim/base/units.h"

#include <cstdio>
#include <cstdlib>

namespace tpsim {

std::string FormatGiB(Bytes b, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f GiB", digits, ToGiB(b));
  return buf;
}

std::string FormatBytes(Bytes b) {
  char buf[64];
  const Bytes mag = b < 0 ? -b : b;
  if (mag >= kGiB) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", ToGiB(b));
  } else if (mag >= kMiB) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", ToMiB(b));
  } else if (mag >= kKiB) {
    std::snprintf(buf, sizeof(buf), "%.2f KiB", static_cast<double>(b) / kKiB);
  } else {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(b));
  }
  return buf;
}

std::string FormatThousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count > 0 && count % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++count;
  }
  return n < 0 ? "-" + out : out;
}

}  // namespace tpsim
