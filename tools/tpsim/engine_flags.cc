#include "tools/tpsim/engine_flags.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "sim/base/input_util.h"
#include "sim/model/model_config.h"
#include "tools/tpsim/pasted_command.h"

namespace tpsim::cli {

namespace {

// The flag's default as EngineArgs holds it, for --help ("" when there is none to show).
std::string DefaultText(const EngineFlag& f) {
  static const EngineArgs kDefaults;
  const std::optional<flags::FlagValue> v = flags::ReadField(f, kDefaults);
  if (!v || f.is_bool()) return "";
  return flags::ValueToText(*v);
}

// Every engine flag travels through Boost as text; the table parses it. A switch takes no word
// (zero_tokens), a switch-or-value takes an optional one.
po::typed_value<std::string>* Semantic(const EngineFlag& f, bool with_default) {
  po::typed_value<std::string>* v = po::value<std::string>();
  if (f.is_bool()) {
    v->implicit_value("true");
    if (f.bool_syntax == flags::BoolSyntax::kSwitch) v->zero_tokens();
    return v;
  }
  if (const std::string d = with_default ? DefaultText(f) : ""; !d.empty()) v->default_value(d);
  return v;
}

void AddFlag(po::options_description* desc, const EngineFlag& f, bool with_default) {
  const std::string name(f.name);
  std::string key = name;
  for (std::string_view a : f.aliases) {
    if (a.size() == 2 && a[0] == '-' && a[1] != '-') {  // -t, -q: Boost's "name,t"
      key += ',';
      key += a[1];
    }
  }
  desc->add_options()(key.c_str(), Semantic(f, with_default), std::string(f.help).c_str());
  for (std::string_view a : f.aliases) {
    if (!a.starts_with("--")) continue;  // single-dash long aliases (-tp): ReadSingleDashAliases
    desc->add_options()(std::string(a.substr(2)).c_str(), Semantic(f, false), ("alias of --" + name).c_str());
  }
  if (f.is_bool()) {
    desc->add_options()(("no-" + name).c_str(), po::value<std::string>()->zero_tokens()->implicit_value("true"),
                        ("turn --" + name + " off").c_str());
  }
}

// vLLM's single-dash long aliases ("-tp 2", "-tp=2") as Boost reads long options.
std::vector<std::string> ReadSingleDashAliases(std::vector<std::string> words) {
  for (std::string& w : words) {
    if (w.size() <= 2 || w[0] != '-' || w[1] == '-') continue;
    const std::size_t eq = w.find('=');
    const std::string spelling = w.substr(0, eq);
    const EngineFlag* f = EngineFlags().Find(spelling);
    if (f == nullptr) continue;
    for (std::string_view a : f->aliases) {
      if (a != spelling) continue;
      std::string long_form = "--";
      long_form += f->name;
      if (eq != std::string::npos) long_form.append(w, eq, std::string::npos);
      w = std::move(long_form);
      break;
    }
  }
  return words;
}

// Boost.Program_options 1.74 formats its error messages by substituting %name% placeholders in a loop
// that never ends when the user's own text contains such a token; tpsim's flags never need '%', so any
// word carrying one is refused before Boost sees it.
Status RefusePercent(const std::string& word, const char* where) {
  if (word.find('%') == std::string::npos) return Status::Ok();
  return Status::InvalidArgument(std::string("unexpected '%' in ") + where + ": '" + OneLine(word, 60) +
                                 "'");
}

// An INI run file is small text: at most 1 MiB, a regular file (never a FIFO or device).
constexpr std::uint64_t kMaxConfigFileBytes = 1ull << 20;

// The engine flags of `parsed` as occurrences; a stray (positional) word is refused.
Status CollectEngineFlags(const po::parsed_options& parsed, int rank, const std::string& context,
                          std::vector<flags::Occurrence>* out) {
  std::vector<std::string> stray;
  const EngineFlag* before_stray = nullptr;
  const EngineFlag* previous = nullptr;
  for (const po::option& o : parsed.options) {
    if (o.position_key >= 0 || o.string_key.empty()) {
      if (stray.empty()) before_stray = previous;
      for (const std::string& v : o.value) stray.push_back(v);
      continue;
    }
    const EngineFlag* f = EngineFlags().Find(o.string_key);
    previous = f;
    if (f == nullptr || !f->usable(flags::kOnCommandLine)) continue;  // the command's own flag
    flags::Occurrence occ;
    occ.spelling = "--" + o.string_key;
    if (!o.value.empty()) occ.value = o.value.front();
    occ.source_rank = rank;
    occ.context = context;
    out->push_back(std::move(occ));
  }
  if (!stray.empty()) return Status::InvalidArgument(UnrecognizedArguments(stray, before_stray));
  return Status::Ok();
}

// The --config FILE of the command line, read into *parsed and *engine.
Status ReadConfigFile(const std::string& path, const po::options_description& desc, ParsedFlags* parsed) {
  TPSIM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, kMaxConfigFileBytes));
  const std::string where = "--config " + path;
  TPSIM_RETURN_IF_ERROR(RefusePercent(text, where.c_str()).WithContext("--config"));
  std::istringstream in(text);
  po::parsed_options ini = po::parse_config_file(in, desc);
  for (const po::option& o : ini.options) {
    if (o.string_key == "config") {
      return Status::InvalidArgument(OneLine(where, 200) +
                                     ": a run file cannot load another (config = ...); merge them into one");
    }
  }
  TPSIM_RETURN_IF_ERROR(CollectEngineFlags(ini, flags::kConfigFileRank, OneLine(where, 200), &parsed->engine));
  po::store(ini, parsed->vm);
  return Status::Ok();
}

// "a", "a or b", "a, b or c".
std::string OrList(const std::vector<std::string>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    s += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
  }
  return s;
}

}  // namespace

void AddEngineFlags(po::options_description* desc) {
  for (const EngineFlag& f : EngineFlags().specs()) {
    if (f.usable(flags::kOnCommandLine)) AddFlag(desc, f, /*with_default=*/true);
  }
  desc->add_options()("config", po::value<std::string>(), "INI file with any of these flags");
}

void AddEngineFlags(po::options_description* desc, const std::vector<std::string_view>& names) {
  for (std::string_view n : names) {
    const EngineFlag* f = EngineFlags().Find(n);
    if (f != nullptr) AddFlag(desc, *f, /*with_default=*/false);
  }
}

void AddOutputFlags(po::options_description* desc, const OutputOptions& opts) {
  if (opts.json_flag) desc->add_options()("json", po::bool_switch(), "print one JSON object on stdout");
  if (!opts.formats.empty()) {
    std::string choices;
    for (const std::string& f : opts.formats) choices += (choices.empty() ? "" : " | ") + f;
    desc->add_options()("format", po::value<std::string>()->default_value(opts.formats.front()), choices.c_str());
  }
  if (opts.timeline) {
    desc->add_options()("timeline", po::value<std::string>(), "write per-rank memory timelines to DIR");
  }
  desc->add_options()("configs-dir", po::value<std::string>()->default_value(""),
                      "configs/ directory (default: bundled)")("help,h", "show this help");
}

Status ParseFlags(const std::vector<std::string>& args_in, const po::options_description& desc,
                  ParsedFlags* out) {
  std::vector<std::string> args;
  for (std::size_t i = 0; i < args_in.size(); ++i) {
    if (args_in[i] == "--") {
      std::vector<std::string> rest(args_in.begin() + static_cast<long>(i) + 1, args_in.end());
      TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> words, TranslatePasted(rest));
      for (std::string& w : words) args.push_back(std::move(w));
      break;
    }
    args.push_back(args_in[i]);
  }
  for (const std::string& a : args) TPSIM_RETURN_IF_ERROR(RefusePercent(a, "argument"));
  args = ReadSingleDashAliases(std::move(args));
  try {
    po::parsed_options cli = po::command_line_parser(args).options(desc).run();
    TPSIM_RETURN_IF_ERROR(CollectEngineFlags(cli, flags::kCommandLineRank, "", &out->engine));
    po::store(cli, out->vm);
    if (out->vm.count("config")) {
      TPSIM_RETURN_IF_ERROR(ReadConfigFile(out->vm["config"].as<std::string>(), desc, out));
    }
    po::notify(out->vm);
  } catch (const po::error& e) {
    return Status::InvalidArgument(OneLine(e.what(), 300));
  }
  return Status::Ok();
}

StatusOr<EngineArgs> EngineArgsFromFlags(const ParsedFlags& parsed, std::vector<const EngineFlag*>* given) {
  EngineArgs a;
  TPSIM_RETURN_IF_ERROR(flags::ApplyOccurrences(EngineFlags(), parsed.engine, &a, given));
  return a;
}

StatusOr<OutputFlags> OutputFromFlags(const po::variables_map& vm, const OutputOptions& opts) {
  OutputFlags o;
  if (vm.count("configs-dir")) o.configs_dir = vm["configs-dir"].as<std::string>();
  if (opts.json_flag && vm.count("json")) o.json = vm["json"].as<bool>();
  if (!opts.formats.empty()) {
    const std::string f = vm["format"].as<std::string>();
    if (std::find(opts.formats.begin(), opts.formats.end(), f) == opts.formats.end()) {
      std::string m = "--format must be ";
      m += OrList(opts.formats);
      m += ", got '" + OneLine(f, 40) + "'";
      return Status::InvalidArgument(std::move(m));
    }
    if (o.json && !vm["format"].defaulted() && f != "json") {
      return Status::InvalidArgument("--json and --format " + f + " disagree");
    }
    o.format = o.json ? "json" : f;
  }
  if (opts.timeline && vm.count("timeline")) {
    o.timeline_dir = vm["timeline"].as<std::string>();
    if (o.timeline_dir.empty()) return Status::InvalidArgument("--timeline needs a directory, got ''");
  }
  return o;
}

bool ParsedCommand::Given(std::string_view flag_name) const {
  for (const EngineFlag* f : given) {
    if (f->name == flag_name) return true;
  }
  return false;
}

ParsedCommand ParseCommand(const std::string& cmd, const std::vector<std::string>& args,
                           const po::options_description& desc, const CommandOptions& opts) {
  ParsedCommand p;
  ParsedFlags parsed;
  if (Status s = ParseFlags(args, desc, &parsed); !s.ok()) {
    p.exit_code = ReportError(cmd, s);
    return p;
  }
  p.vm = std::move(parsed.vm);
  if (p.vm.count("help")) {
    std::cout << desc << "\n" << opts.help_footer;
    p.exit_code = 0;
    return p;
  }
  StatusOr<EngineArgs> ea = EngineArgsFromFlags(parsed, &p.given);
  Status s = ea.ok() && opts.validate_engine ? ValidateEngineArgs(*ea) : ea.status();
  StatusOr<OutputFlags> out = s.ok() ? OutputFromFlags(p.vm, opts.output) : StatusOr<OutputFlags>(s);
  if (!out.ok()) {
    p.exit_code = ReportError(cmd, out.status());
    return p;
  }
  p.engine = *ea;
  p.out = *out;
  p.configs_dir = p.out.configs_dir.empty() ? DefaultConfigsDir() : p.out.configs_dir;
  return p;
}

int ReportError(const std::string& command, const Status& s) {
  const std::string msg = OneLine(s.message(), 2000);
  std::fprintf(stderr, "tpsim %s: %s\n", command.c_str(), msg.c_str());
  return s.ExitCode() == 0 ? 2 : s.ExitCode();
}

}  // namespace tpsim::cli
