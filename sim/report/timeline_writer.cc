#include "sim/report/timeline_writer.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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

Status WriteAtomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) return Status::NotFound(tmp.string() + ": cannot write");
    f << text;
    if (!f) return Status::Internal(tmp.string() + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Status::Internal(path.string() + ": " + ec.message());
  return Status::Ok();
}

// Gnuplot script: one panel per rank, stacked categories (GiB) against time, budget and total lines.
std::string GnuplotScript(const std::vector<RankReport>& ranks, Bytes budget, const fs::path& dir,
                          const fs::path& out) {
  std::ostringstream g;
  g << "set terminal pngcairo size 1200," << 300 * ranks.size() + 60 << " font 'sans,10'\n";
  g << "set output '" << out.string() << "'\n";
  g << "set termoption noenhanced\nset datafile separator ','\nset key outside right\n";
  g << "set xlabel 'simulated time (s); dotted lines: start-up phases'\n";
  g << "set ylabel 'GiB'\nset multiplot layout " << ranks.size() << ",1\n";
  const int first_cat_col = 11;
  for (const RankReport& r : ranks) {
    g << "set title 'rank " << r.rank << " (" << r.gpu << ")'\n";
    g << "set yrange [0:" << ToGiB(r.total) * 1.12 << "]\n";
    g << "unset arrow\nunset label\n";
    const double end_s = r.timeline.phases.empty() ? 1.0 : r.timeline.phases.back().end_s;
    g << "set xrange [0:" << (end_s > 0 ? end_s : 1.0) << "]\n";
    int n = 0;
    for (const PhaseSpan& p : r.timeline.phases) {
      if (p.name == "ready") continue;
      g << "set arrow from " << p.begin_s << ",graph 0 to " << p.begin_s
        << ",graph 1 nohead dt 3 lc rgb 'gray40'\n";
      g << "set label '" << p.name << "' at " << p.begin_s << ",graph " << 0.97 - 0.055 * (n++ % 4)
        << " left offset 0.3,0 font ',8'\n";
    }
    g << "plot ";
    for (int c = kNumCategories - 1; c >= 0; --c) {
      std::string sum;
      for (int k = 0; k <= c; ++k) sum += (k ? "+" : "") + std::string("$") + std::to_string(first_cat_col + k);
      g << "'" << (dir / ("rank" + std::to_string(r.rank) + ".csv")).string()
        << "' every ::1 using 1:((" << sum << ")/1073741824.0) with filledcurves x1 title '"
        << CategoryName(static_cast<MemCategory>(c)) << "', ";
    }
    g << ToGiB(budget) << " with lines dt 2 lw 2 lc rgb 'black' title 'budget (utilization x total)', "
      << ToGiB(r.total) << " with lines lw 2 lc rgb 'red' title 'card total'\n";
  }
  g << "unset multiplot\n";
  return g.str();
}

}  // namespace

Status WriteTimelineFiles(const std::vector<RankReport>& ranks, Bytes budget, const std::string& d) {
  const fs::path dir(d);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::NotFound(d + ": cannot create directory: " + ec.message());
  TPSIM_RETURN_IF_ERROR(WriteAtomically(dir / "trace.json", TimelinesToTrace(ranks).dump()));
  for (const RankReport& r : ranks) {
    TPSIM_RETURN_IF_ERROR(
        WriteAtomically(dir / ("rank" + std::to_string(r.rank) + ".csv"), TimelineToCsv(r.timeline)));
  }
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    return Status::Ok();  // the picture needs gnuplot (Debian gnuplot-nox); trace and CSV are written
  }
  const fs::path png_tmp = dir / "memory.png.tmp";
  TPSIM_RETURN_IF_ERROR(WriteAtomically(dir / "memory.gp", GnuplotScript(ranks, budget, dir, png_tmp)));
  const std::string cmd = "gnuplot '" + (dir / "memory.gp").string() + "' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return Status::Internal("gnuplot failed to draw memory.png");
  fs::rename(png_tmp, dir / "memory.png", ec);
  if (ec) return Status::Internal("memory.png: " + ec.message());
  return Status::Ok();
}

}  // namespace tpsim
