#include "sim/report/timeline_writer.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "sim/report/child_process.h"

namespace tpsim {

namespace fs = std::filesystem;

nlohmann::json TimelinesToTrace(const std::vector<RankReport>& ranks) {
  nlohmann::json events = nlohmann::json::array();
  for (const RankReport& r : ranks) {
    const int pid = r.rank;
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", pid}, {"tid", 0},
                      {"args", {{"name", "rank " + std::to_string(r.rank) + " (" + r.gpu + ")"}}}});
    for (const PhaseSpan& p : r.timeline.phases) {
      events.push_back({{"name", p.name}, {"ph", "X"}, {"pid", pid}, {"tid", 0},
                        {"ts", p.begin_s * 1e6}, {"dur", std::max(0.0, p.end_s - p.begin_s) * 1e6},
                        {"args", {{"device_used_mib", ToMiB(p.device_used_end)}}}});
    }
    for (const TimelineEvent& e : r.timeline.events) {
      if (e.kind == EventKind::kPhase) continue;
      nlohmann::json args;
      for (int c = 0; c < kNumCategories; ++c) {
        args[std::string(CategoryName(static_cast<MemCategory>(c)))] = ToMiB(e.by_category[c]);
      }
      events.push_back({{"name", "memory (MiB)"}, {"ph", "C"}, {"pid", pid}, {"ts", e.time_s * 1e6},
                        {"args", args}});
      if (e.kind == EventKind::kCollective) {
        events.push_back({{"name", e.label}, {"ph", "i"}, {"s", "t"}, {"pid", pid}, {"tid", 0},
                          {"ts", e.time_s * 1e6}});
      }
    }
  }
  return {{"traceEvents", events}, {"displayTimeUnit", "ms"}};
}

std::string TimelineToCsv(const Timeline& t) {
  std::ostringstream out;
  out << "time_s,phase,kind,category,label,bytes,torch,allocated,reserved,device_used";
  for (int c = 0; c < kNumCategories; ++c) out << "," << CategoryName(static_cast<MemCategory>(c));
  out << "\n";
  for (const TimelineEvent& e : t.events) {
    std::string label = e.label;
    for (char& ch : label) {
      if (ch == ',' || ch == '"' || ch == '\n') ch = ' ';
    }
    out << e.time_s << "," << e.phase << "," << EventKindName(e.kind) << ","
        << CategoryName(e.category) << "," << label << "," << e.bytes << "," << (e.torch ? 1 : 0)
        << "," << e.allocated << "," << e.reserved << "," << e.device_used;
    for (int c = 0; c < kNumCategories; ++c) out << "," << e.by_category[c];
    out << "\n";
  }
  return out.str();
}

namespace {

// Seconds gnuplot may take to draw memory.png (about one for 8 ranks) before it is killed.
constexpr double kGnuplotTimeoutS = 10;

// `s` inside a gnuplot single-quoted string: a quote is doubled, control characters become spaces
// (no substitution happens inside single quotes).
std::string GnuplotQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "''";
    } else {
      out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
    }
  }
  return out + "'";
}

// Gnuplot script: one panel per rank, stacked categories (GiB) against time, budget and total lines.
// Run in the directory of the CSV files: every name in it is relative and fixed, so no path the user
// gave ever appears in the script.
std::string GnuplotScript(const std::vector<RankReport>& ranks, Bytes budget) {
  std::ostringstream g;
  g << "set terminal pngcairo size 1200," << 300 * ranks.size() + 60 << " font 'sans,10'\n";
  g << "set output 'memory.png'\n";
  g << "set termoption noenhanced\nset datafile separator ','\nset key outside right\n";
  g << "set xlabel 'simulated time (s); dotted lines: start-up phases'\n";
  g << "set ylabel 'GiB'\nset multiplot layout " << ranks.size() << ",1\n";
  const int first_cat_col = 11;
  for (const RankReport& r : ranks) {
    g << "set title " << GnuplotQuoted("rank " + std::to_string(r.rank) + " (" + r.gpu + ")") << "\n";
    g << "set yrange [0:" << ToGiB(r.total) * 1.12 << "]\n";
    g << "unset arrow\nunset label\n";
    const double end_s = r.timeline.phases.empty() ? 1.0 : r.timeline.phases.back().end_s;
    g << "set xrange [0:" << (end_s > 0 ? end_s : 1.0) << "]\n";
    int n = 0;
    for (const PhaseSpan& p : r.timeline.phases) {
      if (p.name == "ready") continue;
      g << "set arrow from " << p.begin_s << ",graph 0 to " << p.begin_s
        << ",graph 1 nohead dt 3 lc rgb 'gray40'\n";
      g << "set label " << GnuplotQuoted(p.name) << " at " << p.begin_s << ",graph " << 0.97 - 0.055 * (n++ % 4)
        << " left offset 0.3,0 font ',8'\n";
    }
    g << "plot ";
    for (int c = kNumCategories - 1; c >= 0; --c) {
      std::string sum;
      for (int k = 0; k <= c; ++k) sum += (k ? "+" : "") + std::string("$") + std::to_string(first_cat_col + k);
      g << "'rank" << r.rank << ".csv' every ::1 using 1:((" << sum << ")/1073741824.0) with filledcurves x1 title "
        << GnuplotQuoted(std::string(CategoryName(static_cast<MemCategory>(c)))) << ", ";
    }
    g << ToGiB(budget) << " with lines dt 2 lw 2 lc rgb 'black' title 'budget (utilization x total)', "
      << ToGiB(r.total) << " with lines lw 2 lc rgb 'red' title 'card total'\n";
  }
  g << "unset multiplot\n";
  return g.str();
}

// Draws `dir`/memory.png with gnuplot. "" when drawn, else why not (one line).
std::string DrawMemoryPng(const std::vector<RankReport>& ranks, Bytes budget, const std::string& dir) {
  const ChildResult r = RunChild({"gnuplot"}, dir, GnuplotScript(ranks, budget), kGnuplotTimeoutS);
  std::error_code ec;
  const fs::path png = fs::path(dir) / "memory.png";
  if (r.succeeded() && fs::is_regular_file(png, ec) && fs::file_size(png, ec) > 0) return "";
  fs::remove(png, ec);  // never a half-drawn picture
  if (r.outcome == ChildResult::Outcome::kNotFound) {
    return "gnuplot not found on PATH (install gnuplot-nox to get memory.png)";
  }
  if (r.succeeded()) return "gnuplot wrote no picture";
  return "gnuplot " + r.Describe(kGnuplotTimeoutS);
}

}  // namespace

Status WriteTimelineFiles(const std::vector<RankReport>& ranks, Bytes budget, OutputDir* out,
                          const std::string& subdir, std::string* note) {
  const std::string prefix = subdir.empty() ? "" : subdir + "/";
  TPSIM_ASSIGN_OR_RETURN(std::string dir, out->StagingPath(subdir));
  TPSIM_RETURN_IF_ERROR(out->Write(prefix + "trace.json", TimelinesToTrace(ranks).dump()));
  for (const RankReport& r : ranks) {
    TPSIM_RETURN_IF_ERROR(out->Write(prefix + "rank" + std::to_string(r.rank) + ".csv", TimelineToCsv(r.timeline)));
  }
  const std::string why = DrawMemoryPng(ranks, budget, dir);
  if (why.empty()) {
    out->Adopt(prefix + "memory.png");
  } else if (note != nullptr) {
    *note = prefix + "memory.png not drawn: " + why;
  }
  return Status::Ok();
}

Status WriteTimelineFiles(const std::vector<RankReport>& ranks, Bytes budget, const std::string& dir) {
  OutputDir out(dir);
  std::string note;
  TPSIM_RETURN_IF_ERROR(WriteTimelineFiles(ranks, budget, &out, "", &note));
  TPSIM_RETURN_IF_ERROR(out.Commit());
  if (!note.empty()) std::fprintf(stderr, "tpsim: %s\n", note.c_str());
  return Status::Ok();
}

}  // namespace tpsim
