// What every tpsim fuzz target checks besides "no crash, no sanitizer report": the parsers' own
// contracts (sim/base/input_util.h, sim/model/safetensors.h, topology/topology.h): an error is a
// non-empty, one-line message; a success satisfies the invariants the callers rely on. A broken
// contract aborts with the failed condition on stderr, which libFuzzer records as a crash and saves
// the input.
#ifndef TPSIM_TESTS_FUZZ_FUZZ_CHECK_H_
#define TPSIM_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/base/status.h"

#define TPSIM_FUZZ_CHECK(cond)                                                         \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: fuzz contract broken: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace tpsim::fuzz {

// An error status carries a non-empty message without a line feed (exit-2 errors are one line).
inline void CheckOneLineError(const Status& s) {
  TPSIM_FUZZ_CHECK(!s.ok());
  const std::string& m = s.message();
  TPSIM_FUZZ_CHECK(!m.empty());
  TPSIM_FUZZ_CHECK(m.find('\n') == std::string::npos);
}

// Stricter, for the readers built on sim/base/input_util.h (OneLine): no control character at all
// (user data is escaped as \n, \t, \xNN).
inline void CheckEscapedOneLineError(const Status& s) {
  CheckOneLineError(s);
  for (char c : s.message()) {
    const unsigned char u = static_cast<unsigned char>(c);
    TPSIM_FUZZ_CHECK(u >= 0x20 && u != 0x7f);
  }
}

}  // namespace tpsim::fuzz

#endif  // TPSIM_TESTS_FUZZ_FUZZ_CHECK_H_
