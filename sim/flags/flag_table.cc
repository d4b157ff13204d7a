#include "sim/flags/flag_table.h"

namespace tpsim::flags {

std::string NormalizeSpelling(std::string_view spelling) {
  std::size_t dashes = 0;
  while (dashes < 2 && dashes < spelling.size() && spelling[dashes] == '-') ++dashes;
  std::string key(spelling.substr(dashes));
  for (char& c : key) {
    if (c == '_') c = '-';
  }
  return key;
}

}  // namespace tpsim::flags
