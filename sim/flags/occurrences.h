// Flags as they were written, from several sources, applied to a struct through its flag table.
//
// Rules (the same whatever binding produced the occurrences):
//   * A source of higher rank wins, flag by flag: the command line over an INI file (--config).
//   * Within one source a flag written twice (by its name and an alias, or as --X and --no-X) must
//     say the same thing, else "--tp and --tensor-parallel-size disagree".
//   * A value that does not parse is "argument --NAME: invalid int value: 'x'", with the source's
//     context in front when it has one ("--config run.ini: argument --max-model-len: ...").
#ifndef TPSIM_SIM_FLAGS_OCCURRENCES_H_
#define TPSIM_SIM_FLAGS_OCCURRENCES_H_

#include <optional>
#include <string>
#include <vector>

#include "sim/flags/flag_table.h"

namespace tpsim::flags {

struct Occurrence {
  std::string spelling;              // as written, with its dashes: "--tp", "-t", "--no-enforce-eager"
  std::optional<std::string> value;  // nullopt: the bare flag
  int source_rank = 0;               // higher wins
  std::string context;               // "" or e.g. "--config run.ini"
};

inline constexpr int kConfigFileRank = 0;
inline constexpr int kCommandLineRank = 1;

// Applies `written` to *args (which holds the defaults) and appends the flags that were set to
// *given (may be null), in table order.
template <class Args>
Status ApplyOccurrences(const FlagTable<Args>& table, const std::vector<Occurrence>& written, Args* args,
                        std::vector<const FlagSpec<Args>*>* given = nullptr) {
  struct Winner {
    const Occurrence* occurrence = nullptr;
    FlagValue value;
  };
  std::map<const FlagSpec<Args>*, Winner> winners;
  for (const Occurrence& o : written) {
    bool negated = false;
    const FlagSpec<Args>* spec = table.Find(o.spelling, &negated);
    if (spec == nullptr) return Status::InvalidArgument("unrecognized arguments: " + o.spelling);
    StatusOr<FlagValue> v = ParseFor(*spec, "argument " + o.spelling, o.value, negated);
    if (!v.ok()) return o.context.empty() ? v.status() : v.status().WithContext(o.context);
    auto [it, fresh] = winners.try_emplace(spec, Winner{&o, *v});
    if (fresh || o.source_rank > it->second.occurrence->source_rank) {
      it->second = Winner{&o, *v};
    } else if (o.source_rank == it->second.occurrence->source_rank && *v != it->second.value) {
      const Status s = Status::InvalidArgument(it->second.occurrence->spelling + " and " + o.spelling +
                                               " disagree");
      return o.context.empty() ? s : s.WithContext(o.context);
    }
  }
  for (const FlagSpec<Args>& spec : table.specs()) {
    auto it = winners.find(&spec);
    if (it == winners.end()) continue;
    const Status s = Store(spec, "argument " + it->second.occurrence->spelling, it->second.value, args);
    if (!s.ok()) return it->second.occurrence->context.empty() ? s : s.WithContext(it->second.occurrence->context);
    if (given != nullptr) given->push_back(&spec);
  }
  return Status::Ok();
}

}  // namespace tpsim::flags

#endif  // TPSIM_SIM_FLAGS_OCCURRENCES_H_
