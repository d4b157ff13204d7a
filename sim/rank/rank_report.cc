#include "sim/rank/rank_report.h"

#include <nlohmann/json.hpp>

namespace tpsim {

using nlohmann::json;

namespace {

#define TPSIM_REPORT_FIELDS(X)                                                                  \
  X(rank) X(gpu) X(total) X(requested) X(init_free) X(cuda_context) X(nccl) X(custom_allreduce) \
  X(runner_buffers) X(weights) X(activation_peak) X(non_torch) X(cudagraph_estimate)            \
  X(available_kv) X(num_blocks_local) X(kv_cache) X(cudagraph) X(peak_used) X(final_used)       \
  X(transport) X(custom_allreduce_on) X(custom_allreduce_note) X(error_kind) X(error_message) X(log)

}  // namespace

std::string RankReportToJson(const RankReport& r) {
  json j;
#define X(f) j[#f] = r.f;
  TPSIM_REPORT_FIELDS(X)
#undef X
  json events = json::array();
  for (const TimelineEvent& e : r.timeline.events) {
    events.push_back({e.time_s, static_cast<int>(e.kind), e.phase, static_cast<int>(e.category),
                      e.label, e.bytes, e.torch, e.allocated, e.reserved, e.device_used,
                      std::vector<Bytes>(e.by_category.begin(), e.by_category.end())});
  }
  json phases = json::array();
  for (const PhaseSpan& p : r.timeline.phases) {
    phases.push_back({p.name, p.begin_s, p.end_s, p.device_used_end});
  }
  j["timeline"] = {{"rank", r.timeline.rank}, {"events", events}, {"phases", phases}};
  return j.dump();
}

StatusOr<RankReport> RankReportFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Internal("malformed rank report");
  RankReport r;
  try {
#define X(f) j.at(#f).get_to(r.f);
    TPSIM_REPORT_FIELDS(X)
#undef X
    const json& t = j.at("timeline");
    r.timeline.rank = t.at("rank").get<int>();
    for (const json& e : t.at("events")) {
      TimelineEvent ev;
      ev.time_s = e[0].get<double>();
      ev.kind = static_cast<EventKind>(e[1].get<int>());
      ev.phase = e[2].get<std::string>();
      ev.category = static_cast<MemCategory>(e[3].get<int>());
      ev.label = e[4].get<std::string>();
      ev.bytes = e[5].get<Bytes>();
      ev.torch = e[6].get<bool>();
      ev.allocated = e[7].get<Bytes>();
      ev.reserved = e[8].get<Bytes>();
      ev.device_used = e[9].get<Bytes>();
      const auto cats = e[10].get<std::vector<Bytes>>();
      for (int i = 0; i < kNumCategories && i < static_cast<int>(cats.size()); ++i) {
        ev.by_category[i] = cats[i];
      }
      r.timeline.events.push_back(std::move(ev));
    }
    for (const json& p : t.at("phases")) {
      r.timeline.phases.push_back({p[0].get<std::string>(), p[1].get<double>(), p[2].get<double>(),
                                   p[3].get<Bytes>()});
    }
  } catch (const json::exception& e) {
    return Status::Internal(std::string("malformed rank report: ") + e.what());
  }
  return r;
}

}  // namespace tpsim
