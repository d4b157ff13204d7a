// Safetensors headers: the tensor names, dtypes, shapes and byte ranges of a checkpoint file, read
// without touching the weights.
//
// Format (huggingface/safetensors, README "Format"): 8 bytes little-endian u64 N, then N bytes of UTF-8
// JSON {"<tensor>": {"dtype": "F16", "shape": [..], "data_offsets": [begin, end]}, ...,
// "__metadata__": {"k": "v"}}, then the data region; offsets are relative to the start of the data
// region (byte 8 + N of the file).
//
// Contract: ReadSafetensorsHeader reads only bytes [0, 8 + N) of the file. Every malformed input gives
// InvalidArgument (NotFound for a missing file) with a one-line message that starts with the path or
// name and names the problem; nothing throws. Tensors are returned in data order (by begin offset, then
// name). Overlapping tensors and gaps in the data region are not diagnosed.
#ifndef TPSIM_SIM_MODEL_SAFETENSORS_H_
#define TPSIM_SIM_MODEL_SAFETENSORS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status_or.h"
#include "sim/base/units.h"
#include "sim/model/dtype.h"

namespace tpsim {

// The largest header accepted, in bytes: the safetensors crate's MAX_HEADER_SIZE (100_000_000,
// safetensors/src/tensor.rs); files with larger headers are refused by the reference reader too.
inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;  // empty for a scalar
  std::int64_t begin = 0;           // data_offsets[0], bytes from the start of the data region
  std::int64_t end = 0;             // data_offsets[1]
  Bytes bytes = 0;                  // end - begin == product(shape) * DTypeBytes(dtype)

  std::int64_t elements() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape) n *= d;
    return n;
  }
};

// Reads and validates the header of the safetensors file at `path`.
StatusOr<std::vector<SafetensorsTensor>> ReadSafetensorsHeader(const std::string& path);

// Validates `header_json` (the N header bytes) of a file of `file_size` bytes in total; the data region
// is file_size - 8 - header_json.size() bytes. `name` prefixes messages. For tests and fuzzing.
StatusOr<std::vector<SafetensorsTensor>> ParseSafetensorsHeader(std::string_view header_json,
                                                                std::uint64_t file_size,
                                                                const std::string& name);

}  // namespace tpsim

#endif  // TPSIM_SIM_MODEL_SAFETENSORS_H_
