#include "sim/model/model_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "sim/base/units.h"
#include "sim/base/input_util.h"
#include "sim/model/safetensors.h"

namespace tpsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Upper bounds on config sizes. Each is far above the largest public dense decoder (Llama-3.1-405B:
// hidden 16384, intermediate 53248, 126 layers, 128 heads, head_dim 128; the largest common vocabulary
// is Gemma's 262144), so only corrupt or hostile configs reach them; they keep every later byte count
// inside int64 together with the overflow check in CheckTensorBytes.
constexpr std::int64_t kMaxHiddenSize = std::int64_t{1} << 20;
constexpr std::int64_t kMaxIntermediateSize = std::int64_t{1} << 22;
constexpr std::int64_t kMaxLayers = 10000;
constexpr std::int64_t kMaxHeads = std::int64_t{1} << 14;
constexpr std::int64_t kMaxHeadDim = std::int64_t{1} << 14;
constexpr std::int64_t kMaxVocab = std::int64_t{1} << 24;
// Positions: Llama 4 Scout advertises 10M; 2^30 leaves two orders of magnitude.
constexpr std::int64_t kMaxPositions = std::int64_t{1} << 30;
// RoPE scaling factor: published configs use 2-64 (Llama 3.2: 32).
constexpr double kMaxRopeFactor = 1024.0;
// rope_theta: published values are 1e4-1e7 (Llama 3: 5e5, Qwen3: 1e6).
constexpr double kMaxRopeTheta = 1e15;
// Largest element size, bytes (float64 / int64): the bound used when checking for byte overflow.
constexpr std::int64_t kMaxElementBytes = 8;
// File size limits, bytes: a config.json is a few KiB, an index a few hundred KiB (405B: ~100 KiB).
constexpr std::uint64_t kMaxConfigFileBytes = 16 * static_cast<std::uint64_t>(kMiB);
constexpr std::uint64_t kMaxIndexFileBytes = 64 * static_cast<std::uint64_t>(kMiB);

constexpr const char kIndexFileName[] = "model.safetensors.index.json";

// The dense decoders tpsim models. Attention bias: vLLM's Qwen2Attention builds QKVParallelLinear with
// bias=True unconditionally (qwen2.py); Qwen3, Llama and Mistral (llama.py) read "attention_bias".
struct DenseArch {
  std::string_view architecture;
  std::string_view model_type;
  bool qk_norm;
  bool always_qkv_bias;
};
constexpr DenseArch kDenseArchs[] = {
    {"Qwen3ForCausalLM", "qwen3", true, false},
    {"Qwen2ForCausalLM", "qwen2", false, true},
    {"LlamaForCausalLM", "llama", false, false},
    {"MistralForCausalLM", "mistral", false, false},
};
constexpr const char kDenseArchList[] =
    "Qwen3ForCausalLM, Qwen2ForCausalLM, LlamaForCausalLM, MistralForCausalLM";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Typed, validated reads of the members of one JSON object. Messages: "<prefix><key>: <problem>".
// A member that is absent or null counts as absent.
class Fields {
 public:
  Fields(const json& obj, std::string prefix) : obj_(obj), prefix_(std::move(prefix)) {}

  const json* Get(const std::string& key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  bool Has(const std::string& key) const { return Get(key) != nullptr; }

  Status Error(const std::string& key, const std::string& problem) const {
    return Status::InvalidArgument(prefix_ + key + ": " + problem);
  }

  Status RequiredInt(const std::string& key, std::int64_t min, std::int64_t max,
                     std::int64_t* out) const {
    const json* v = Get(key);
    if (v == nullptr) return Error(key, "missing (required)");
    return IntValue(key, *v, min, max, out);
  }
  Status OptionalInt(const std::string& key, std::int64_t min, std::int64_t max,
                     std::int64_t* out) const {
    const json* v = Get(key);
    return v == nullptr ? Status::Ok() : IntValue(key, *v, min, max, out);
  }
  Status IntValue(const std::string& key, const json& v, std::int64_t min, std::int64_t max,
                  std::int64_t* out) const {
    std::int64_t value;
    if (v.is_number_unsigned()) {
      std::uint64_t u = v.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(max)) return TooLarge(key, std::to_string(u), max);
      value = static_cast<std::int64_t>(u);
    } else if (v.is_number_integer()) {
      value = v.get<std::int64_t>();
    } else {
      return Error(key, "expected " + IntWords(min) + ", got " + DescribeJson(v));
    }
    if (value < min) return Error(key, "expected " + IntWords(min) + ", got " + std::to_string(value));
    if (value > max) return TooLarge(key, std::to_string(value), max);
    *out = value;
    return Status::Ok();
  }

  // A number (integer or float) in (lo, hi].
  Status OptionalNumber(const std::string& key, double lo, double hi, double* out) const {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_number()) {
      return Error(key, "expected a number, got " + DescribeJson(*v));
    }
    double d = v->get<double>();
    if (!std::isfinite(d) || !(d > lo) || d > hi) {
      char range[96];
      std::snprintf(range, sizeof(range), "expected a number in (%g, %g], got ", lo, hi);
      return Error(key, range + DescribeJson(*v));
    }
    *out = d;
    return Status::Ok();
  }

  Status OptionalBool(const std::string& key, bool* out) const {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_boolean()) return Error(key, "expected true or false, got " + DescribeJson(*v));
    *out = v->get<bool>();
    return Status::Ok();
  }

  Status OptionalString(const std::string& key, std::string* out) const {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_string()) return Error(key, "expected a string, got " + DescribeJson(*v));
    *out = v->get<std::string>();
    return Status::Ok();
  }

  // null, absent or an array of strings.
  Status OptionalStringList(const std::string& key, std::vector<std::string>* out) const {
    const json* v = Get(key);
    if (v == nullptr) return Status::Ok();
    if (!v->is_array()) {
      return Error(key, "expected a list of strings or null, got " + DescribeJson(*v));
    }
    out->clear();
    for (const json& e : *v) {
      if (!e.is_string()) {
        return Error(key, "expected a list of strings, got " + DescribeJson(e) + " in it");
      }
      out->push_back(e.get<std::string>());
    }
    return Status::Ok();
  }

 private:
  static std::string IntWords(std::int64_t min) {
    if (min == 1) return "a positive integer";
    if (min == 0) return "a non-negative integer";
    return "an integer >= " + std::to_string(min);
  }
  Status TooLarge(const std::string& key, const std::string& value, std::int64_t max) const {
    return Error(key, value + " exceeds the limit of " + std::to_string(max) +
                          " (absurd for a dense decoder)");
  }

  const json& obj_;
  std::string prefix_;
};

Status ReadArchitecture(const json& j, ModelConfig* c, const DenseArch** arch) {
  Fields f(j, "");
  std::string model_type;
  TPSIM_RETURN_IF_ERROR(f.OptionalString("model_type", &model_type));
  const std::string supported = std::string(" (tpsim models dense decoders: ") + kDenseArchList + ")";
  if (const json* archs = f.Get("architectures")) {
    if (!archs->is_array() || archs->empty() || !(*archs)[0].is_string()) {
      return f.Error("architectures", "expected a non-empty list of strings, got " +
                                          (archs->is_array() && !archs->empty()
                                               ? DescribeJson((*archs)[0]) + " first"
                                               : DescribeJson(*archs)));
    }
    const std::string& name = (*archs)[0].get_ref<const std::string&>();
    for (const DenseArch& a : kDenseArchs) {
      if (name == a.architecture) *arch = &a;
    }
    if (*arch == nullptr) {
      return f.Error("architectures",
                     "unsupported architecture '" + OneLine(name, 80) + "'" + supported);
    }
  } else if (!model_type.empty()) {
    for (const DenseArch& a : kDenseArchs) {
      if (model_type == a.model_type) *arch = &a;
    }
    if (*arch == nullptr) {
      return f.Error("model_type", "unsupported architecture '" + OneLine(model_type, 80) +
                                       "' (no \"architectures\" given; tpsim models dense decoders: " +
                                       kDenseArchList + ")");
    }
  } else {
    return f.Error("architectures", "missing (required), and no model_type to fall back on");
  }
  c->architecture = std::string((*arch)->architecture);
  c->model_type = model_type.empty() ? std::string((*arch)->model_type) : model_type;
  c->qk_norm = (*arch)->qk_norm;
  return Status::Ok();
}

Status ReadDType(const json& j, ModelConfig* c) {
  Fields f(j, "");
  // transformers >= 4.56 writes "dtype"; older configs "torch_dtype".
  const std::string key = f.Has("torch_dtype") ? "torch_dtype" : "dtype";
  std::string name;
  TPSIM_RETURN_IF_ERROR(f.OptionalString(key, &name));
  if (!f.Has(key)) return Status::Ok();  // default bfloat16
  StatusOr<DType> t = ParseTorchDType(name);
  if (!t.ok()) {
    return f.Error(key, "unknown dtype '" + OneLine(name, 40) +
                            "' (expected float16, bfloat16 or float32)");
  }
  c->dtype = *t;
  return Status::Ok();
}

// rope_scaling (or transformers v5 "rope_parameters"): null, or {"rope_type"|"type", "factor",
// "original_max_position_embeddings", ...}.
Status ReadRope(const json& j, ModelConfig* c) {
  Fields f(j, "");
  TPSIM_RETURN_IF_ERROR(f.OptionalNumber("rope_theta", 0.0, kMaxRopeTheta, &c->rope_theta));
  TPSIM_RETURN_IF_ERROR(
      f.OptionalNumber("partial_rotary_factor", 0.0, 1.0, &c->partial_rotary_factor));
  std::string key = f.Has("rope_scaling") ? "rope_scaling" : "rope_parameters";
  const json* rope = f.Get(key);
  if (rope == nullptr) return Status::Ok();
  if (!rope->is_object()) {
    return f.Error(key, "expected an object or null, got " + DescribeJson(*rope));
  }
  Fields r(*rope, key + ".");
  if (key == "rope_parameters") {
    if (!f.Has("rope_theta")) {
      TPSIM_RETURN_IF_ERROR(r.OptionalNumber("rope_theta", 0.0, kMaxRopeTheta, &c->rope_theta));
    }
    if (!f.Has("partial_rotary_factor")) {
      TPSIM_RETURN_IF_ERROR(
          r.OptionalNumber("partial_rotary_factor", 0.0, 1.0, &c->partial_rotary_factor));
    }
  }
  const std::string type_key = r.Has("rope_type") ? "rope_type" : "type";
  std::string type;
  TPSIM_RETURN_IF_ERROR(r.OptionalString(type_key, &type));
  type = Lower(type);
  if (type == "default") type.clear();
  if (type.empty()) {
    if (key == "rope_scaling" && !r.Has(type_key)) {
      return r.Error("rope_type", "missing (required in a rope_scaling object)");
    }
    return Status::Ok();
  }
  if (type != "yarn" && type != "llama3" && type != "linear" && type != "dynamic") {
    return r.Error(type_key, "unsupported rope type '" + OneLine(type, 40) +
                                 "' (tpsim models default, linear, dynamic, yarn, llama3)");
  }
  c->rope_type = type;
  if (!r.Has("factor")) return r.Error("factor", "missing (required for rope type " + type + ")");
  TPSIM_RETURN_IF_ERROR(r.OptionalNumber("factor", 0.0, kMaxRopeFactor, &c->rope_factor));
  TPSIM_RETURN_IF_ERROR(r.OptionalInt("original_max_position_embeddings", 1, kMaxPositions,
                                      &c->rope_original_max_position));
  return Status::Ok();
}

Status CheckGroupSize(const Fields& q, const std::string& key, std::int64_t group_size,
                      std::int64_t hidden_size) {
  if (group_size == 0 || group_size < -1) {
    return q.Error(key, "expected -1 (per channel) or a positive integer, got " +
                            std::to_string(group_size));
  }
  if (group_size > 0 && hidden_size % group_size != 0) {
    return q.Error(key, std::to_string(group_size) + " does not divide hidden_size " +
                            std::to_string(hidden_size));
  }
  return Status::Ok();
}

Status ReadAwq(const Fields& q, std::int64_t hidden_size, QuantConfig* out) {
  // vLLM AWQConfig.from_config: bits ("w_bit"|"bits"), group size ("q_group_size"|"group_size") and
  // zero_point are required; modules_to_not_convert is optional.
  const std::string bits_key = q.Has("w_bit") ? "w_bit" : "bits";
  const std::string group_key = q.Has("q_group_size") ? "q_group_size" : "group_size";
  std::int64_t bits = 0, group = 0;
  TPSIM_RETURN_IF_ERROR(q.RequiredInt(bits_key, 1, 64, &bits));
  if (bits != 4) {
    return q.Error(bits_key,
                   "Currently, only 4-bit weight quantization is supported for AWQ, but got " +
                       std::to_string(bits) + " bits.");
  }
  TPSIM_RETURN_IF_ERROR(q.RequiredInt(group_key, -1, kMaxHiddenSize, &group));
  TPSIM_RETURN_IF_ERROR(CheckGroupSize(q, group_key, group, hidden_size));
  if (!q.Has("zero_point")) return q.Error("zero_point", "missing (required for awq)");
  TPSIM_RETURN_IF_ERROR(q.OptionalBool("zero_point", &out->zero_point));
  out->version = "gemm";
  TPSIM_RETURN_IF_ERROR(q.OptionalString("version", &out->version));
  out->version = Lower(out->version);
  TPSIM_RETURN_IF_ERROR(q.OptionalStringList("modules_to_not_convert", &out->modules_to_not_convert));
  out->bits = static_cast<int>(bits);
  out->group_size = static_cast<int>(group);
  return Status::Ok();
}

Status ReadGptq(const Fields& q, std::int64_t hidden_size, QuantConfig* out) {
  std::int64_t bits = 0, group = 0;
  TPSIM_RETURN_IF_ERROR(q.RequiredInt("bits", 1, 64, &bits));
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8) {
    return q.Error("bits",
                   "Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got " +
                       std::to_string(bits) + " bits.");
  }
  TPSIM_RETURN_IF_ERROR(q.RequiredInt("group_size", -1, kMaxHiddenSize, &group));
  TPSIM_RETURN_IF_ERROR(CheckGroupSize(q, "group_size", group, hidden_size));
  TPSIM_RETURN_IF_ERROR(q.OptionalBool("desc_act", &out->desc_act));
  bool sym = true;
  TPSIM_RETURN_IF_ERROR(q.OptionalBool("sym", &sym));
  out->zero_point = !sym;
  TPSIM_RETURN_IF_ERROR(q.OptionalString("checkpoint_format", &out->version));
  TPSIM_RETURN_IF_ERROR(q.OptionalStringList("modules_to_not_convert", &out->modules_to_not_convert));
  out->bits = static_cast<int>(bits);
  out->group_size = static_cast<int>(group);
  return Status::Ok();
}

Status ReadFp8(const Fields& q, QuantConfig* out) {
  out->bits = 8;
  TPSIM_RETURN_IF_ERROR(q.OptionalString("activation_scheme", &out->activation_scheme));
  if (!out->activation_scheme.empty() && out->activation_scheme != "static" &&
      out->activation_scheme != "dynamic") {
    return q.Error("activation_scheme", "unsupported activation scheme '" +
                                            OneLine(out->activation_scheme, 40) +
                                            "' (expected static or dynamic)");
  }
  if (const json* block = q.Get("weight_block_size")) {
    if (!block->is_array() || block->size() != 2) {
      return q.Error("weight_block_size", "expected [rows, cols], got " +
                                              (block->is_array() ? "a list of " +
                                                                       std::to_string(block->size())
                                                                 : DescribeJson(*block)));
    }
    for (const json& d : *block) {
      std::int64_t v = 0;
      TPSIM_RETURN_IF_ERROR(q.IntValue("weight_block_size", d, 1, kMaxHiddenSize, &v));
      out->weight_block_size.push_back(v);
    }
  }
  TPSIM_RETURN_IF_ERROR(q.OptionalStringList("ignored_layers", &out->modules_to_not_convert));
  return Status::Ok();
}

// compressed-tensors: bits and group size come from the first config group's "weights" scheme.
Status ReadCompressedTensors(const Fields& q, std::int64_t hidden_size, QuantConfig* out) {
  out->bits = 8;
  TPSIM_RETURN_IF_ERROR(q.OptionalString("format", &out->version));
  TPSIM_RETURN_IF_ERROR(q.OptionalStringList("ignore", &out->modules_to_not_convert));
  const json* groups = q.Get("config_groups");
  if (groups == nullptr) return Status::Ok();
  if (!groups->is_object()) {
    return q.Error("config_groups", "expected an object, got " + DescribeJson(*groups));
  }
  for (auto it = groups->begin(); it != groups->end(); ++it) {
    if (!it->is_object()) {
      return q.Error("config_groups." + OneLine(it.key(), 40),
                     "expected an object, got " + DescribeJson(*it));
    }
    auto w = it->find("weights");
    if (w == it->end() || w->is_null()) continue;
    const std::string prefix = "quantization_config.config_groups." + OneLine(it.key(), 40) + ".";
    if (!w->is_object()) {
      return Status::InvalidArgument(prefix + "weights: expected an object, got " + DescribeJson(*w));
    }
    Fields wf(*w, prefix + "weights.");
    std::int64_t bits = 8, group = -1;
    TPSIM_RETURN_IF_ERROR(wf.OptionalInt("num_bits", 1, 64, &bits));
    TPSIM_RETURN_IF_ERROR(wf.OptionalInt("group_size", -1, kMaxHiddenSize, &group));
    TPSIM_RETURN_IF_ERROR(CheckGroupSize(wf, "group_size", group, hidden_size));
    bool symmetric = true;
    TPSIM_RETURN_IF_ERROR(wf.OptionalBool("symmetric", &symmetric));
    out->bits = static_cast<int>(bits);
    out->group_size = static_cast<int>(group);
    out->zero_point = !symmetric;
    break;
  }
  return Status::Ok();
}

Status ReadQuant(const json& j, std::int64_t hidden_size, QuantConfig* out) {
  Fields f(j, "");
  const json* q = f.Get("quantization_config");
  if (q == nullptr) return Status::Ok();
  if (!q->is_object()) {
    return f.Error("quantization_config", "expected an object or null, got " + DescribeJson(*q));
  }
  Fields qf(*q, "quantization_config.");
  std::string method;
  if (!qf.Has("quant_method")) return qf.Error("quant_method", "missing (required)");
  TPSIM_RETURN_IF_ERROR(qf.OptionalString("quant_method", &method));
  method = Lower(method);
  TPSIM_RETURN_IF_ERROR(qf.OptionalBool("lm_head", &out->lm_head_quantized));
  if (method == "awq") {
    out->method = QuantMethod::kAwq;
    return ReadAwq(qf, hidden_size, out);
  }
  if (method == "gptq") {
    out->method = QuantMethod::kGptq;
    return ReadGptq(qf, hidden_size, out);
  }
  if (method == "fp8") {
    out->method = QuantMethod::kFp8;
    return ReadFp8(qf, out);
  }
  if (method == "compressed-tensors" || method == "compressed_tensors") {
    out->method = QuantMethod::kCompressedTensors;
    return ReadCompressedTensors(qf, hidden_size, out);
  }
  return qf.Error("quant_method", "unsupported quantization method '" + OneLine(method, 40) +
                                      "' (tpsim models awq, gptq, fp8, compressed-tensors)");
}

// a * b * ... into *out; false on int64 overflow.
bool CheckedProduct(std::initializer_list<std::int64_t> factors, std::int64_t* out) {
  std::int64_t p = 1;
  for (std::int64_t f : factors) {
    if (__builtin_mul_overflow(p, f, &p)) return false;
  }
  *out = p;
  return true;
}

// Refuses configs whose weight or rotary-cache byte counts would overflow int64 anywhere downstream:
// every weight of every layer at the widest element size must be representable.
Status CheckTensorBytes(const ModelConfig& c) {
  const std::int64_t q_width = c.num_heads * c.head_dim;  // <= 2^28 by the limits
  const std::int64_t kv_width = c.num_kv_heads * c.head_dim;
  std::int64_t attn = 0, mlp = 0, embed = 0, rope = 0;
  std::int64_t positions = static_cast<std::int64_t>(
      static_cast<double>(c.max_position_embeddings) * std::max(1.0, c.rope_factor));
  bool ok = CheckedProduct({c.hidden_size, 2 * q_width + 2 * kv_width}, &attn) &&
            CheckedProduct({3, c.hidden_size, c.intermediate_size}, &mlp) &&
            CheckedProduct({2, c.vocab_size, c.hidden_size}, &embed) &&
            CheckedProduct({positions, c.head_dim}, &rope);
  std::int64_t per_layer = 0, layers = 0, total = 0, bytes = 0;
  ok = ok && !__builtin_add_overflow(attn, mlp, &per_layer) &&
       CheckedProduct({c.num_layers, per_layer}, &layers) &&
       !__builtin_add_overflow(layers, embed, &total) && !__builtin_add_overflow(total, rope, &total) &&
       CheckedProduct({total, kMaxElementBytes}, &bytes);
  if (!ok) {
    return Status::InvalidArgument(
        "sizes overflow 64-bit byte counts (hidden_size x intermediate_size x num_hidden_layers, "
        "num_attention_heads x head_dim or vocab_size are absurd)");
  }
  return Status::Ok();
}

StatusOr<ModelConfig> ParseConfigObject(const json& j) {
  ModelConfig c;
  const DenseArch* arch = nullptr;
  TPSIM_RETURN_IF_ERROR(ReadArchitecture(j, &c, &arch));

  Fields f(j, "");
  TPSIM_RETURN_IF_ERROR(f.RequiredInt("hidden_size", 1, kMaxHiddenSize, &c.hidden_size));
  TPSIM_RETURN_IF_ERROR(
      f.RequiredInt("intermediate_size", 1, kMaxIntermediateSize, &c.intermediate_size));
  TPSIM_RETURN_IF_ERROR(f.RequiredInt("num_hidden_layers", 1, kMaxLayers, &c.num_layers));
  TPSIM_RETURN_IF_ERROR(f.RequiredInt("num_attention_heads", 1, kMaxHeads, &c.num_heads));
  c.num_kv_heads = c.num_heads;
  TPSIM_RETURN_IF_ERROR(f.OptionalInt("num_key_value_heads", 1, kMaxHeads, &c.num_kv_heads));
  TPSIM_RETURN_IF_ERROR(f.RequiredInt("vocab_size", 1, kMaxVocab, &c.vocab_size));
  TPSIM_RETURN_IF_ERROR(
      f.RequiredInt("max_position_embeddings", 1, kMaxPositions, &c.max_position_embeddings));

  if (c.num_kv_heads > c.num_heads || c.num_heads % c.num_kv_heads != 0) {
    return f.Error("num_key_value_heads",
                   std::to_string(c.num_kv_heads) + " does not divide num_attention_heads " +
                       std::to_string(c.num_heads));
  }
  if (f.Has("head_dim")) {
    TPSIM_RETURN_IF_ERROR(f.RequiredInt("head_dim", 1, kMaxHeadDim, &c.head_dim));
  } else {
    if (c.hidden_size % c.num_heads != 0) {
      return f.Error("head_dim", "absent, and hidden_size " + std::to_string(c.hidden_size) +
                                     " is not divisible by num_attention_heads " +
                                     std::to_string(c.num_heads));
    }
    c.head_dim = c.hidden_size / c.num_heads;
  }

  TPSIM_RETURN_IF_ERROR(f.OptionalBool("tie_word_embeddings", &c.tie_word_embeddings));
  TPSIM_RETURN_IF_ERROR(ReadDType(j, &c));
  TPSIM_RETURN_IF_ERROR(ReadRope(j, &c));
  TPSIM_RETURN_IF_ERROR(f.OptionalNumber("rms_norm_eps", 0.0, 1.0, &c.rms_norm_eps));
  bool attention_bias = false;
  TPSIM_RETURN_IF_ERROR(f.OptionalBool("attention_bias", &attention_bias));
  c.qkv_bias = arch->always_qkv_bias || attention_bias;
  TPSIM_RETURN_IF_ERROR(f.OptionalBool("mlp_bias", &c.mlp_bias));
  if (c.rotary_dim() < 1) {
    return f.Error("partial_rotary_factor", "leaves no rotary dimension (head_dim " +
                                                std::to_string(c.head_dim) + ")");
  }
  TPSIM_RETURN_IF_ERROR(CheckTensorBytes(c));
  TPSIM_RETURN_IF_ERROR(ReadQuant(j, c.hidden_size, &c.quant));
  return c;
}

Status AddShard(const std::string& path, ModelConfig* c,
                std::unordered_map<std::string, std::string>* owner) {
  TPSIM_ASSIGN_OR_RETURN(std::vector<SafetensorsTensor> tensors, ReadSafetensorsHeader(path));
  for (SafetensorsTensor& t : tensors) {
    auto [it, inserted] = owner->emplace(t.name, path);
    if (!inserted) {
      return Status::InvalidArgument(OneLine(path) + ": tensor '" + OneLine(t.name, 120) +
                                     "' is also in " + OneLine(it->second));
    }
    c->checkpoint_tensors.push_back(std::move(t));
  }
  c->checkpoint_files.push_back(path);
  return Status::Ok();
}

// Reads the safetensors headers of the checkpoint in `dir`, if any (see LoadModelConfig).
Status AttachCheckpoint(const fs::path& dir, ModelConfig* c) {
  std::error_code ec;
  const fs::path index_path = dir / kIndexFileName;
  std::unordered_map<std::string, std::string> owner;  // tensor -> shard path
  if (fs::exists(index_path, ec)) {
    const std::string where = OneLine(index_path.string());
    TPSIM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(index_path.string(), kMaxIndexFileBytes));
    StatusOr<json> index = ParseJson(text);
    if (!index.ok()) return index.status().WithContext(where);
    if (!index->is_object()) {
      return Status::InvalidArgument(where + ": expected a JSON object, got " + DescribeJson(*index));
    }
    Fields f(*index, where + ": ");
    const json* map = f.Get("weight_map");
    if (map == nullptr) return f.Error("weight_map", "missing (required)");
    if (!map->is_object()) {
      return f.Error("weight_map", "expected an object of tensor -> file, got " + DescribeJson(*map));
    }
    std::set<std::string> shards;
    for (auto it = map->begin(); it != map->end(); ++it) {
      const std::string tensor = OneLine(it.key(), 120);
      if (!it->is_string()) {
        return f.Error("weight_map", "'" + tensor + "': expected a file name, got " + DescribeJson(*it));
      }
      const std::string& file = it->get_ref<const std::string&>();
      if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos ||
          file.find('\\') != std::string::npos) {
        return f.Error("weight_map", "'" + tensor + "': '" + OneLine(file, 120) +
                                         "' is not a file name in the model directory");
      }
      shards.insert(file);
    }
    for (const std::string& shard : shards) {
      Status s = AddShard((dir / shard).string(), c, &owner);
      if (s.code() == Status::Code::kNotFound) {
        return Status::NotFound(s.message() + " (named in " + where + ")");
      }
      TPSIM_RETURN_IF_ERROR(s);
    }
    for (auto it = map->begin(); it != map->end(); ++it) {
      const std::string shard = (dir / it->get_ref<const std::string&>()).string();
      auto found = owner.find(it.key());
      if (found == owner.end() || found->second != shard) {
        return f.Error("weight_map", "tensor '" + OneLine(it.key(), 120) + "' is not in " +
                                         OneLine(shard));
      }
    }
    return Status::Ok();
  }
  std::vector<std::string> files;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code type_ec;
    if (p.extension() == ".safetensors" && it->is_regular_file(type_ec)) files.push_back(p.string());
  }
  if (ec) {
    return Status::InvalidArgument(OneLine(dir.string()) + ": cannot list directory: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) TPSIM_RETURN_IF_ERROR(AddShard(file, c, &owner));
  return Status::Ok();
}

}  // namespace

std::string_view QuantMethodName(QuantMethod m) {
  switch (m) {
    case QuantMethod::kNone: return "none";
    case QuantMethod::kAwq: return "awq";
    case QuantMethod::kGptq: return "gptq";
    case QuantMethod::kFp8: return "fp8";
    case QuantMethod::kCompressedTensors: return "compressed-tensors";
  }
  return "?";
}

StatusOr<ModelConfig> ParseModelConfig(const std::string& json_text, const std::string& name) {
  const std::string where = OneLine(name);
  StatusOr<json> parsed = ParseJson(json_text);
  if (!parsed.ok()) return parsed.status().WithContext(where);
  if (!parsed->is_object()) {
    return Status::InvalidArgument(where + ": top level must be a JSON object, got " +
                                   DescribeJson(*parsed));
  }
  try {
    StatusOr<ModelConfig> config = ParseConfigObject(*parsed);
    if (!config.ok()) return config.status().WithContext(where);
    config->name = name;
    return config;
  } catch (const std::exception& e) {
    // nlohmann accessors are only used after type checks; this keeps the no-throw contract regardless.
    return Status::InvalidArgument(where + ": " + OneLine(e.what()));
  }
}

StatusOr<std::string> ResolveModelConfigPath(const std::string& model, const std::string& configs_dir) {
  if (model.empty()) return Status::InvalidArgument("model: empty name");
  std::error_code ec;
  const fs::path p(model);
  const fs::file_status st = fs::status(p, ec);
  if (fs::is_regular_file(st)) return model;
  if (fs::is_directory(st)) {
    const fs::path config = p / "config.json";
    if (fs::exists(config, ec)) return config.string();
    return Status::NotFound(OneLine(model) + ": directory has no config.json");
  }
  if (fs::exists(st)) {
    return Status::InvalidArgument(OneLine(model) + ": not a regular file or directory");
  }
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
    return Status::InvalidArgument(OneLine(model) + ": " + ec.message());
  }
  const fs::path bundled = fs::path(configs_dir) / "models" / model / "config.json";
  if (fs::exists(bundled, ec)) return bundled.string();
  return Status::NotFound(OneLine(model) +
                          ": no such file or directory, and no bundled model of that name in " +
                          OneLine((fs::path(configs_dir) / "models").string()));
}

StatusOr<ModelConfig> LoadModelConfig(const std::string& model, const std::string& configs_dir) {
  TPSIM_ASSIGN_OR_RETURN(std::string path, ResolveModelConfigPath(model, configs_dir));
  TPSIM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, kMaxConfigFileBytes));
  TPSIM_ASSIGN_OR_RETURN(ModelConfig config, ParseModelConfig(text, path));
  config.name = model;
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  try {
    TPSIM_RETURN_IF_ERROR(AttachCheckpoint(dir, &config));
  } catch (const std::exception& e) {
    // std::filesystem path operations may throw bad_alloc; keep the no-throw contract.
    return Status::Internal(OneLine(dir.string()) + ": " + OneLine(e.what()));
  }
  return config;
}

std::vector<std::string> BundledModelNames(const std::string& configs_dir) {
  std::vector<std::string> names;
  const fs::path root = fs::path(configs_dir) / "models";
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().filename() != "config.json" || !it->is_regular_file(type_ec)) continue;
    std::string name = it->path().parent_path().lexically_relative(root).generic_string();
    if (!name.empty() && name != ".") names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string DefaultConfigsDir() {
  const char* env = std::getenv("TPSIM_CONFIGS");
  if (env != nullptr && env[0] != '\0') return env;
#ifdef TPSIM_SOURCE_DIR
  return std::string(TPSIM_SOURCE_DIR) + "/configs";
#else
  return "configs";
#endif
}

}  // namespace tpsim
