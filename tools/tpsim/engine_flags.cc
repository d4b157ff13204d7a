#include "tools/tpsim/engine_flags.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/base/input_util.h"

#include "sim/model/model_config.h"

namespace tpsim::cli {

void AddEngineFlags(po::options_description* desc) {
  desc->add_options()
      ("model", po::value<std::string>()->default_value("Qwen/Qwen3-32B-AWQ"),
       "bundled model name, model directory or config.json path")
      ("gpu", po::value<std::string>()->default_value("rtx4090"), "card type (configs/gpus/<key>.json)")
      ("gpu-memory-total-gib", po::value<double>(), "override the card's total (GiB, as nvidia-smi/cudaMemGetInfo)")
      ("topology", po::value<std::string>()->default_value(""), "topology preset or `nvidia-smi topo -m` file")
      ("tensor-parallel-size,t", po::value<int>()->default_value(1), "tensor-parallel size (vLLM -tp)")
      ("tp", po::value<int>(), "alias of --tensor-parallel-size")
      ("vllm-version", po::value<std::string>()->default_value("0.19.0"), "vLLM release whose accounting to replay")
      ("usage-context", po::value<std::string>()->default_value("serve"), "serve (vllm serve) or llm (offline LLM)")
      ("gpu-memory-utilization", po::value<double>(), "fraction of the card vLLM may use (default by version)")
      ("max-model-len", po::value<std::int64_t>(), "context length (default: the model's)")
      ("max-num-seqs", po::value<std::int64_t>(), "concurrent sequences (default by version and card)")
      ("max-num-batched-tokens", po::value<std::int64_t>(), "tokens per step (default by version and card)")
      ("enforce-eager", po::bool_switch(), "no torch.compile, no CUDA graphs")
      ("quantization,q", po::value<std::string>()->default_value(""), "awq | awq_marlin | gptq | gptq_marlin | fp8")
      ("dtype", po::value<std::string>()->default_value("auto"), "auto | float16 | bfloat16")
      ("kv-cache-dtype", po::value<std::string>()->default_value("auto"), "auto | fp8 | fp8_e4m3 | fp8_e5m2")
      ("block-size", po::value<int>(), "KV block size in tokens (default 16)")
      ("enable-chunked-prefill", po::value<bool>(), "true | false")
      ("disable-custom-all-reduce", po::bool_switch(), "turn off vLLM's custom all-reduce")
      ("kv-cache-memory", po::value<std::string>(), "KV cache bytes per GPU (e.g. 8GiB); ignores utilization")
      ("max-cudagraph-capture-size", po::value<int>(), "largest CUDA-graph capture size")
      ("estimate-cudagraphs", po::bool_switch(), "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 (0.18-0.19)")
      ("config", po::value<std::string>(), "INI file with any of these flags");
}

void AddOutputFlags(po::options_description* desc) {
  desc->add_options()
      ("json", po::bool_switch(), "print one JSON object on stdout")
      ("format", po::value<std::string>()->default_value("text"), "text | json | csv")
      ("timeline", po::value<std::string>()->default_value(""), "write per-rank memory timelines to DIR")
      ("configs-dir", po::value<std::string>()->default_value(""), "configs/ directory (default: bundled)")
      ("help,h", "show this help");
}

namespace {

// `vllm serve MODEL --flag value ...` -> tpsim words. vLLM spells flags the same way; only the model
// positional and the program words need translating.
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
  if (i < words.size() && words[i].rfind("-", 0) != 0) {
    out.push_back("--model");
    out.push_back(words[i++]);
  }
  for (; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w == "-tp") {
      out.push_back("--tensor-parallel-size");
    } else if (w == "--trust-remote-code" || w == "--enable-prefix-caching" ||
               w == "--no-enable-prefix-caching" || w == "--disable-log-requests") {
      continue;  // flags with no memory effect modelled here
    } else if (w == "--port" || w == "--host" || w == "--served-model-name" || w == "--api-key") {
      // A server flag with a value and no memory effect; vLLM refuses it without one.
      if (i + 1 >= words.size() || words[i + 1].rfind("--", 0) == 0) {
        return Status::InvalidArgument("vllm serve: argument " + w + ": expected one argument");
      }
      ++i;
    } else if (w.rfind("-", 0) != 0 && (out.empty() || out.back().rfind("--", 0) != 0)) {
      // A word that is neither a flag nor a flag's value: vLLM's argparse refuses it.
      return Status::InvalidArgument("vllm serve: unrecognized arguments: " + OneLine(w, 60));
    } else {
      out.push_back(w);
    }
  }
  return out;
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

}  // namespace

Status ParseFlags(const std::vector<std::string>& args_in, const po::options_description& desc,
                  const po::positional_options_description* positional, po::variables_map* vm) {
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
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), *vm);
    if (vm->count("config")) {
      const std::string path = (*vm)["config"].as<std::string>();
      TPSIM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, kMaxConfigFileBytes));
      TPSIM_RETURN_IF_ERROR(RefusePercent(text, ("--config " + path).c_str()).WithContext("--config"));
      std::istringstream in(text);
      po::store(po::parse_config_file(in, desc), *vm);
    }
    po::notify(*vm);
  } catch (const po::error& e) {
    return Status::InvalidArgument(OneLine(e.what(), 300));
  }
  if (vm->count("tp") && !(*vm)["tensor-parallel-size"].defaulted() &&
      (*vm)["tp"].as<int>() != (*vm)["tensor-parallel-size"].as<int>()) {
    return Status::InvalidArgument("--tp and --tensor-parallel-size disagree");
  }
  if (vm->count("format")) {
    const std::string f = (*vm)["format"].as<std::string>();
    if (f != "text" && f != "json" && f != "jsonl" && f != "csv") {
      return Status::InvalidArgument("--format must be text, json, jsonl or csv, got '" + OneLine(f, 40) +
                                     "'");
    }
  }
  return Status::Ok();
}

StatusOr<Bytes> ParseByteSize(const std::string& text) {
  std::size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return Status::InvalidArgument("invalid size '" + text + "'");
  }
  std::string unit = text.substr(pos);
  double mul = 1;
  if (unit.empty() || unit == "B") {
    mul = 1;
  } else if (unit == "K" || unit == "KiB" || unit == "k") {
    mul = static_cast<double>(kKiB);
  } else if (unit == "M" || unit == "MiB") {
    mul = static_cast<double>(kMiB);
  } else if (unit == "G" || unit == "GiB" || unit == "g") {
    mul = static_cast<double>(kGiB);
  } else {
    return Status::InvalidArgument("invalid size unit in '" + text + "' (use B, KiB, MiB, GiB)");
  }
  if (!(v >= 0) || v * mul > 9.0e18) return Status::InvalidArgument("size out of range: '" + text + "'");
  return static_cast<Bytes>(std::llround(v * mul));
}

StatusOr<EngineArgs> EngineArgsFromFlags(const po::variables_map& vm) {
  EngineArgs a;
  a.model = vm["model"].as<std::string>();
  a.gpu = vm["gpu"].as<std::string>();
  if (vm.count("gpu-memory-total-gib")) a.gpu_memory_total_gib = vm["gpu-memory-total-gib"].as<double>();
  a.topology = vm["topology"].as<std::string>();
  a.tensor_parallel_size = vm["tensor-parallel-size"].as<int>();
  if (vm.count("tp")) a.tensor_parallel_size = vm["tp"].as<int>();
  a.vllm_version = vm["vllm-version"].as<std::string>();
  a.usage_context = vm["usage-context"].as<std::string>();
  if (vm.count("gpu-memory-utilization")) a.gpu_memory_utilization = vm["gpu-memory-utilization"].as<double>();
  if (vm.count("max-model-len")) a.max_model_len = vm["max-model-len"].as<std::int64_t>();
  if (vm.count("max-num-seqs")) a.max_num_seqs = vm["max-num-seqs"].as<std::int64_t>();
  if (vm.count("max-num-batched-tokens")) {
    a.max_num_batched_tokens = vm["max-num-batched-tokens"].as<std::int64_t>();
  }
  a.enforce_eager = vm["enforce-eager"].as<bool>();
  a.quantization = vm["quantization"].as<std::string>();
  a.dtype = vm["dtype"].as<std::string>();
  a.kv_cache_dtype = vm["kv-cache-dtype"].as<std::string>();
  if (vm.count("block-size")) a.block_size = vm["block-size"].as<int>();
  if (vm.count("enable-chunked-prefill")) a.enable_chunked_prefill = vm["enable-chunked-prefill"].as<bool>();
  a.disable_custom_all_reduce = vm["disable-custom-all-reduce"].as<bool>();
  if (vm.count("kv-cache-memory")) {
    TPSIM_ASSIGN_OR_RETURN(Bytes b, ParseByteSize(vm["kv-cache-memory"].as<std::string>()));
    a.kv_cache_memory = b;
  }
  if (vm.count("max-cudagraph-capture-size")) {
    a.max_cudagraph_capture_size = vm["max-cudagraph-capture-size"].as<int>();
  }
  a.estimate_cudagraphs_env = vm["estimate-cudagraphs"].as<bool>();
  return a;
}

OutputFlags OutputFromFlags(const po::variables_map& vm) {
  OutputFlags o;
  o.json = vm["json"].as<bool>();
  o.format = o.json ? "json" : vm["format"].as<std::string>();
  o.timeline_dir = vm["timeline"].as<std::string>();
  o.configs_dir = vm["configs-dir"].as<std::string>();
  return o;
}

ParsedCommand ParseCommand(const std::string& cmd, const std::vector<std::string>& args,
                           const po::options_description& desc,
                           const po::positional_options_description* positional) {
  ParsedCommand p;
  Status s = ParseFlags(args, desc, positional, &p.vm);
  if (!s.ok()) {
    p.exit_code = ReportError(cmd, s);
    return p;
  }
  if (p.vm.count("help")) {
    std::cout << desc << "\n";
    p.exit_code = 0;
    return p;
  }
  StatusOr<EngineArgs> ea = EngineArgsFromFlags(p.vm);
  if (!ea.ok()) {
    p.exit_code = ReportError(cmd, ea.status());
    return p;
  }
  p.engine = *ea;
  p.out = OutputFromFlags(p.vm);
  p.configs_dir = p.out.configs_dir.empty() ? DefaultConfigsDir() : p.out.configs_dir;
  return p;
}

int ReportError(const std::string& command, const Status& s) {
  const std::string msg = OneLine(s.message(), 2000);
  std::fprintf(stderr, "tpsim %s: %s\n", command.c_str(), msg.c_str());
  return s.ExitCode() == 0 ? 2 : s.ExitCode();
}

}  // namespace tpsim::cli
