// Per-process temporary paths for tests. ctest runs every test case as its own process, several at a
// time (-j), so a fixed name under TempDir() would be shared by concurrent tests.
#ifndef TPSIM_TESTS_TESTING_TEMP_PATH_H_
#define TPSIM_TESTS_TESTING_TEMP_PATH_H_

#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

namespace tpsim::testing {

// TempDir() + name with ".<pid>" before its extension ("run.ini" -> "run.<pid>.ini"): unique to this
// test process, extension kept.
inline std::string TempPath(const std::string& name) {
  std::string pid = std::to_string(::getpid());
  pid.insert(pid.begin(), '.');
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return ::testing::TempDir() + name + pid;
  std::string out = ::testing::TempDir();
  out.append(name, 0, dot);
  out += pid;
  out.append(name, dot, std::string::npos);
  return out;
}

}  // namespace tpsim::testing

#endif  // TPSIM_TESTS_TESTING_TEMP_PATH_H_
