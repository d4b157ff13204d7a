#include "sim/model/safetensors.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <nlohmann/json.hpp>

#include "sim/base/input_util.h"

namespace tpsim {
namespace {

using nlohmann::json;

// Bytes of the little-endian u64 header length at the start of every safetensors file.
constexpr std::uint64_t kLengthPrefixBytes = 8;
// Dimensions printed in a message before "...".
constexpr std::size_t kMaxDimsInMessage = 8;

// A JSON value as a non-negative int64, or false.
bool NonNegativeInt64(const json& v, std::int64_t* out) {
  if (v.is_number_unsigned()) {
    std::uint64_t u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    *out = static_cast<std::int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    std::int64_t i = v.get<std::int64_t>();
    if (i < 0) return false;
    *out = i;
    return true;
  }
  return false;
}

std::string ShapeString(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i == kMaxDimsInMessage) {
      s += ", ...";
      break;
    }
    if (i > 0) s += ", ";
    s += shape[i] < 0 ? std::string("...") : std::to_string(shape[i]);
  }
  return s + "]";
}

// Validates one tensor entry. Messages start with "tensor '<name>': ".
Status ParseTensor(const std::string& name, const json& entry, std::uint64_t data_bytes,
                   SafetensorsTensor* t) {
  const std::string where = "tensor '" + OneLine(name, 120) + "': ";
  if (!entry.is_object()) {
    return Status::InvalidArgument(where + "expected an object, got " + DescribeJson(entry));
  }
  t->name = name;

  auto dtype_it = entry.find("dtype");
  if (dtype_it == entry.end()) return Status::InvalidArgument(where + "dtype: missing");
  if (!dtype_it->is_string()) {
    return Status::InvalidArgument(where + "dtype: expected a string, got " + DescribeJson(*dtype_it));
  }
  StatusOr<DType> dtype = ParseSafetensorsDType(dtype_it->get_ref<const std::string&>());
  if (!dtype.ok()) {
    return Status::InvalidArgument(where + "dtype: unknown safetensors dtype '" +
                                   OneLine(dtype_it->get_ref<const std::string&>(), 40) + "'");
  }
  t->dtype = *dtype;

  auto shape_it = entry.find("shape");
  if (shape_it == entry.end()) return Status::InvalidArgument(where + "shape: missing");
  if (!shape_it->is_array()) {
    return Status::InvalidArgument(where + "shape: expected an array of non-negative integers, got " +
                                   DescribeJson(*shape_it));
  }
  std::int64_t elements = 1;
  t->shape.clear();
  t->shape.reserve(shape_it->size());
  for (const json& d : *shape_it) {
    std::int64_t dim;
    if (!NonNegativeInt64(d, &dim)) {
      return Status::InvalidArgument(where + "shape: expected an array of non-negative integers, got " +
                                     DescribeJson(d) + " as a dimension");
    }
    t->shape.push_back(dim);
    if (__builtin_mul_overflow(elements, dim, &elements)) {
      // The dimensions after the overflowing one are not read; ShapeString prints -1 as "...".
      if (t->shape.size() < shape_it->size()) t->shape.push_back(-1);
      return Status::InvalidArgument(where + "shape: element count overflows 64 bits at " +
                                     ShapeString(t->shape));
    }
  }
  std::int64_t expected_bytes;
  if (__builtin_mul_overflow(elements, static_cast<std::int64_t>(DTypeBytes(t->dtype)),
                             &expected_bytes)) {
    return Status::InvalidArgument(where + "shape: byte count overflows 64 bits at " +
                                   ShapeString(t->shape) + " of " +
                                   std::string(DTypeName(t->dtype)));
  }

  auto off_it = entry.find("data_offsets");
  if (off_it == entry.end()) return Status::InvalidArgument(where + "data_offsets: missing");
  std::int64_t begin = 0, end = 0;
  if (!off_it->is_array() || off_it->size() != 2 || !NonNegativeInt64((*off_it)[0], &begin) ||
      !NonNegativeInt64((*off_it)[1], &end)) {
    return Status::InvalidArgument(
        where + "data_offsets: expected [begin, end], two non-negative integers, got " +
        (off_it->is_array() ? "an array of " + std::to_string(off_it->size()) + " element(s)" +
                                  (off_it->size() == 2 ? " that are not both non-negative integers"
                                                       : "")
                            : DescribeJson(*off_it)));
  }
  if (begin > end) {
    return Status::InvalidArgument(where + "data_offsets: begin " + std::to_string(begin) +
                                   " is after end " + std::to_string(end));
  }
  if (static_cast<std::uint64_t>(end) > data_bytes) {
    return Status::InvalidArgument(where + "data_offsets: end " + std::to_string(end) +
                                   " is past the end of the data region (" +
                                   std::to_string(data_bytes) + " bytes)");
  }
  if (end - begin != expected_bytes) {
    return Status::InvalidArgument(where + "data_offsets [" + std::to_string(begin) + ", " +
                                   std::to_string(end) + "] span " + std::to_string(end - begin) +
                                   " bytes but shape " + ShapeString(t->shape) + " of " +
                                   std::string(DTypeName(t->dtype)) + " needs " +
                                   std::to_string(expected_bytes));
  }
  t->begin = begin;
  t->end = end;
  t->bytes = end - begin;
  return Status::Ok();
}

Status ValidateMetadata(const json& meta) {
  if (!meta.is_object()) {
    return Status::InvalidArgument("__metadata__: expected an object of strings, got " +
                                   DescribeJson(meta));
  }
  for (auto it = meta.begin(); it != meta.end(); ++it) {
    if (!it->is_string()) {
      return Status::InvalidArgument("__metadata__: value of '" + OneLine(it.key(), 60) +
                                     "' must be a string, got " + DescribeJson(*it));
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<SafetensorsTensor>> ParseHeaderBody(std::string_view header_json,
                                                         std::uint64_t file_size) {
  const std::uint64_t n = header_json.size();
  if (n == 0) return Status::InvalidArgument("header length 0 (expected a JSON object)");
  if (n > kSafetensorsMaxHeaderBytes) {
    return Status::InvalidArgument("header length " + std::to_string(n) + " exceeds the " +
                                   std::to_string(kSafetensorsMaxHeaderBytes) +
                                   "-byte limit of the safetensors format");
  }
  if (file_size < kLengthPrefixBytes || n > file_size - kLengthPrefixBytes) {
    return Status::InvalidArgument("header length " + std::to_string(n) + " exceeds the file (" +
                                   std::to_string(file_size) + " bytes)");
  }
  const std::uint64_t data_bytes = file_size - kLengthPrefixBytes - n;

  StatusOr<json> parsed = ParseJson(header_json);
  if (!parsed.ok()) return parsed.status().WithContext("header");
  const json& header = *parsed;
  if (!header.is_object()) {
    return Status::InvalidArgument("header: expected a JSON object, got " + DescribeJson(header));
  }

  std::vector<SafetensorsTensor> tensors;
  tensors.reserve(header.size());
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      TPSIM_RETURN_IF_ERROR(ValidateMetadata(*it));
      continue;
    }
    SafetensorsTensor t;
    TPSIM_RETURN_IF_ERROR(ParseTensor(it.key(), *it, data_bytes, &t));
    tensors.push_back(std::move(t));
  }
  std::sort(tensors.begin(), tensors.end(),
            [](const SafetensorsTensor& a, const SafetensorsTensor& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.name < b.name;
            });
  return tensors;
}

}  // namespace

StatusOr<std::vector<SafetensorsTensor>> ParseSafetensorsHeader(std::string_view header_json,
                                                                std::uint64_t file_size,
                                                                const std::string& name) {
  StatusOr<std::vector<SafetensorsTensor>> result = ParseHeaderBody(header_json, file_size);
  if (!result.ok()) return result.status().WithContext(OneLine(name));
  return result;
}

StatusOr<std::vector<SafetensorsTensor>> ReadSafetensorsHeader(const std::string& path) {
  TPSIM_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  const std::string where = OneLine(path);
  if (file.size() < kLengthPrefixBytes) {
    return Status::InvalidArgument(where + ": file is " + std::to_string(file.size()) +
                                   " bytes, shorter than the 8-byte safetensors header length");
  }
  std::string prefix;
  TPSIM_RETURN_IF_ERROR(file.ReadAt(0, kLengthPrefixBytes, &prefix));
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(prefix[i]);
  if (n == 0) {
    return Status::InvalidArgument(where + ": header length 0 (expected a JSON object)");
  }
  if (n > kSafetensorsMaxHeaderBytes) {
    return Status::InvalidArgument(where + ": header length " + std::to_string(n) + " exceeds the " +
                                   std::to_string(kSafetensorsMaxHeaderBytes) +
                                   "-byte limit of the safetensors format");
  }
  if (n > file.size() - kLengthPrefixBytes) {
    return Status::InvalidArgument(where + ": header length " + std::to_string(n) +
                                   " exceeds the file (" + std::to_string(file.size()) + " bytes)");
  }
  std::string header;
  TPSIM_RETURN_IF_ERROR(file.ReadAt(kLengthPrefixBytes, static_cast<std::size_t>(n), &header));
  return ParseSafetensorsHeader(header, file.size(), path);
}

}  // namespace tpsim
