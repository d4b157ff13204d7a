// Reading untrusted input (config.json, safetensors headers, index files, INI run files, topology
// files) without exceptions and with one-line error messages.
//
// Contract:
//  * No function here throws; every failure is a Status whose message is a single line (control
//    characters of user data are escaped) and names the path or field it concerns.
//  * InputFile never blocks on a FIFO or device: only regular files are accepted.
//  * ParseJson never recurses on the input's nesting depth (nlohmann's parser keeps an explicit stack),
//    and DescribeJson prints only scalars, so hostile nesting cannot exhaust the C stack here.
#ifndef TPSIM_SIM_BASE_INPUT_UTIL_H_
#define TPSIM_SIM_BASE_INPUT_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sim/base/status_or.h"

namespace tpsim {

// `s` made printable on one line: control characters and DEL become \n, \t, \xNN escapes; cut to
// `max_chars` with "..." appended when longer. Bytes >= 0x80 are kept (UTF-8 names stay readable).
std::string OneLine(std::string_view s, std::size_t max_chars = 160);

// A short description of a JSON value for messages: "\"abc\" (string)", "40.5 (float)", "-3",
// "true (bool)", "null", "an array", "an object". Never descends into containers.
std::string DescribeJson(const nlohmann::json& v);

// Parses `text` as JSON. Errors (InvalidArgument, message without a path prefix):
// "empty input (expected JSON)" or "not valid JSON: parse error at line L, column C: ...".
StatusOr<nlohmann::json> ParseJson(std::string_view text);

// A read-only regular file opened with open(2). Move-only.
class InputFile {
 public:
  // NotFound "<path>: no such file" when it does not exist; InvalidArgument "<path>: <OS reason>" when
  // it cannot be opened, is a directory or is not a regular file.
  static StatusOr<InputFile> Open(const std::string& path);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  const std::string& path() const { return path_; }
  // Size in bytes at the time of Open.
  std::uint64_t size() const { return size_; }

  // Reads exactly `n` bytes at `offset` into *out. InvalidArgument when the file ends first or the
  // read fails (with the OS reason).
  Status ReadAt(std::uint64_t offset, std::size_t n, std::string* out) const;

 private:
  InputFile(std::string path, int fd, std::uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// The whole content of a regular file of at most `max_bytes` bytes; InvalidArgument when larger.
StatusOr<std::string> ReadWholeFile(const std::string& path, std::uint64_t max_bytes);

}  // namespace tpsim

#endif  // TPSIM_SIM_BASE_INPUT_UTIL_H_
