#include "tools/tpsim/pasted_command.h"

#include "sim/base/input_util.h"

namespace tpsim::cli {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// argparse's _negative_number_matcher: "-1", "-0.5", "-.5".
bool IsNegativeNumber(const std::string& w) {
  if (w.size() < 2 || w[0] != '-') return false;
  const std::size_t dot = w.find('.');
  bool digits = false;
  for (std::size_t i = 1; i < w.size(); ++i) {
    if (i == dot) continue;
    if (!IsDigit(w[i])) return false;
    digits = true;
  }
  return digits && (dot == std::string::npos || dot + 1 < w.size());
}

// A word argparse reads as an option rather than as a value.
bool LooksLikeOption(const std::string& w) { return w.size() > 1 && w[0] == '-' && !IsNegativeNumber(w); }

Status Refuse(const std::string& what) { return Status::InvalidArgument("vllm serve: " + what); }

}  // namespace

std::string UnrecognizedArguments(const std::vector<std::string>& stray, const EngineFlag* after) {
  std::string words;
  for (const std::string& w : stray) words += (words.empty() ? "" : " ") + w;
  std::string m = "unrecognized arguments: " + OneLine(words, 60);
  if (after != nullptr && after->is_bool() && !after->takes_value()) {
    const std::string name(after->name);
    m += " (--" + name + " takes no value; write --no-" + name + " to turn it off)";
  }
  return m;
}

StatusOr<std::vector<std::string>> TranslatePasted(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  std::size_t i = 0;
  if (i < words.size() && (words[i] == "vllm" || words[i].ends_with("/vllm"))) {
    ++i;
    if (i >= words.size() || words[i] != "serve") {
      return Status::InvalidArgument("only `vllm serve MODEL ...` can be pasted after --, got `vllm " +
                                     (i < words.size() ? OneLine(words[i], 40) : std::string()) + "`");
    }
  }
  if (i < words.size() && words[i] == "serve") ++i;
  if (i < words.size() && !LooksLikeOption(words[i])) {
    out.push_back("--model");
    out.push_back(words[i++]);
  }
  const EngineFlag* previous = nullptr;  // the flag before the current word, for the hint
  for (; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (!LooksLikeOption(w)) return Refuse(UnrecognizedArguments({w}, previous));
    const std::size_t eq = w.find('=');
    const std::string name = w.substr(0, eq);
    bool negated = false;
    const EngineFlag* spec = EngineFlags().Find(name, &negated);
    previous = spec;
    if (spec == nullptr) {
      // Unknown: kept with the word after it, so that the command-line parser refuses it by name.
      out.push_back(w);
      if (eq == std::string::npos && i + 1 < words.size() && !LooksLikeOption(words[i + 1])) {
        out.push_back(words[++i]);
      }
      continue;
    }
    // argparse names an option by all its strings: "--tensor-parallel-size/-tp".
    const std::string label = "--" + std::string(spec->name) + (name == "--" + std::string(spec->name) ? "" : "/" + name);
    const bool takes_value = spec->takes_value() && !negated;
    if (eq != std::string::npos && !takes_value) {
      return Refuse("argument " + label + ": ignored explicit argument '" + OneLine(w.substr(eq + 1), 40) + "'");
    }
    const bool value_follows = takes_value && eq == std::string::npos && i + 1 < words.size() &&
                               !LooksLikeOption(words[i + 1]);
    if (takes_value && !spec->is_bool() && eq == std::string::npos && !value_follows) {
      return Refuse("argument " + label + ": expected one argument");
    }
    if (spec->stored()) {
      out.push_back(w);
      if (value_follows) out.push_back(words[i + 1]);
    }  // else: a server flag with no memory effect, dropped with its value
    if (value_follows) ++i;
  }
  return out;
}

}  // namespace tpsim::cli
