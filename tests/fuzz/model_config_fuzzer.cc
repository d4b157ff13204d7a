// libFuzzer target: the text of a config.json through ParseModelConfig (sim/model/model_config.h).
// Checks: no crash or sanitizer report, errors are one line, and an accepted config has the positive,
// dividing sizes that sharding relies on.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/model/model_config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  tpsim::StatusOr<tpsim::ModelConfig> c = tpsim::ParseModelConfig(text, "fuzz/config.json");
  if (!c.ok()) {
    tpsim::fuzz::CheckEscapedOneLineError(c.status());
    return 0;
  }
  TPSIM_FUZZ_CHECK(c->hidden_size > 0);
  TPSIM_FUZZ_CHECK(c->intermediate_size > 0);
  TPSIM_FUZZ_CHECK(c->num_layers > 0);
  TPSIM_FUZZ_CHECK(c->num_heads > 0);
  TPSIM_FUZZ_CHECK(c->num_kv_heads > 0);
  TPSIM_FUZZ_CHECK(c->num_heads % c->num_kv_heads == 0);
  TPSIM_FUZZ_CHECK(c->head_dim > 0);
  TPSIM_FUZZ_CHECK(c->vocab_size > 0);
  TPSIM_FUZZ_CHECK(c->name == "fuzz/config.json");
  return 0;
}
