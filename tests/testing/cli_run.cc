#include "tests/testing/cli_run.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "tests/testing/temp_path.h"

namespace tpsim::testing {

CliRun Tpsim(const std::string& args, const std::string& env) {
  const std::string err_path = TempPath("tpsim_stderr.txt");
  const std::string cmd =
      (env.empty() ? "" : env + " ") + std::string(TPSIM_BINARY) + " " + args + " 2>" + err_path;
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  r.rc = WEXITSTATUS(pclose(p));
  std::ifstream e(err_path);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  return r;
}

}  // namespace tpsim::testing
