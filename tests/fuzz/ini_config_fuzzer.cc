// libFuzzer target: the text of an INI run file (`tpsim plan --config run.ini`). The input is written
// to an in-memory file (memfd) and read back through ParseFlags's --config path, then resolved with the
// bundled configs (engine_fuzz.h).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/fuzz/engine_fuzz.h"

namespace {

// The memfd the inputs are written to, created once per process; its /proc path is the --config value.
int IniFd() {
  static const int fd = [] {
    const int f = memfd_create("tpsim_fuzz_run.ini", 0);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (tpsim::fuzz::HasPercentToken(text)) return 0;  // known Boost hang, see engine_fuzz.h
  const int fd = IniFd();
  if (ftruncate(fd, 0) != 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    const ssize_t w = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (w <= 0) std::abort();
    done += static_cast<std::size_t>(w);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  tpsim::fuzz::ResolveAndCheck({"--config", path});
  return 0;
}
