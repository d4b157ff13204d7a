#include "sim/flags/value_rule.h"

#include <cmath>
#include <cstdint>

#include "sim/base/input_util.h"

namespace tpsim::flags {

namespace {

// A bound as people write it: "64", "0.5", "1048576".
std::string BoundText(double x) {
  if (std::floor(x) == x && std::abs(x) < 1e15) return std::to_string(static_cast<std::int64_t>(x));
  return ValueToText(FlagValue(x));
}

// The offending value as today's messages print it: integers exactly, reals with std::to_string.
std::string GotText(const FlagValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return OneLine(ValueToText(v), 60);
}

bool InBounds(const Bounds& b, double x) {
  const bool above = b.lo_open ? x > b.lo : x >= b.lo;
  const bool below = b.hi_open ? x < b.hi : x <= b.hi;
  return above && below;  // false for NaN
}

bool IsPowerOfTwo(const FlagValue& v) {
  const auto* i = std::get_if<std::int64_t>(&v);
  return i != nullptr && *i > 0 && (*i & (*i - 1)) == 0;
}

std::string RangeMessage(std::string_view name, const Bounds& b, const FlagValue& got) {
  const std::string flag = "--" + std::string(name);
  const std::string tail = ", got " + GotText(got);
  const bool lo = std::isfinite(b.lo), hi = std::isfinite(b.hi);
  if (b.power_of_two) {
    return flag + " must be a power of two between " + BoundText(b.lo) + " and " + BoundText(b.hi) + tail;
  }
  if (lo && hi && (b.lo_open || b.hi_open)) {
    return flag + " must be in " + (b.lo_open ? "(" : "[") + BoundText(b.lo) + ", " + BoundText(b.hi) +
           (b.hi_open ? ")" : "]") + tail;
  }
  if (lo && hi) return flag + " must be between " + BoundText(b.lo) + " and " + BoundText(b.hi) + tail;
  if (lo && b.lo == 1 && !b.lo_open) return flag + " must be positive" + tail;
  if (lo && b.lo == 0 && !b.lo_open) return flag + " must be non-negative" + tail;
  if (lo) return flag + " must be " + (b.lo_open ? "> " : ">= ") + BoundText(b.lo) + tail;
  return flag + " must be " + (b.hi_open ? "< " : "<= ") + BoundText(b.hi) + tail;
}

ValueRule WithBounds(ValueType type, Bounds bounds) {
  ValueRule r;
  r.type = type;
  r.bounds = bounds;
  return r;
}

}  // namespace

Bounds AtLeast(double lo) {
  Bounds b;
  b.lo = lo;
  return b;
}

Bounds Between(double lo, double hi) {
  Bounds b;
  b.lo = lo;
  b.hi = hi;
  return b;
}

Bounds OpenBetween(double lo, double hi) {
  Bounds b = Between(lo, hi);
  b.lo_open = b.hi_open = true;
  return b;
}

Bounds AboveUpTo(double lo, double hi) {
  Bounds b = Between(lo, hi);
  b.lo_open = true;
  return b;
}

Bounds PowerOfTwoBetween(double lo, double hi) {
  Bounds b = Between(lo, hi);
  b.power_of_two = true;
  return b;
}

ValueRule TextRule() { return WithBounds(ValueType::kText, Bounds()); }
ValueRule IntegerRule(Bounds bounds) { return WithBounds(ValueType::kInteger, bounds); }
ValueRule CountRule(Bounds bounds) { return WithBounds(ValueType::kCount, bounds); }
ValueRule BytesRule(Bounds bounds) { return WithBounds(ValueType::kBytes, bounds); }
ValueRule RealRule(Bounds bounds) { return WithBounds(ValueType::kReal, bounds); }
ValueRule BoolRule() { return WithBounds(ValueType::kBool, Bounds()); }

ValueRule ChoiceRule(std::vector<std::string_view> choices) {
  ValueRule r = WithBounds(ValueType::kChoice, Bounds());
  r.choices = std::move(choices);
  return r;
}

Status CheckValue(std::string_view name, const ValueRule& rule, const FlagValue& value) {
  if (rule.type == ValueType::kChoice) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr) return Status::Internal("--" + std::string(name) + ": a choice that is not text");
    bool known = !rule.none_choice.empty() && text->empty();
    std::string list;
    for (std::string_view c : rule.choices) {
      known = known || *text == c;
      list += (list.empty() ? "" : ", ") + std::string(c);
    }
    if (!known) {
      return Status::InvalidArgument("invalid --" + std::string(name) + " '" + OneLine(*text, 60) + "' (" +
                                     std::string(rule.choices_intro) + " " + list + ")");
    }
  }
  double x = 0;
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    x = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    x = *d;
  } else {
    return rule.check != nullptr ? rule.check(value) : Status::Ok();
  }
  if (!InBounds(rule.bounds, x) || (rule.bounds.power_of_two && !IsPowerOfTwo(value))) {
    return Status::InvalidArgument(rule.range_message != nullptr ? rule.range_message(value)
                                                                 : RangeMessage(name, rule.bounds, value));
  }
  return rule.check != nullptr ? rule.check(value) : Status::Ok();
}

}  // namespace tpsim::flags
