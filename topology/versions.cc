#include "topology/versions.h"

#include <cctype>

namespace tpsim {

bool ReadVersionNumbers(const std::string& text, int want, int need, std::vector<int>* out) {
  size_t i = 0;
  if (i < text.size() && (text[i] == 'v' || text[i] == 'V')) ++i;
  out->clear();
  while (static_cast<int>(out->size()) < want && i < text.size() &&
         std::isdigit(static_cast<unsigned char>(text[i]))) {
    long value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + (text[i] - '0');
      if (value > 100000) return false;
      ++i;
    }
    out->push_back(static_cast<int>(value));
    if (i < text.size() && text[i] == '.')
      ++i;
    else
      break;
  }
  return static_cast<int>(out->size()) >= need;
}

StatusOr<NcclVersion> ParseNcclVersion(const std::string& text) {
  std::vector<int> n;
  if (!ReadVersionNumbers(text, 3, 3, &n) || n[0] != 2) {
    return Status::InvalidArgument("invalid NCCL version '" + text + "' (expected 2.Y.Z, e.g. 2.27.5)");
  }
  return NcclVersion{n[0], n[1], n[2]};
}

std::string ToString(const NcclVersion& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

}  // namespace tpsim
