// Checked output (issue 13, "every write is checked"): writes that report a full disk, a file-size
// limit or a closed pipe as a Status instead of losing bytes silently, and a std::streambuf over a file
// descriptor that remembers the first failed write (std::cout is routed through it by tools/tpsim/main.cc,
// so that `tpsim plan --json > /dev/full` exits non-zero with one line, never 0 with nothing written).
#ifndef TPSIM_SIM_REPORT_OUTPUT_FILE_H_
#define TPSIM_SIM_REPORT_OUTPUT_FILE_H_

#include <streambuf>
#include <string>
#include <string_view>

#include "sim/base/status.h"

namespace tpsim {

// Writes all of `data` to `fd`, retrying short writes and EINTR. Internal "<what>: <strerror>" on
// failure (ENOSPC, EFBIG, EPIPE, EIO, ...).
Status WriteAllToFd(int fd, std::string_view data, const std::string& what);

// Creates `path` (which must not exist: O_EXCL, mode 0666 less the umask), writes `data` and closes
// it, checking every step. Internal "<what>: <strerror>" on failure; the partial file is removed.
Status WriteNewFile(const std::string& path, std::string_view data, const std::string& what);

// A buffered output streambuf on a file descriptor it does not own. The first failed write is kept
// (error()); later output is dropped and every operation reports failure, so the stream's badbit is
// set. `line_buffered`: flush at every '\n' (for a terminal).
class FdStreamBuf final : public std::streambuf {
 public:
  FdStreamBuf(int fd, std::string what, bool line_buffered = false);
  ~FdStreamBuf() override;
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;

  // Ok, or the first write error ("<what>: No space left on device").
  const Status& error() const { return error_; }
  // Writes what is buffered; the first error so far.
  Status Flush();

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  bool Drain();

  int fd_;
  std::string what_;
  bool line_buffered_;
  std::string buffer_;
  Status error_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_OUTPUT_FILE_H_
