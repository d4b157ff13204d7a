#include "sim/base/input_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <system_error>
#include <utility>

namespace tpsim {
namespace {

using nlohmann::json;

// The longest parser diagnostic kept in a message, in characters (nlohmann echoes the last token).
constexpr std::size_t kMaxParseDiagnosticChars = 200;

std::string OsReason(int err) { return std::error_code(err, std::generic_category()).message(); }

// A SAX consumer that accepts every event and remembers the first parse error. Used only to explain
// why ParseJson's non-throwing parse rejected the text; nlohmann reports errors to the consumer instead
// of throwing when the consumer returns false.
class ErrorCatcher : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    what_ = ex.what();
    return false;
  }
  const std::string& what() const { return what_; }

 private:
  std::string what_;
};

}  // namespace

std::string OneLine(std::string_view s, std::size_t max_chars) {
  std::string out;
  out.reserve(s.size() < max_chars ? s.size() : max_chars);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string DescribeJson(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return std::string(v.get<bool>() ? "true" : "false") + " (bool)";
    case json::value_t::string:
      return "\"" + OneLine(v.get_ref<const std::string&>(), 60) + "\" (string)";
    case json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
    case json::value_t::number_float: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g (float)", v.get<double>());
      return buf;
    }
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "an invalid value";
  }
  return "an unknown value";
}

StatusOr<json> ParseJson(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(text.empty() ? "empty input (expected JSON)"
                                                : "only whitespace (expected JSON)");
  }
  try {
    json j = json::parse(text.begin(), text.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) return j;
    ErrorCatcher catcher;
    json::sax_parse(text.begin(), text.end(), &catcher);
    std::string what = catcher.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag; keep "parse error at line L, column C".
    if (!what.empty() && what[0] == '[') {
      std::size_t close = what.find("] ");
      if (close != std::string::npos) what = what.substr(close + 2);
    }
    if (what.empty()) what = "parse error";
    return Status::InvalidArgument("not valid JSON: " + OneLine(what, kMaxParseDiagnosticChars));
  } catch (const std::exception& e) {
    // Only allocation failure should reach here; keep the no-throw contract anyway.
    return Status::InvalidArgument(std::string("not valid JSON: ") + OneLine(e.what()));
  }
}

StatusOr<InputFile> InputFile::Open(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is rejected below as not a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(OneLine(path) + ": no such file");
    return Status::InvalidArgument(OneLine(path) + ": cannot open: " + OsReason(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::InvalidArgument(OneLine(path) + ": cannot stat: " + OsReason(err));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(OneLine(path) + ": is a directory, not a file");
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(OneLine(path) + ": not a regular file");
  }
  return InputFile(path, fd, static_cast<std::uint64_t>(st.st_size));
}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status InputFile::ReadAt(std::uint64_t offset, std::size_t n, std::string* out) const {
  out->assign(n, '\0');
  std::size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::InvalidArgument(OneLine(path_) + ": read failed: " + OsReason(errno));
    }
    if (r == 0) {
      return Status::InvalidArgument(OneLine(path_) + ": file ended at byte " +
                                     std::to_string(offset + done) + " (expected " +
                                     std::to_string(offset + n) + " bytes)");
    }
    done += static_cast<std::size_t>(r);
  }
  return Status::Ok();
}

StatusOr<std::string> ReadWholeFile(const std::string& path, std::uint64_t max_bytes) {
  TPSIM_ASSIGN_OR_RETURN(InputFile file, InputFile::Open(path));
  if (file.size() > max_bytes) {
    return Status::InvalidArgument(OneLine(path) + ": file is " + std::to_string(file.size()) +
                                   " bytes, more than the " + std::to_string(max_bytes) +
                                   "-byte limit for this kind of file");
  }
  std::string text;
  TPSIM_RETURN_IF_ERROR(file.ReadAt(0, static_cast<std::size_t>(file.size()), &text));
  return text;
}

}  // namespace tpsim
