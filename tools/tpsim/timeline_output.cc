#include "tools/tpsim/timeline_output.h"

#include <cstdio>

#include "sim/report/timeline_writer.h"

namespace tpsim::cli {

TimelineOutput::TimelineOutput(std::string command, const std::string& dir) : command_(std::move(command)) {
  if (!dir.empty()) out_ = std::make_unique<OutputDir>(dir);
}

Status TimelineOutput::Add(const PlanResult& result, bool per_size) {
  if (!active()) return Status::Ok();
  if (result.ranks.empty()) return Status::Internal("no rank reports to write");
  std::string note;
  TPSIM_RETURN_IF_ERROR(WriteTimelineFiles(result.ranks, result.ranks.front().requested, out_.get(),
                                           per_size ? "tp" + std::to_string(result.cfg.tp) : "", &note));
  if (!note.empty()) notes_.push_back(note);
  return Status::Ok();
}

Status TimelineOutput::Commit() {
  if (!active()) return Status::Ok();
  TPSIM_RETURN_IF_ERROR(out_->Commit());
  // One line, however many sizes lost their picture.
  if (!notes_.empty()) {
    const std::string more =
        notes_.size() > 1 ? " (and " + std::to_string(notes_.size() - 1) + " more picture(s) not drawn)" : "";
    std::fprintf(stderr, "tpsim %s: %s%s\n", command_.c_str(), notes_.front().c_str(), more.c_str());
  }
  return Status::Ok();
}

}  // namespace tpsim::cli
