#include "sim/flags/value_parsers.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

#include "sim/base/input_util.h"

namespace tpsim::flags {

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// The largest double below 2^63: products at or above it do not fit in int64.
constexpr double kTwoTo63 = 9223372036854775808.0;

std::string_view Strip(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// `what` as argparse names the value: "invalid int value: '4.5'".
Status Invalid(std::string_view type_name, std::string_view text, std::string_view hint = "") {
  std::string m = "invalid " + std::string(type_name) + " value: '" + OneLine(text, 60) + "'";
  if (!hint.empty()) m += " (" + std::string(hint) + ")";
  return Status::InvalidArgument(std::move(m));
}

// Digits with single underscores between them (Python's int() literal), as an unsigned magnitude.
// False when the form is wrong; *overflow when the magnitude passes `limit`.
bool ParseDigits(std::string_view s, std::uint64_t limit, std::uint64_t* out, bool* overflow) {
  *out = 0;
  *overflow = false;
  if (s.empty() || !IsDigit(s.front()) || !IsDigit(s.back())) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (!IsDigit(s[i + 1])) return false;  // s.back() is a digit, so i + 1 is in range
      continue;
    }
    if (!IsDigit(s[i])) return false;
    const auto d = static_cast<std::uint64_t>(s[i] - '0');
    if (*out > (limit - d) / 10) {
      *overflow = true;
    } else {
      *out = *out * 10 + d;
    }
  }
  return true;
}

// DIGITS[.DIGITS] (human_readable_int's number) as a double; false for anything else.
bool ParseDecimalNumber(std::string_view s, double* out) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return false;
  for (char c : whole) {
    if (!IsDigit(c)) return false;
  }
  for (char c : frac) {
    if (!IsDigit(c)) return false;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

struct Suffix {
  std::string_view text;
  std::int64_t multiplier;
  bool binary;
};

// vLLM's human_readable_int suffixes, then the IEC units and "B" that only byte sizes take.
constexpr std::array<Suffix, 8> kCountSuffixes = {{
    {"k", 1'000, false}, {"m", 1'000'000, false}, {"g", 1'000'000'000, false},
    {"t", 1'000'000'000'000, false}, {"K", kKiB, true}, {"M", kMiB, true}, {"G", kGiB, true},
    {"T", kGiB * 1024, true},
}};
constexpr std::array<Suffix, 5> kByteOnlySuffixes = {{
    {"KiB", kKiB, true}, {"MiB", kMiB, true}, {"GiB", kGiB, true}, {"TiB", kGiB * 1024, true},
    {"B", 1, true},
}};

// number x suffix, truncated toward zero like int(float(number) * mult). False on overflow.
bool Scale(double number, std::int64_t multiplier, std::int64_t* out) {
  const double v = number * static_cast<double>(multiplier);
  if (!(v < kTwoTo63)) return false;
  *out = static_cast<std::int64_t>(v);
  return true;
}

// Splits "32k" into 32 and the 'k' suffix entry; false when `s` ends in none of `suffixes`.
template <std::size_t N>
bool SplitSuffix(std::string_view s, const std::array<Suffix, N>& suffixes, std::string_view* number,
                 const Suffix** suffix) {
  for (const Suffix& x : suffixes) {
    if (s.size() > x.text.size() && s.ends_with(x.text)) {
      *number = s.substr(0, s.size() - x.text.size());
      *suffix = &x;
      return true;
    }
  }
  return false;
}

}  // namespace

StatusOr<std::int64_t> ParseInteger(std::string_view text) {
  std::string_view s = Strip(text);
  const bool negative = !s.empty() && s.front() == '-';
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  const std::uint64_t limit = static_cast<std::uint64_t>(kInt64Max) + (negative ? 1 : 0);
  std::uint64_t magnitude = 0;
  bool overflow = false;
  if (!ParseDigits(s, limit, &magnitude, &overflow)) return Invalid("int", text);
  if (overflow) return Invalid("int", text, "out of range");
  if (negative) return static_cast<std::int64_t>(0 - magnitude);
  return static_cast<std::int64_t>(magnitude);
}

StatusOr<std::int64_t> ParseCount(std::string_view text) {
  const std::string_view s = Strip(text);
  std::string_view number;
  const Suffix* suffix = nullptr;
  double x = 0;
  if (SplitSuffix(s, kCountSuffixes, &number, &suffix) && ParseDecimalNumber(number, &x)) {
    if (suffix->binary && number.find('.') != std::string_view::npos) {
      // vLLM's own words (human_readable_int).
      return Status::InvalidArgument("Decimals are not allowed with binary suffixes like " +
                                     std::string(suffix->text) + ". Did you mean to use " +
                                     std::string(number) + static_cast<char>(suffix->text[0] + 32) +
                                     " instead?");
    }
    std::int64_t out = 0;
    if (!Scale(x, suffix->multiplier, &out)) return Invalid("human_readable_int", text, "out of range");
    return out;
  }
  StatusOr<std::int64_t> plain = ParseInteger(s);
  if (!plain.ok()) return Invalid("human_readable_int", text);
  return plain;
}

StatusOr<Bytes> ParseByteSize(std::string_view text) {
  constexpr std::string_view kHint = "e.g. 8GiB, 512MiB, 8G = 8 GiB, 8g = 8 x 10^9 bytes";
  const std::string_view s = Strip(text);
  std::string_view number = s;
  const Suffix* suffix = nullptr;
  if (!SplitSuffix(s, kByteOnlySuffixes, &number, &suffix)) {
    if (!SplitSuffix(s, kCountSuffixes, &number, &suffix)) number = s;
  }
  double x = 0;
  if (!ParseDecimalNumber(number, &x)) return Invalid("byte size", text, kHint);
  const bool fraction = number.find('.') != std::string_view::npos;
  if (suffix == nullptr || suffix->multiplier == 1) {
    // Plain bytes: an integer, exactly (no double rounding).
    if (fraction) return Invalid("byte size", text, kHint);
    std::uint64_t magnitude = 0;
    bool overflow = false;
    if (!ParseDigits(number, static_cast<std::uint64_t>(kInt64Max), &magnitude, &overflow) || overflow) {
      return Invalid("byte size", text, "at most 2^63 - 1 bytes");
    }
    return static_cast<Bytes>(magnitude);
  }
  std::int64_t out = 0;
  if (!Scale(x, suffix->multiplier, &out)) return Invalid("byte size", text, "at most 2^63 - 1 bytes");
  return out;
}

StatusOr<double> ParseReal(std::string_view text) {
  std::string_view s = Strip(text);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  // from_chars reports ERANGE for 1e-400 / 1e400; Python's float() gives 0.0 / inf, and so do we.
  if (s.empty() || end != s.data() + s.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return Invalid("float", text);
  }
  if (ec == std::errc::result_out_of_range) {
    const std::size_t e = s.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && e + 1 < s.size() && s[e + 1] == '-';
    v = tiny ? 0.0 : (s.front() == '-' ? -HUGE_VAL : HUGE_VAL);
  }
  return v;
}

StatusOr<bool> ParseBool(std::string_view text) {
  const std::string_view s = Strip(text);
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return Invalid("bool", text, "true or false");
}

StatusOr<FlagValue> ParseValue(ValueType type, std::string_view text) {
  switch (type) {
    case ValueType::kText:
    case ValueType::kChoice:
      return FlagValue(std::string(text));
    case ValueType::kInteger: {
      TPSIM_ASSIGN_OR_RETURN(std::int64_t v, ParseInteger(text));
      return FlagValue(v);
    }
    case ValueType::kCount: {
      TPSIM_ASSIGN_OR_RETURN(std::int64_t v, ParseCount(text));
      return FlagValue(v);
    }
    case ValueType::kBytes: {
      TPSIM_ASSIGN_OR_RETURN(Bytes v, ParseByteSize(text));
      return FlagValue(std::int64_t{v});
    }
    case ValueType::kReal: {
      TPSIM_ASSIGN_OR_RETURN(double v, ParseReal(text));
      return FlagValue(v);
    }
    case ValueType::kBool: {
      TPSIM_ASSIGN_OR_RETURN(bool v, ParseBool(text));
      return FlagValue(v);
    }
  }
  return Status::Internal("unknown value type");
}

Status FormatValueError(std::string_view label, const Status& reason) {
  if (reason.ok()) return reason;
  return Status(reason.code(), std::string(label) + ": " + reason.message());
}

std::string ValueToText(const FlagValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), std::get<double>(v));
  return ec == std::errc() ? std::string(buf.data(), end) : std::string("?");
}

}  // namespace tpsim::flags
