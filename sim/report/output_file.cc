#include "sim/report/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tpsim {

namespace {

// Output is handed to write(2) in pieces of at most this many bytes.
constexpr std::size_t kBufferBytes = 64 * 1024;

Status Errno(const std::string& what, int err) {
  return Status::Internal(what + ": " + std::strerror(err));
}

}  // namespace

Status WriteAllToFd(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(what, errno);
    }
    if (n == 0) return Errno(what, EIO);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

Status WriteNewFile(const std::string& path, std::string_view data, const std::string& what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return Errno(what, errno);
  Status s = WriteAllToFd(fd, data, what);
  if (::close(fd) != 0 && s.ok()) s = Errno(what, errno);
  if (!s.ok()) ::unlink(path.c_str());
  return s;
}

FdStreamBuf::FdStreamBuf(int fd, std::string what, bool line_buffered)
    : fd_(fd), what_(std::move(what)), line_buffered_(line_buffered) {
  buffer_.reserve(kBufferBytes);
}

FdStreamBuf::~FdStreamBuf() { Drain(); }

bool FdStreamBuf::Drain() {
  if (!error_.ok()) {
    buffer_.clear();
    return false;
  }
  if (buffer_.empty()) return true;
  error_ = WriteAllToFd(fd_, buffer_, what_);
  buffer_.clear();
  return error_.ok();
}

Status FdStreamBuf::Flush() {
  Drain();
  return error_;
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return Drain() ? 0 : traits_type::eof();
  const char c = traits_type::to_char_type(ch);
  return xsputn(&c, 1) == 1 ? ch : traits_type::eof();
}

std::streamsize FdStreamBuf::xsputn(const char* s, std::streamsize n) {
  if (!error_.ok()) return 0;
  buffer_.append(s, static_cast<std::size_t>(n));
  const bool flush_line = line_buffered_ && std::memchr(s, '\n', static_cast<std::size_t>(n)) != nullptr;
  if ((buffer_.size() >= kBufferBytes || flush_line) && !Drain()) return 0;
  return n;
}

int FdStreamBuf::sync() { return Drain() ? 0 : -1; }

}  // namespace tpsim
