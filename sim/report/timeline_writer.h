// Writers of the per-rank start-up timelines (DESIGN §6, issue 6): DIR/trace.json in Chrome
// trace-event format (one process per rank, a counter track per memory category, a slice per phase;
// opens in Perfetto), DIR/rank<N>.csv (one row per event), and DIR/memory.png, stacked memory per
// category over time, one panel per rank, with the budget and total lines (drawn by gnuplot when it is
// installed). Files are written to a temporary name and renamed, so nothing half-written remains.
#ifndef TPSIM_SIM_REPORT_TIMELINE_WRITER_H_
#define TPSIM_SIM_REPORT_TIMELINE_WRITER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/status.h"
#include "sim/rank/rank_report.h"

namespace tpsim {

nlohmann::json TimelinesToTrace(const std::vector<RankReport>& ranks);
std::string TimelineToCsv(const Timeline& t);
// `budget` is gpu_memory_utilization x total; REQUIRES: ranks non-empty.
Status WriteTimelineFiles(const std::vector<RankReport>& ranks, Bytes budget, const std::string& dir);

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_TIMELINE_WRITER_H_
