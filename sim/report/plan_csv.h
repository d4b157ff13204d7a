// `tpsim plan --format csv`: a header line, then one row per rank. Each row repeats the deployment's
// inputs and verdict (model, tensor_parallel_size, vllm_version, max_model_len, outcome, error_kind,
// num_blocks, kv_tokens, max_concurrency) before the rank's own columns, which carry the names and
// values of the rank objects of `tpsim plan --json` (GiB rounded to 4 decimals); the rank's error
// kind is rank_error. A row is self-contained, so that rows of several runs can be concatenated.
#ifndef TPSIM_SIM_REPORT_PLAN_CSV_H_
#define TPSIM_SIM_REPORT_PLAN_CSV_H_

#include <string>

#include "sim/coord/deployment.h"

namespace tpsim {

std::string PlanCsvHeader();         // without the newline
std::string PlanToCsv(const PlanResult& r);  // header + rows, each ending in a newline

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_PLAN_CSV_H_
