// Findings of the seed study, computed from sweep rows (issue 7). Nothing here is written down in
// advance: every number is read off the rows, and the wording follows the numbers (a finding the rows
// cannot support says so).
//
// Comparisons are paired: two rows are a pair for a factor when every other input (model, GPU, tp,
// vLLM version, utilization, max_model_len, max_num_seqs, max_num_batched_tokens, enforce_eager,
// quantization, KV dtype, block size) is equal. A factor's effect is the median over its pairs of
// (value at the factor's largest setting) - (value at its smallest), over pairs where both rows
// started (outcome ok) unless said otherwise. GiB are per card.
#ifndef TPSIM_SIM_TUNE_FINDINGS_H_
#define TPSIM_SIM_TUNE_FINDINGS_H_

#include <map>
#include <string>
#include <vector>

#include "sim/tune/sweep.h"

namespace tpsim {

struct Finding {
  std::string id;     // context_vs_batched_tokens | enforce_eager | utilization_linear |
                      // does_not_start | tp_not_1_over_n | two_to_four_cards
  std::string title;
  bool supported = false;  // false: the rows lack the pairs this finding needs
  std::vector<std::string> lines;       // the finding in words, with its numbers
  std::map<std::string, double> numbers;  // the same numbers by name, for scripts and tests
};

// The six findings of the seed study, in that order.
std::vector<Finding> SeedStudyFindings(const std::vector<SweepRow>& rows);

// Median of `v` (0 for an empty vector).
double Median(std::vector<double> v);

// The factors rows can be paired on.
enum class Factor {
  kModel, kGpu, kTp, kVllmVersion, kUtilization, kMaxModelLen, kMaxNumSeqs, kMaxNumBatchedTokens,
  kEnforceEager, kQuantization, kKvCacheDtype, kBlockSize,
};

// Pairs (lo, hi) of rows equal in every input except `f`, with f = `lo_value` in the first and
// `hi_value` in the second (values as text: "8192", "0.9", "1" for true). Both rows need outcome ok
// when `both_ok`.
std::vector<std::pair<const SweepRow*, const SweepRow*>> PairsOn(const std::vector<SweepRow>& rows,
                                                                 Factor f, const std::string& lo_value,
                                                                 const std::string& hi_value,
                                                                 bool both_ok);
// Factor `f` of a row as text.
std::string FactorValue(const SweepRow& row, Factor f);

}  // namespace tpsim

#endif  // TPSIM_SIM_TUNE_FINDINGS_H_
