// The streaming parts of Sweep (sweep.h, issue 13 "bounded resources"): rows are produced by a pool
// of worker threads and handed out in grid order through a window of a few rows per thread, so a grid
// of ten million combinations runs in the memory of a few dozen rows; under mpirun the processes work
// in rounds of kRoundRowsPerProcess rows each and rank 0 gathers one round at a time.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "sim/tune/sweep.h"

namespace tpsim {

namespace {

int EffectiveJobs(int jobs, std::int64_t count) {
  if (jobs <= 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<int>(std::clamp<std::int64_t>(jobs, 1, std::max<std::int64_t>(count, 1)));
}

}  // namespace

Status Sweep::StreamStrided(std::int64_t first, std::int64_t step, std::int64_t count, int jobs,
                            const SweepSink& sink, const SweepProgress& progress, const SweepFlush& flush) const {
  if (count <= 0) return Status::Ok();
  jobs = EffectiveJobs(jobs, count);
  // Rows k with emitted <= k < emitted + window may be in flight or waiting to be handed out.
  const std::int64_t window = std::max<std::int64_t>(8, 4 * jobs);
  std::vector<std::optional<StatusOr<SweepRow>>> slots(static_cast<std::size_t>(window));
  std::mutex mu;
  std::condition_variable row_ready, slot_free;  // for the caller's thread; for the workers
  std::int64_t next = 0, emitted = 0;
  int workers_waiting = 0;
  bool stop = false;
  auto work = [&] {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      ++workers_waiting;
      slot_free.wait(lock, [&] { return stop || next >= count || next < emitted + window; });
      --workers_waiting;
      if (stop || next >= count) return;
      const std::int64_t k = next++;
      lock.unlock();
      StatusOr<SweepRow> row = RunOne(first + k * step);
      lock.lock();
      slots[static_cast<std::size_t>(k % window)].emplace(std::move(row));
      if (k == emitted) row_ready.notify_one();
    }
  };
  std::vector<std::thread> workers;
  Status result;
  try {
    for (int t = 0; t < jobs; ++t) workers.emplace_back(work);
  } catch (const std::system_error& e) {
    if (workers.empty()) return Status::Internal(std::string("cannot start a sweep worker thread: ") + e.what());
    // Fewer workers than asked for (a thread limit): the started ones do all the rows.
  }
  for (std::int64_t k = 0; k < count && result.ok(); ++k) {
    std::unique_lock<std::mutex> lock(mu);
    std::optional<StatusOr<SweepRow>>& slot = slots[static_cast<std::size_t>(k % window)];
    if (!slot.has_value() && flush) {
      // Everything finished so far is out; hand it on before waiting.
      lock.unlock();
      result = flush();
      lock.lock();
      if (!result.ok()) break;
    }
    row_ready.wait(lock, [&] { return slot.has_value(); });
    StatusOr<SweepRow> row = std::move(*slot);
    slot.reset();
    ++emitted;
    if (workers_waiting > 0) slot_free.notify_one();
    lock.unlock();
    result = row.ok() ? sink(*row) : row.status();
    if (result.ok() && progress) progress(k + 1, count);
  }
  if (result.ok() && flush) result = flush();
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  slot_free.notify_all();
  for (std::thread& t : workers) t.join();
  return result;
}

Status Sweep::StreamAll(int jobs, const SweepSink& sink, const SweepProgress& progress,
                        const SweepFlush& flush) const {
  return StreamStrided(0, 1, size(), jobs, sink, progress, flush);
}

Status Sweep::StreamDistributed(ProcessGroup& pg, int jobs, const SweepSink& sink, const SweepProgress& progress,
                                const SweepFlush& flush) const {
  const std::int64_t n = pg.size();
  const std::int64_t me = pg.rank();
  const std::int64_t per_round = kRoundRowsPerProcess * n;
  std::int64_t done = 0;
  for (std::int64_t base = 0; base < size(); base += per_round) {
    const std::int64_t end = std::min(size(), base + per_round);
    // This process's rows of the round: base + me, base + me + n, ... below end.
    const std::int64_t mine = base + me < end ? (end - (base + me) + n - 1) / n : 0;
    nlohmann::ordered_json payload = nlohmann::ordered_json::array();
    Status local = StreamStrided(base + me, n, mine, jobs, [&payload](const SweepRow& r) {
      payload.push_back(SweepRowToJson(r));
      return Status::Ok();
    }, nullptr, nullptr);
    if (!local.ok()) payload = {{"error", local.message()}};
    // Every process reaches the gather and the verdict, also after a failure, so that none waits.
    TPSIM_ASSIGN_OR_RETURN(std::vector<std::string> gathered, pg.Gather(payload.dump()));
    Status verdict = local;
    if (me == 0 && verdict.ok()) {
      std::vector<std::optional<SweepRow>> round(static_cast<std::size_t>(end - base));
      for (std::size_t p = 0; p < gathered.size() && verdict.ok(); ++p) {
        const nlohmann::json j = nlohmann::json::parse(gathered[p], nullptr, false);
        if (j.is_object() && j.contains("error") && j["error"].is_string()) {
          verdict = Status::Internal("sweep process " + std::to_string(p) + ": " + j["error"].get<std::string>());
        } else if (!j.is_array()) {
          verdict = Status::Internal("malformed sweep rows from process " + std::to_string(p));
        }
        for (std::size_t i = 0; verdict.ok() && i < j.size(); ++i) {
          StatusOr<SweepRow> row = SweepRowFromJson(j[i]);
          if (!row.ok()) {
            verdict = Status::Internal(row.status().message());
          } else if (row->index < base || row->index >= end || round[row->index - base].has_value()) {
            verdict = Status::Internal("sweep row index " + std::to_string(row->index) + " out of place");
          } else {
            round[row->index - base] = std::move(*row);
          }
        }
      }
      for (std::size_t i = 0; verdict.ok() && i < round.size(); ++i) {
        if (!round[i].has_value()) {
          verdict = Status::Internal("sweep row " + std::to_string(base + static_cast<std::int64_t>(i)) +
                                     " missing after the gather");
        } else {
          verdict = sink(*round[i]);
          if (verdict.ok() && progress) progress(++done, size());
        }
      }
      if (verdict.ok() && flush) verdict = flush();
    }
    // Rank 0 tells everyone whether to go on ("" = yes), so that a failure anywhere stops all.
    TPSIM_ASSIGN_OR_RETURN(std::string stop, pg.Broadcast(verdict.ok() ? "" : verdict.message()));
    if (!local.ok()) return local;
    if (me == 0 && !verdict.ok()) return verdict;
    if (!stop.empty()) return Status::Internal(stop);
  }
  return Status::Ok();
}

StatusOr<std::vector<SweepRow>> Sweep::RunAll(int jobs, const SweepProgress& progress) const {
  std::vector<SweepRow> rows;
  TPSIM_RETURN_IF_ERROR(StreamAll(jobs, [&rows](const SweepRow& r) {
    rows.push_back(r);
    return Status::Ok();
  }, progress));
  return rows;
}

StatusOr<std::vector<SweepRow>> Sweep::RunDistributed(ProcessGroup& pg, int jobs,
                                                      const SweepProgress& progress) const {
  std::vector<SweepRow> rows;
  TPSIM_RETURN_IF_ERROR(StreamDistributed(pg, jobs, [&rows](const SweepRow& r) {
    rows.push_back(r);
    return Status::Ok();
  }, progress));
  return rows;
}

}  // namespace tpsim
