// A flag table: every flag of a struct of arguments (EngineArgs: sim/engine/engine_flag_table.h)
// declared once, with its name and aliases, the field it sets, its value rule (type and range, see
// value_rule.h), its help text, whether it changes start-up memory, and where it may be written.
// Everything that reads flags (the command line's Boost binding in tools/, INI files, pasted
// `vllm serve` lines, sweep grids, --help) looks flags up here and stores them through here.
//
// Declaring a flag (designated initializers, in this order; omitted members take the defaults):
//   {.name = "max-model-len", .aliases = {}, .field = &EngineArgs::max_model_len,
//    .rule = CountRule(AtLeast(1)), .help = "context length (default: the model's)"}
// A flag with .field = std::monostate{} is accepted and not stored (a server flag with no memory
// effect). Spellings: .name is vLLM's long option without dashes; .aliases are written as on a
// command line ("--tp", "-t" one-letter short option, "-tp" vLLM's single-dash long alias).
//
// The templates are header-only so that this folder does not depend on the struct it describes.
#ifndef TPSIM_SIM_FLAGS_FLAG_TABLE_H_
#define TPSIM_SIM_FLAGS_FLAG_TABLE_H_

#include <climits>
#include <initializer_list>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/flags/value_rule.h"

namespace tpsim::flags {

enum class MemoryEffect { kChangesMemory, kNone };
// Whose flag it is: vLLM's command line, an environment variable vLLM reads, or tpsim's own.
enum class FlagOrigin { kVllmCli, kVllmEnv, kTpsim };
// How a boolean flag is written on a command line. kSwitch: the bare flag is true and --no-NAME is
// false, a following word is not its value (vLLM's argparse.BooleanOptionalAction; store_true before
// it). kSwitchOrValue: also `--NAME true|false` and `--NAME=false` (vLLM's StoreBoolean, nargs='?').
// In INI files and grids every boolean takes true/false/1/0.
enum class BoolSyntax { kSwitch, kSwitchOrValue };

// Where a flag may be written (bits).
inline constexpr unsigned kOnCommandLine = 1u << 0;  // tpsim's own options, INI files, --help
inline constexpr unsigned kInPastedServe = 1u << 1;  // after `-- vllm serve MODEL`
inline constexpr unsigned kInGrid = 1u << 2;         // sweep --grid keys
inline constexpr unsigned kEverywhere = kOnCommandLine | kInPastedServe | kInGrid;

template <class Args>
using FieldRef = std::variant<std::monostate, std::string Args::*, int Args::*, bool Args::*,
                              std::optional<int> Args::*, std::optional<std::int64_t> Args::*,
                              std::optional<double> Args::*, std::optional<bool> Args::*>;

// A flag's other spellings. (A class with a noexcept default constructor rather than a plain
// std::vector member: GCC 12 crashes (nothrow_spec_p) on designated initializers that omit a
// defaulted std::vector member of a class template.)
class AliasList {
 public:
  AliasList() noexcept {}
  AliasList(std::initializer_list<std::string_view> spellings) : spellings_(spellings) {}
  auto begin() const { return spellings_.begin(); }
  auto end() const { return spellings_.end(); }

 private:
  std::vector<std::string_view> spellings_;
};

template <class Args>
struct FlagSpec {
  std::string_view name{};
  AliasList aliases{};
  FieldRef<Args> field{};
  ValueRule rule{};
  std::string_view help{};
  MemoryEffect memory = MemoryEffect::kChangesMemory;
  FlagOrigin origin = FlagOrigin::kVllmCli;
  BoolSyntax bool_syntax = BoolSyntax::kSwitch;  // when rule.type == kBool
  unsigned uses = kEverywhere;
  std::string_view env{};  // origin kVllmEnv: the variable it stands for

  bool stored() const { return field.index() != 0; }
  bool is_bool() const { return rule.type == ValueType::kBool; }
  // A value may follow the flag as the next word on a command line.
  bool takes_value() const { return !is_bool() || bool_syntax == BoolSyntax::kSwitchOrValue; }
  bool usable(unsigned use) const { return (uses & use) != 0; }
};

// "max_model_len", "--max-model-len", "-tp" -> "max-model-len", "tp": leading dashes dropped, '_'
// read as '-'.
std::string NormalizeSpelling(std::string_view spelling);

template <class Args>
class FlagTable {
 public:
  // REQUIRES: names and aliases are unique after NormalizeSpelling, and no flag is named "no-X" for
  // a boolean X (checked by the table's own test).
  explicit FlagTable(std::vector<FlagSpec<Args>> specs) : specs_(std::move(specs)) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      index_.emplace(NormalizeSpelling(specs_[i].name), i);
      for (std::string_view a : specs_[i].aliases) index_.emplace(NormalizeSpelling(a), i);
    }
  }

  const std::vector<FlagSpec<Args>>& specs() const { return specs_; }

  // The flag written as `spelling` (name or alias, see NormalizeSpelling); "no-NAME" finds the
  // boolean NAME with *negated set. nullptr when unknown.
  const FlagSpec<Args>* Find(std::string_view spelling, bool* negated = nullptr) const {
    const std::string key = NormalizeSpelling(spelling);
    if (negated != nullptr) *negated = false;
    if (auto it = index_.find(key); it != index_.end()) return &specs_[it->second];
    if (key.starts_with("no-")) {
      auto it = index_.find(key.substr(3));
      if (it != index_.end() && specs_[it->second].is_bool()) {
        if (negated != nullptr) *negated = true;
        return &specs_[it->second];
      }
    }
    return nullptr;
  }

 private:
  std::vector<FlagSpec<Args>> specs_;
  std::map<std::string, std::size_t> index_;
};

// The value of one written flag: `text` parsed by the flag's type; nullopt text is the bare flag
// (true for a boolean, an error for the others); `negated` is the --no- form of a boolean.
// Quantization-like "none" choices become "". Errors start with `label`, which names the flag as
// the user wrote it: "argument --tp" gives argparse's "argument --tp: invalid int value: 'x'".
template <class Args>
StatusOr<FlagValue> ParseFor(const FlagSpec<Args>& spec, std::string_view label,
                             const std::optional<std::string>& text, bool negated = false) {
  if (spec.is_bool()) {
    if (!text) return FlagValue(!negated);
    StatusOr<bool> b = ParseBool(*text);
    if (!b.ok()) return FormatValueError(label, b.status());
    return FlagValue(*b != negated);
  }
  if (!text) return Status::InvalidArgument(std::string(label) + ": expected one argument");
  StatusOr<FlagValue> v = ParseValue(spec.rule.type, *text);
  if (!v.ok()) return FormatValueError(label, v.status());
  if (!spec.rule.none_choice.empty() && *text == spec.rule.none_choice) return FlagValue(std::string());
  return v;
}

namespace internal {

// `v` narrowed to int; an error naming `label` when it does not fit.
inline StatusOr<int> NarrowToInt(std::string_view label, std::int64_t v) {
  if (v < INT_MIN || v > INT_MAX) {
    return Status::InvalidArgument(std::string(label) + ": invalid int value: '" +
                                   std::to_string(v) + "' (out of range)");
  }
  return static_cast<int>(v);
}

}  // namespace internal

// Stores `value` in the flag's field (nothing for an unstored flag). Internal when the value's type
// does not fit the field (a table bug, caught by the table's test).
template <class Args>
Status Store(const FlagSpec<Args>& spec, std::string_view label, const FlagValue& value, Args* args) {
  const auto mismatch = [&] {
    return Status::Internal("flag --" + std::string(spec.name) + ": value type does not fit its field");
  };
  return std::visit(
      [&](auto member) -> Status {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::monostate>) {
          return Status::Ok();
        } else {
          using Field = std::remove_reference_t<decltype(args->*member)>;
          if constexpr (std::is_same_v<Field, std::string>) {
            if (!std::holds_alternative<std::string>(value)) return mismatch();
            args->*member = std::get<std::string>(value);
          } else if constexpr (std::is_same_v<Field, bool> || std::is_same_v<Field, std::optional<bool>>) {
            if (!std::holds_alternative<bool>(value)) return mismatch();
            args->*member = std::get<bool>(value);
          } else if constexpr (std::is_same_v<Field, std::optional<double>>) {
            if (!std::holds_alternative<double>(value)) return mismatch();
            args->*member = std::get<double>(value);
          } else if constexpr (std::is_same_v<Field, std::optional<std::int64_t>>) {
            if (!std::holds_alternative<std::int64_t>(value)) return mismatch();
            args->*member = std::get<std::int64_t>(value);
          } else {  // int, std::optional<int>
            if (!std::holds_alternative<std::int64_t>(value)) return mismatch();
            TPSIM_ASSIGN_OR_RETURN(int v, internal::NarrowToInt(label, std::get<std::int64_t>(value)));
            args->*member = v;
          }
          return Status::Ok();
        }
      },
      spec.field);
}

// ParseFor + Store.
template <class Args>
Status ApplyText(const FlagSpec<Args>& spec, std::string_view label, const std::string& text, Args* args) {
  TPSIM_ASSIGN_OR_RETURN(FlagValue v, ParseFor(spec, label, std::optional<std::string>(text)));
  return Store(spec, label, v, args);
}

// The field's value; nullopt for an unset optional or an unstored flag.
template <class Args>
std::optional<FlagValue> ReadField(const FlagSpec<Args>& spec, const Args& args) {
  return std::visit(
      [&](auto member) -> std::optional<FlagValue> {
        using M = decltype(member);
        if constexpr (std::is_same_v<M, std::monostate>) {
          return std::nullopt;
        } else {
          const auto& f = args.*member;
          using Field = std::remove_cvref_t<decltype(f)>;
          if constexpr (std::is_same_v<Field, std::string>) {
            return FlagValue(f);
          } else if constexpr (std::is_same_v<Field, bool>) {
            return FlagValue(f);
          } else if constexpr (std::is_same_v<Field, int>) {
            return FlagValue(std::int64_t{f});
          } else {  // std::optional<...>
            if (!f) return std::nullopt;
            using T = typename Field::value_type;
            if constexpr (std::is_same_v<T, int>) {
              return FlagValue(std::int64_t{*f});
            } else {
              return FlagValue(*f);
            }
          }
        }
      },
      spec.field);
}

// The range check of one flag on `args` (OK when the field is unset).
template <class Args>
Status ValidateFlag(const FlagSpec<Args>& spec, const Args& args) {
  std::optional<FlagValue> v = ReadField(spec, args);
  return v ? CheckValue(spec.name, spec.rule, *v) : Status::Ok();
}

// Every flag's range check, in table order; the first failure.
template <class Args>
Status ValidateAll(const FlagTable<Args>& table, const Args& args) {
  for (const FlagSpec<Args>& spec : table.specs()) TPSIM_RETURN_IF_ERROR(ValidateFlag(spec, args));
  return Status::Ok();
}

}  // namespace tpsim::flags

#endif  // TPSIM_SIM_FLAGS_FLAG_TABLE_H_
