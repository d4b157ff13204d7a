// Hardening: garbage in a pasted `vllm serve` command (`tpsim plan -- vllm serve MODEL --flags...`).
// Each must be refused with exit 2, one line on stderr, nothing on stdout and no file written
// (cli_harness.h), within the time and memory limits.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/hardening/cli_harness.h"

namespace tpsim::hardening {
namespace {

const char kModel[] = "Qwen/Qwen3-32B-AWQ";

std::vector<std::string> Pasted(const std::vector<std::string>& words) {
  std::vector<std::string> args = {"plan", "--"};
  args.insert(args.end(), words.begin(), words.end());
  return args;
}

TEST(PastedCommandTest, MissingValues) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "-tp"}), "tensor-parallel-size");
  ExpectRefused(Pasted({"vllm", "serve", "--tp"}), "tp");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--max-model-len"}), "max-model-len");
}

TEST(PastedCommandTest, UnknownFlagsAndWords) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--nonsense", "3"}), "nonsense");
  ExpectRefused(Pasted({"garbage", "x y", "---", "--", "-tp"}));
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--speculative-config", "{\"method\": \"ngram\"}"}),
                "speculative-config");
}

TEST(PastedCommandTest, UnknownModelOrSubcommand) {
  ExpectRefused(Pasted({"vllm", "serve", "nosuch/model"}), "nosuch/model");
  ExpectRefused(Pasted({"vllm", "chat", kModel}), "chat");
  ExpectRefused(Pasted({"vllm", "serve", std::string("\x01\x02\x7f", 3)}));
  ExpectRefused(Pasted({"vllm", "serve", "/nonexistent/model/dir"}), "/nonexistent/model/dir");
}

TEST(PastedCommandTest, OutOfRangeValues) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "-tp", "3"}), "divisible");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--tensor-parallel-size", "0"}), "tensor-parallel-size");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--gpu-memory-utilization", "1.5"}), "utilization");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--max-model-len", "99999999999999999999"}),
                "max-model-len");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--block-size", "3"}), "block-size");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--max-num-seqs", "0"}), "max-num-seqs");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--kv-cache-dtype", "int3"}), "int3");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "-q", "bitsandbytes4"}), "bitsandbytes4");
}

TEST(PastedCommandTest, RepeatedFlag) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--tp", "2", "--tp", "4"}), "more than once");
}

TEST(PastedCommandTest, VeryLongGarbageEndsQuickly) {
  std::vector<std::string> words = {"vllm", "serve", kModel};
  for (int i = 0; i < 20000; ++i) words.push_back(i % 2 == 0 ? "-tp" : "--enforce-eager");
  ExpectRefused(Pasted(words));
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--" + std::string(100000, 'x')}));
}

// Booleans as vLLM's argparse reads them (BooleanOptionalAction): a word after a switch is a stray
// argument, `=value` on a switch is refused, a value flag followed by another flag has no value.
TEST(PastedCommandTest, SwitchesTakeNoValues) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--enforce-eager", "false"}), "unrecognized arguments: false");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--trust-remote-code=1"}), "ignored explicit argument '1'");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--enable-prefix-caching", "true"}), "unrecognized arguments");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "-tp", "--enforce-eager"}),
                "argument --tensor-parallel-size/-tp: expected one argument");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--host", "--port", "8000"}), "argument --host: expected one argument");
}

TEST(PastedCommandTest, VllmFormsAreAnswered) {
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"vllm", "serve", kModel, "-tp=2", "--max-model-len=8k", "--no-enable-prefix-caching"},
        std::vector<std::string>{"vllm", "serve", kModel, "--tensor-parallel-size", "2", "--max-model-len", "8000",
                                 "--no-enforce-eager", "--host", "0.0.0.0"}}) {
    Scratch s;
    std::vector<std::string> args = {"plan", "--json", "--"};
    args.insert(args.end(), words.begin(), words.end());
    RunResult r = s.Tpsim(args);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_NE(r.out.find("\"max_model_len\": 8000"), std::string::npos) << r.out.substr(0, 400);
    EXPECT_NE(r.out.find("\"tensor_parallel_size\": 2"), std::string::npos);
  }
}

// The good case of the same path, so that the refusals above cannot pass for a wrong reason.
TEST(PastedCommandTest, WellFormedCommandIsAnswered) {
  Scratch s;
  RunResult r = s.Tpsim(Pasted({"vllm", "serve", kModel, "-tp", "2", "--max-model-len", "8192", "--port",
                                "8000", "--trust-remote-code"}));
  EXPECT_EQ(r.exit_code, 0) << r.Describe();
  EXPECT_NE(r.out, "");
  EXPECT_EQ(r.err, "");
}

// tools/tpsim/engine_flags.cc TranslatePasted: a server flag whose value is missing at the end
// (`--port`) and stray positional words after the model are dropped silently; vLLM's argparse refuses
// both ("expected one argument", "unrecognized arguments").
TEST(KnownBugPastedTest, ServerFlagWithoutValueAndStrayWords) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--port"}), "port");
  ExpectRefused(Pasted({"vllm", "serve", kModel, "extra", "positional"}), "extra");
}

// Boost.Program_options placeholder hang (BoostPlaceholderHang in bad_flags_test.cc), pasted.
TEST(KnownBugPastedTest, BoostPlaceholderInPastedValue) {
  ExpectRefused(Pasted({"vllm", "serve", kModel, "--max-model-len", "1%value%"}), "", /*timeout_s=*/20);
}

}  // namespace
}  // namespace tpsim::hardening
