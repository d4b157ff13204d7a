// The --timeline DIR of plan, scale and compare, written all or nothing (sim/report/output_dir.h):
// plan writes DIR/{trace.json, rank<N>.csv, memory.png}; scale and compare one sub-directory per size,
// DIR/tp<N>/, and the whole set appears at once or not at all.
//
// Construct it when the command starts (before any simulation): that is when DIR is looked at first,
// so that a second tpsim writing DIR meanwhile makes this one exit 2 instead of replacing its output.
// Only the coordinator (rank 0) writes.
#ifndef TPSIM_TOOLS_TPSIM_TIMELINE_OUTPUT_H_
#define TPSIM_TOOLS_TPSIM_TIMELINE_OUTPUT_H_

#include <memory>
#include <string>
#include <vector>

#include "sim/coord/deployment.h"
#include "sim/report/output_dir.h"

namespace tpsim::cli {

class TimelineOutput {
 public:
  // `command` names the messages ("plan"); `dir` "" means no --timeline (every call is a no-op).
  TimelineOutput(std::string command, const std::string& dir);

  bool active() const { return out_ != nullptr; }
  // Stages the result's files, in DIR itself or (per_size) in DIR/tp<N>/.
  Status Add(const PlanResult& result, bool per_size);
  // Puts DIR in place; then prints one line "tpsim <command>: memory.png not drawn: ..." when gnuplot
  // could not draw a picture (the rest of the timeline is complete).
  Status Commit();

 private:
  std::string command_;
  std::unique_ptr<OutputDir> out_;
  std::vector<std::string> notes_;
};

}  // namespace tpsim::cli

#endif  // TPSIM_TOOLS_TPSIM_TIMELINE_OUTPUT_H_
