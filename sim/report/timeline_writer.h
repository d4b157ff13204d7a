// Writers of the per-rank start-up timelines (DESIGN §6, issue 6): DIR/trace.json in Chrome
// trace-event format (one process per rank, a counter track per memory category, a slice per phase;
// opens in Perfetto), DIR/rank<N>.csv (one row per event), and DIR/memory.png, stacked memory per
// category over time, one panel per rank, with the budget and total lines.
//
// The directory is written all or nothing through an OutputDir (output_dir.h). The picture is drawn
// by gnuplot (Debian gnuplot-nox) started without a shell (child_process.h): the script goes on its
// standard input, it runs in the staging directory so that the script names only fixed relative files,
// and it is killed after 10 s. A missing or failing gnuplot costs only the picture: the other files are
// written and the caller gets one line saying why.
#ifndef TPSIM_SIM_REPORT_TIMELINE_WRITER_H_
#define TPSIM_SIM_REPORT_TIMELINE_WRITER_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/base/status.h"
#include "sim/rank/rank_report.h"
#include "sim/report/output_dir.h"

namespace tpsim {

nlohmann::json TimelinesToTrace(const std::vector<RankReport>& ranks);
std::string TimelineToCsv(const Timeline& t);
// Writes trace.json, rank<N>.csv and memory.png into `out`'s staging directory, under `subdir` ("" or
// one component such as "tp2"). When the picture could not be drawn, `note` (if not null) receives
// "memory.png not drawn: <why>". `budget` is gpu_memory_utilization x total; REQUIRES: ranks non-empty.
Status WriteTimelineFiles(const std::vector<RankReport>& ranks, Bytes budget, OutputDir* out,
                          const std::string& subdir, std::string* note);
// The same into `dir` alone, committed at once; a note goes to stderr as "tpsim: <note>".
Status WriteTimelineFiles(const std::vector<RankReport>& ranks, Bytes budget, const std::string& dir);

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_TIMELINE_WRITER_H_
