// Renderings of a PlanResult (DESIGN §6): the text table (a '#'-prefixed header with the resolved
// inputs, one row per rank with a units row, the KV line and the verdict in vLLM's words) and the
// tpsim.plan/1 JSON object. Both are pure functions of the same struct.
#ifndef TPSIM_SIM_REPORT_PLAN_REPORT_H_
#define TPSIM_SIM_REPORT_PLAN_REPORT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "sim/coord/deployment.h"

namespace tpsim {

std::string RenderPlanText(const PlanResult& r);
nlohmann::json PlanToJson(const PlanResult& r);
// The "inputs" object: every flag as resolved.
nlohmann::json InputsToJson(const ResolvedConfig& c);
// GiB rounded to 4 decimals for JSON.
double JsonGiB(Bytes b);

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_PLAN_REPORT_H_
