#include "sim/tune/findings.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <functional>
#include <set>

#include <Eigen/Dense>

namespace tpsim {

namespace {

constexpr Factor kAllFactors[] = {
    Factor::kModel,        Factor::kGpu,          Factor::kTp,
    Factor::kVllmVersion,  Factor::kUtilization,  Factor::kMaxModelLen,
    Factor::kMaxNumSeqs,   Factor::kMaxNumBatchedTokens, Factor::kEnforceEager,
    Factor::kQuantization, Factor::kKvCacheDtype, Factor::kBlockSize,
};

// Below this a change in GiB reads as "no change" (the rows carry 4 decimals; 0.01 GiB = 10 MiB).
constexpr double kNegligibleGiB = 0.01;

std::string F(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

std::string InputKey(const SweepRow& r, Factor except) {
  std::string key;
  for (Factor f : kAllFactors) {
    if (f == except) continue;
    key += FactorValue(r, f);
    key += '\x1f';
  }
  return key;
}

bool Numeric(const std::string& s, double* v) {
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

// Distinct values of `f`, numerically ascending where they are numbers.
std::vector<std::string> SortedValues(const std::vector<SweepRow>& rows, Factor f) {
  std::set<std::string> seen;
  for (const SweepRow& r : rows) seen.insert(FactorValue(r, f));
  std::vector<std::string> out(seen.begin(), seen.end());
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    double x, y;
    if (Numeric(a, &x) && Numeric(b, &y)) return x < y;
    return a < b;
  });
  return out;
}

using Pairs = std::vector<std::pair<const SweepRow*, const SweepRow*>>;

std::vector<double> Deltas(const Pairs& pairs, const std::function<double(const SweepRow&)>& m) {
  std::vector<double> d;
  for (const auto& [lo, hi] : pairs) d.push_back(m(*hi) - m(*lo));
  return d;
}

std::vector<double> Values(const Pairs& pairs, bool hi,
                           const std::function<double(const SweepRow&)>& m) {
  std::vector<double> v;
  for (const auto& p : pairs) v.push_back(m(hi ? *p.second : *p.first));
  return v;
}

double MaxAbs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

double FixedPart(const SweepRow& r) {
  return r.cuda_context_gib + r.nccl_gib + r.activation_gib + r.non_torch_gib;
}

std::string ShortModel(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

Finding Unsupported(const std::string& id, const std::string& title, const std::string& needs) {
  Finding f;
  f.id = id;
  f.title = title;
  f.supported = false;
  f.lines.push_back("not enough rows to tell: needs " + needs);
  return f;
}

// 1. max_model_len barely moves per-card memory; max_num_batched_tokens takes from the KV cache.
Finding ContextVsBatchedTokens(const std::vector<SweepRow>& rows) {
  const std::string id = "context_vs_batched_tokens";
  const std::string title = "max_model_len vs max_num_batched_tokens";
  const std::vector<std::string> lens = SortedValues(rows, Factor::kMaxModelLen);
  const std::vector<std::string> toks = SortedValues(rows, Factor::kMaxNumBatchedTokens);
  if (lens.size() < 2 || toks.size() < 2) {
    return Unsupported(id, title, "two or more max_model_len and max_num_batched_tokens values");
  }
  const Pairs lp = PairsOn(rows, Factor::kMaxModelLen, lens.front(), lens.back(), true);
  const Pairs tp = PairsOn(rows, Factor::kMaxNumBatchedTokens, toks.front(), toks.back(), true);
  if (lp.empty() || tp.empty()) {
    return Unsupported(id, title, "pairs of started runs differing only in one of the two flags");
  }
  Finding f;
  f.id = id;
  f.title = title;
  f.supported = true;
  const double len_final = Median(Deltas(lp, [](const SweepRow& r) { return r.final_used_gib; }));
  const double len_final_max = MaxAbs(Deltas(lp, [](const SweepRow& r) { return r.final_used_gib; }));
  const double len_kv = Median(Deltas(lp, [](const SweepRow& r) { return r.kv_cache_gib; }));
  const double len_conc_lo = Median(Values(lp, false, [](const SweepRow& r) { return r.max_concurrency; }));
  const double len_conc_hi = Median(Values(lp, true, [](const SweepRow& r) { return r.max_concurrency; }));
  const double tok_act = Median(Deltas(tp, [](const SweepRow& r) { return r.activation_gib; }));
  const double tok_kv = Median(Deltas(tp, [](const SweepRow& r) { return r.kv_cache_gib; }));
  const double tok_tokens =
      Median(Deltas(tp, [](const SweepRow& r) { return static_cast<double>(r.kv_tokens); }));
  const double tok_final = Median(Deltas(tp, [](const SweepRow& r) { return r.final_used_gib; }));
  const double kv_per_act = std::abs(tok_act) > 1e-9 ? -tok_kv / tok_act : 0.0;
  f.numbers = {{"len_lo", std::stod(lens.front())},
               {"len_hi", std::stod(lens.back())},
               {"len_pairs", static_cast<double>(lp.size())},
               {"len_final_used_delta_gib", len_final},
               {"len_final_used_delta_max_abs_gib", len_final_max},
               {"len_kv_cache_delta_gib", len_kv},
               {"tokens_lo", std::stod(toks.front())},
               {"tokens_hi", std::stod(toks.back())},
               {"tokens_pairs", static_cast<double>(tp.size())},
               {"tokens_activation_delta_gib", tok_act},
               {"tokens_kv_cache_delta_gib", tok_kv},
               {"tokens_kv_tokens_delta", tok_tokens},
               {"tokens_final_used_delta_gib", tok_final},
               {"kv_gib_per_activation_gib", kv_per_act}};
  f.lines.push_back(F(
      "max_model_len %s -> %s %s per-card final use: %+.3f GiB (median, at most %.3f GiB over %zu "
      "pairs); the KV cache changes by %+.3f GiB. The pool is sized by the memory budget, not by the "
      "context: a longer context only means fewer requests (max concurrency %.2fx -> %.2fx).",
      lens.front().c_str(), lens.back().c_str(),
      len_final_max < 0.1 ? "barely moves" : "moves", len_final, len_final_max, lp.size(), len_kv,
      len_conc_lo, len_conc_hi));
  f.lines.push_back(F(
      "max_num_batched_tokens %s -> %s raises the profile run's activation peak by %+.2f GiB and %s "
      "the KV cache by %.2f GiB (%+.0f KV tokens per card; median over %zu pairs): activations compete "
      "with the KV cache inside the same budget, %.2f GiB of KV per GiB of activation. Final use "
      "changes by %+.3f GiB.",
      toks.front().c_str(), toks.back().c_str(), tok_act, tok_kv < 0 ? "shrinks" : "grows",
      std::abs(tok_kv), tok_tokens, tp.size(), kv_per_act, tok_final));
  return f;
}

// 2. What enforce_eager saves and where it shows.
Finding EnforceEager(const std::vector<SweepRow>& rows) {
  const std::string id = "enforce_eager";
  const std::string title = "what enforce_eager saves";
  const Pairs p = PairsOn(rows, Factor::kEnforceEager, "0", "1", true);
  if (p.empty()) return Unsupported(id, title, "pairs of started runs with enforce_eager 0 and 1");
  Finding f;
  f.id = id;
  f.title = title;
  f.supported = true;
  std::vector<double> saved = Deltas(p, [](const SweepRow& r) { return -r.cudagraph_gib; });
  const double saved_med = Median(saved);
  const double saved_min = *std::min_element(saved.begin(), saved.end());
  const double saved_max = *std::max_element(saved.begin(), saved.end());
  const double d_final = Median(Deltas(p, [](const SweepRow& r) { return r.final_used_gib; }));
  const double d_kv = Median(Deltas(p, [](const SweepRow& r) { return r.kv_cache_gib; }));
  const double d_avail = Median(Deltas(p, [](const SweepRow& r) { return r.available_kv_gib; }));
  // What the eager profile run itself changes inside the budget (activation peak, non-torch memory).
  const double d_profile = Median(Deltas(p, [](const SweepRow& r) { return r.activation_gib + r.non_torch_gib; }));
  // Per pair: the KV budget change not due to the profile run.
  const double unexplained = Median(Deltas(
      p, [](const SweepRow& r) { return r.available_kv_gib + r.activation_gib + r.non_torch_gib; }));
  std::set<std::string> versions;
  for (const auto& [lo, hi] : p) versions.insert(lo->vllm_version);
  std::string vs;
  for (const std::string& v : versions) vs += (vs.empty() ? "" : ", ") + v;
  f.numbers = {{"pairs", static_cast<double>(p.size())},
               {"cudagraph_saved_gib", saved_med},
               {"cudagraph_saved_min_gib", saved_min},
               {"cudagraph_saved_max_gib", saved_max},
               {"final_used_delta_gib", d_final},
               {"kv_cache_delta_gib", d_kv},
               {"available_kv_delta_gib", d_avail},
               {"profile_run_delta_gib", d_profile},
               {"kv_budget_delta_not_from_profile_gib", unexplained}};
  f.lines.push_back(F("enforce_eager saves %.2f GiB of CUDA graphs per card (median over %zu pairs; "
                      "%.2f to %.2f).",
                      saved_med, p.size(), saved_min, saved_max));
  if (std::abs(unexplained) < kNegligibleGiB) {
    f.lines.push_back(F(
        "It shows in final use (%+.2f GiB per card), not in the KV budget: available KV memory moves "
        "by %+.3f GiB, which is the eager profile run's own activation/non-torch change (%+.3f GiB); "
        "vLLM %s captures the graphs after sizing the KV cache, in the (1 - utilization) headroom.",
        d_final, d_avail, d_profile, vs.c_str()));
  } else {
    f.lines.push_back(F(
        "It shows in final use (%+.2f GiB per card) and in the KV budget: available KV memory moves by "
        "%+.2f GiB, of which the profile run explains %+.2f GiB; the rest (%+.2f GiB) is the graph "
        "memory vLLM %s takes out of the KV budget.",
        d_final, d_avail, -d_profile, unexplained, vs.c_str()));
  }
  return f;
}

// 3. Per-card use is linear in gpu_memory_utilization.
Finding UtilizationLinear(const std::vector<SweepRow>& rows) {
  const std::string id = "utilization_linear";
  const std::string title = "per-card use vs gpu_memory_utilization";
  std::map<std::string, std::vector<const SweepRow*>> groups;
  for (const SweepRow& r : rows) {
    if (r.outcome == "ok") groups[InputKey(r, Factor::kUtilization)].push_back(&r);
  }
  std::vector<double> slopes, kv_slopes, ratios, totals;
  double max_residual = 0, min_r2 = 1;
  std::size_t settings = 0;
  for (const auto& [key, g] : groups) {
    std::set<double> us;
    for (const SweepRow* r : g) us.insert(r->gpu_memory_utilization);
    if (us.size() < 3) continue;
    Eigen::MatrixXd a(g.size(), 2);
    Eigen::VectorXd used(g.size()), kv(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      a(i, 0) = 1.0;
      a(i, 1) = g[i]->gpu_memory_utilization;
      used(i) = g[i]->final_used_gib;
      kv(i) = g[i]->kv_cache_gib;
    }
    const Eigen::Vector2d fit = a.colPivHouseholderQr().solve(used);
    const Eigen::Vector2d kv_fit = a.colPivHouseholderQr().solve(kv);
    const Eigen::VectorXd residual = a * fit - used;
    max_residual = std::max(max_residual, residual.cwiseAbs().maxCoeff());
    const double ss_tot = (used.array() - used.mean()).square().sum();
    if (ss_tot > 0) min_r2 = std::min(min_r2, 1.0 - residual.squaredNorm() / ss_tot);
    slopes.push_back(fit(1));
    kv_slopes.push_back(kv_fit(1));
    totals.push_back(g.front()->total_gib);
    ratios.push_back(g.front()->total_gib > 0 ? fit(1) / g.front()->total_gib : 0);
    settings = std::max(settings, us.size());
  }
  if (slopes.empty()) {
    return Unsupported(id, title, "three or more utilization values with the other flags equal");
  }
  Finding f;
  f.id = id;
  f.title = title;
  f.supported = true;
  const double slope = Median(slopes);
  const double ratio = Median(ratios);
  f.numbers = {{"groups", static_cast<double>(slopes.size())},
               {"slope_gib_per_unit", slope},
               {"slope_min_gib_per_unit", *std::min_element(slopes.begin(), slopes.end())},
               {"slope_max_gib_per_unit", *std::max_element(slopes.begin(), slopes.end())},
               {"kv_slope_gib_per_unit", Median(kv_slopes)},
               {"card_total_gib", Median(totals)},
               {"slope_over_total", ratio},
               {"max_residual_gib", max_residual},
               {"min_r2", min_r2}};
  f.lines.push_back(F(
      "Per-card use is %s in gpu_memory_utilization: least-squares slope %.2f GiB per unit, i.e. %.3f "
      "GiB per 0.01 (median over %zu groups of up to %zu settings; %.2f to %.2f), against a card of "
      "%.2f GiB (%.1f%%); R^2 >= %.4f in every group, largest residual %.3f GiB.",
      min_r2 >= 0.99 ? "linear" : "not quite linear", slope, slope / 100.0, slopes.size(), settings,
      f.numbers["slope_min_gib_per_unit"], f.numbers["slope_max_gib_per_unit"], Median(totals),
      100.0 * ratio, min_r2, max_residual));
  f.lines.push_back(F("The KV cache grows by %.2f GiB per unit of utilization: the budget above the "
                      "fixed parts goes to the KV pool.",
                      Median(kv_slopes)));
  return f;
}

// Conjunctions of one or two (factor = value) conditions under which no run of `runs` started,
// smallest first; at most `limit`. Factors with a single value in `runs` are skipped.
std::vector<std::string> NeverStartsWhen(const std::vector<const SweepRow*>& runs, std::size_t limit) {
  const Factor kVaried[] = {Factor::kMaxModelLen,        Factor::kUtilization,   Factor::kMaxNumSeqs,
                            Factor::kMaxNumBatchedTokens, Factor::kEnforceEager, Factor::kQuantization,
                            Factor::kVllmVersion,        Factor::kKvCacheDtype,  Factor::kBlockSize};
  auto name = [](Factor f) -> std::string {
    switch (f) {
      case Factor::kMaxModelLen: return "max_model_len";
      case Factor::kUtilization: return "gpu_memory_utilization";
      case Factor::kMaxNumSeqs: return "max_num_seqs";
      case Factor::kMaxNumBatchedTokens: return "max_num_batched_tokens";
      case Factor::kEnforceEager: return "enforce_eager";
      case Factor::kQuantization: return "quantization";
      case Factor::kVllmVersion: return "vllm_version";
      case Factor::kKvCacheDtype: return "kv_cache_dtype";
      default: return "block_size";
    }
  };
  std::vector<Factor> varied;
  for (Factor f : kVaried) {
    std::set<std::string> values;
    for (const SweepRow* r : runs) values.insert(FactorValue(*r, f));
    if (values.size() > 1) varied.push_back(f);
  }
  // counts[condition] = {runs, started}
  std::map<std::string, std::pair<int, int>> single, pair;
  std::map<std::string, std::vector<std::string>> parts;  // pair condition -> its two singles
  for (const SweepRow* r : runs) {
    for (std::size_t i = 0; i < varied.size(); ++i) {
      const std::string ci = name(varied[i]) + "=" + FactorValue(*r, varied[i]);
      auto& c = single[ci];
      ++c.first;
      c.second += r->outcome == "ok";
      for (std::size_t j = i + 1; j < varied.size(); ++j) {
        const std::string cj = name(varied[j]) + "=" + FactorValue(*r, varied[j]);
        auto& d = pair[ci + " and " + cj];
        ++d.first;
        d.second += r->outcome == "ok";
        parts[ci + " and " + cj] = {ci, cj};
      }
    }
  }
  std::vector<std::string> out;
  std::set<std::string> never_single;
  for (const auto& [cond, c] : single) {
    if (c.second == 0 && out.size() < limit) {
      out.push_back(F("%s (0 of %d)", cond.c_str(), c.first));
      never_single.insert(cond);
    }
  }
  if (out.empty()) {
    for (const auto& [cond, c] : pair) {
      if (c.second != 0 || out.size() >= limit) continue;
      out.push_back(F("%s (0 of %d)", cond.c_str(), c.first));
    }
  }
  return out;
}

// 4. Which deployments start, and under which flags they never do.
Finding DoesNotStart(const std::vector<SweepRow>& rows) {
  Finding f;
  f.id = "does_not_start";
  f.title = "which deployments start";
  std::map<std::tuple<std::string, std::string, int>, std::vector<const SweepRow*>> groups;
  for (const SweepRow& r : rows) {
    if (r.outcome != "invalid") groups[{r.model, r.gpu, r.tp}].push_back(&r);
  }
  if (groups.empty()) return Unsupported(f.id, f.title, "runs that vLLM did not reject");
  f.supported = true;
  int never = 0;
  for (const auto& [key, g] : groups) {
    const auto& [model, gpu, tp] = key;
    int ok = 0;
    std::map<std::string, int> kinds;
    std::vector<double> weights;
    double budget = 0, total = 0;
    for (const SweepRow* r : g) {
      if (r->outcome == "ok") {
        ++ok;
      } else {
        ++kinds[std::string(ErrorKindName(r->error_kind))];
      }
      if (r->weights_gib > 0) weights.push_back(r->weights_gib);
      budget = std::max(budget, r->total_gib * r->gpu_memory_utilization);
      total = std::max(total, r->total_gib);
    }
    const std::string name = ShortModel(model) + "/tp" + std::to_string(tp);
    f.numbers[name + "/runs"] = static_cast<double>(g.size());
    f.numbers[name + "/ok"] = ok;
    if (ok == static_cast<int>(g.size())) continue;
    std::string why;
    for (const auto& [k, n] : kinds) why += (why.empty() ? "" : ", ") + k + " x" + std::to_string(n);
    const std::string head = F("%s on %d x %s (%.2f GiB each)", ShortModel(model).c_str(), tp,
                               gpu.c_str(), total);
    const std::string load = F("its weights alone take %.2f GiB per card of a budget of at most %.2f "
                               "GiB",
                               Median(weights), budget);
    if (ok == 0) {
      ++never;
      f.lines.push_back(head + F(" never starts: 0 of %zu runs (%s); ", g.size(), why.c_str()) + load + ".");
      continue;
    }
    std::string line = head + F(" starts in %d of %zu runs (fails: %s)", ok, g.size(), why.c_str());
    const std::vector<std::string> never_when = NeverStartsWhen(g, 4);
    if (!never_when.empty()) {
      std::string conds;
      for (const std::string& c : never_when) conds += (conds.empty() ? "" : "; ") + c;
      line += "; it never starts with " + conds;
    }
    f.lines.push_back(line + (tp == 1 ? "; " + load : std::string()) + ".");
  }
  f.numbers["never_starting_deployments"] = never;
  if (f.lines.empty()) f.lines.push_back("Every deployment in the rows starts in every run.");
  return f;
}

// 5. Per-card use under TP is not 1/N.
Finding TpNotOneOverN(const std::vector<SweepRow>& rows) {
  Finding f;
  f.id = "tp_not_1_over_n";
  f.title = "why per-card use under TP is not 1/N";
  for (const std::string& model : SortedValues(rows, Factor::kModel)) {
    std::vector<SweepRow> mine;
    for (const SweepRow& r : rows) {
      if (r.model == model && r.outcome != "invalid") mine.push_back(r);
    }
    const std::vector<std::string> tps = SortedValues(mine, Factor::kTp);
    if (tps.size() < 2) continue;
    const std::string t0 = tps.front(), tn = tps.back();
    Pairs p = PairsOn(mine, Factor::kTp, t0, tn, false);
    p.erase(std::remove_if(p.begin(), p.end(),
                           [](const auto& x) {
                             return x.first->weights_gib <= 0 || x.second->weights_gib <= 0;
                           }),
            p.end());
    if (p.empty()) continue;
    const double n0 = std::stod(t0), n = std::stod(tn);
    const double w0 = Median(Values(p, false, [](const SweepRow& r) { return r.weights_gib; }));
    const double wn = Median(Values(p, true, [](const SweepRow& r) { return r.weights_gib; }));
    const double ideal = w0 * n0 / n;
    const double fixed0 = Median(Values(p, false, FixedPart));
    const double fixedn = Median(Values(p, true, FixedPart));
    const std::string m = ShortModel(model);
    f.numbers[m + "/tp_lo"] = n0;
    f.numbers[m + "/tp_hi"] = n;
    f.numbers[m + "/weights_lo_gib"] = w0;
    f.numbers[m + "/weights_hi_gib"] = wn;
    f.numbers[m + "/weights_ideal_hi_gib"] = ideal;
    f.numbers[m + "/weights_excess"] = ideal > 0 ? wn / ideal - 1.0 : 0.0;
    f.numbers[m + "/fixed_lo_gib"] = fixed0;
    f.numbers[m + "/fixed_hi_gib"] = fixedn;
    std::string line = F(
        "%s, tp %s -> %s: weights per card %.2f -> %.2f GiB where 1/N would give %.2f (%+.1f%%: "
        "replicated norms and rotary cache, per-rank kernel workspaces); the fixed part (CUDA context + "
        "NCCL + activation peak + non-torch) goes %.2f -> %.2f GiB and does not divide.",
        m.c_str(), t0.c_str(), tn.c_str(), w0, wn, ideal, 100.0 * f.numbers[m + "/weights_excess"],
        fixed0, fixedn);
    // Final use: over pairs where both started; where the smaller size never starts, over the
    // larger size's started runs.
    const Pairs started = PairsOn(mine, Factor::kTp, t0, tn, true);
    if (!started.empty()) {
      const double u0 = Median(Values(started, false, [](const SweepRow& r) { return r.final_used_gib; }));
      const double un = Median(Values(started, true, [](const SweepRow& r) { return r.final_used_gib; }));
      f.numbers[m + "/final_used_lo_gib"] = u0;
      f.numbers[m + "/final_used_hi_gib"] = un;
      line += F(" Final use per card %s %.2f -> %.2f GiB (median over %zu started pairs; 1/N would give "
                "%.2f) because the KV cache takes whatever the budget leaves.",
                std::abs(un - u0) < 0.1 * u0 ? "stays near" : "goes", u0, un, started.size(),
                u0 * n0 / n);
    } else {
      std::vector<double> used;
      for (const SweepRow& r : mine) {
        if (r.outcome == "ok" && FactorValue(r, Factor::kTp) == tn) used.push_back(r.final_used_gib);
      }
      if (!used.empty()) {
        f.numbers[m + "/final_used_hi_gib"] = Median(used);
        line += F(" No pair starts at both sizes; at tp %s final use per card is %.2f GiB (median of "
                  "%zu started runs): the KV cache takes whatever the budget leaves.",
                  tn.c_str(), Median(used), used.size());
      }
    }
    f.lines.push_back(line);
  }
  f.supported = !f.lines.empty();
  if (!f.supported) return Unsupported(f.id, f.title, "the same flags at two tensor-parallel sizes");
  return f;
}

// 6. What changes from 2 to 4 cards, per model.
Finding TwoToFour(const std::vector<SweepRow>& rows) {
  Finding f;
  f.id = "two_to_four_cards";
  f.title = "what changes from 2 to 4 cards";
  for (const std::string& model : SortedValues(rows, Factor::kModel)) {
    std::vector<SweepRow> mine;
    for (const SweepRow& r : rows) {
      if (r.model == model) mine.push_back(r);
    }
    const Pairs p = PairsOn(mine, Factor::kTp, "2", "4", true);
    if (p.empty()) continue;
    Pairs graphs;  // pairs that capture CUDA graphs
    for (const auto& x : p) {
      if (!x.first->enforce_eager) graphs.push_back(x);
    }
    auto lo = [](const Pairs& q, double SweepRow::*m) {
      return Median(Values(q, false, [m](const SweepRow& r) { return r.*m; }));
    };
    auto hi = [](const Pairs& q, double SweepRow::*m) {
      return Median(Values(q, true, [m](const SweepRow& r) { return r.*m; }));
    };
    std::vector<double> tok_ratio, conc_ratio;
    for (const auto& [a, b] : p) {
      if (a->kv_tokens > 0) tok_ratio.push_back(static_cast<double>(b->kv_tokens) / a->kv_tokens);
      if (a->max_concurrency > 0) conc_ratio.push_back(b->max_concurrency / a->max_concurrency);
    }
    const std::string m = ShortModel(model);
    auto& n = f.numbers;
    n[m + "/pairs"] = static_cast<double>(p.size());
    n[m + "/weights_2_gib"] = lo(p, &SweepRow::weights_gib);
    n[m + "/weights_4_gib"] = hi(p, &SweepRow::weights_gib);
    n[m + "/kv_cache_2_gib"] = lo(p, &SweepRow::kv_cache_gib);
    n[m + "/kv_cache_4_gib"] = hi(p, &SweepRow::kv_cache_gib);
    n[m + "/kv_tokens_ratio"] = Median(tok_ratio);
    n[m + "/max_concurrency_ratio"] = Median(conc_ratio);
    n[m + "/nccl_2_gib"] = lo(p, &SweepRow::nccl_gib);
    n[m + "/nccl_4_gib"] = hi(p, &SweepRow::nccl_gib);
    n[m + "/custom_allreduce_2_gib"] = lo(p, &SweepRow::custom_allreduce_gib);
    n[m + "/custom_allreduce_4_gib"] = hi(p, &SweepRow::custom_allreduce_gib);
    n[m + "/activation_2_gib"] = lo(p, &SweepRow::activation_gib);
    n[m + "/activation_4_gib"] = hi(p, &SweepRow::activation_gib);
    n[m + "/cudagraph_2_gib"] = lo(graphs, &SweepRow::cudagraph_gib);
    n[m + "/cudagraph_4_gib"] = hi(graphs, &SweepRow::cudagraph_gib);
    n[m + "/final_used_2_gib"] = lo(p, &SweepRow::final_used_gib);
    n[m + "/final_used_4_gib"] = hi(p, &SweepRow::final_used_gib);
    auto v = [&](const char* k) { return n[m + "/" + k]; };
    f.lines.push_back(F(
        "%s (median over %zu pairs): weights per card %.2f -> %.2f GiB; KV cache per card %.2f -> %.2f "
        "GiB and, as each card also keeps half as many KV heads per token, KV tokens per card x%.2f and "
        "max concurrency x%.2f.",
        m.c_str(), p.size(), v("weights_2_gib"), v("weights_4_gib"), v("kv_cache_2_gib"),
        v("kv_cache_4_gib"), v("kv_tokens_ratio"), v("max_concurrency_ratio")));
    std::string comm = F("custom all-reduce %.3f -> %.3f GiB, NCCL %.3f -> %.3f GiB",
                         v("custom_allreduce_2_gib"), v("custom_allreduce_4_gib"), v("nccl_2_gib"),
                         v("nccl_4_gib"));
    if (v("custom_allreduce_2_gib") > 0 && v("custom_allreduce_4_gib") == 0) {
      comm += " (vLLM turns its custom all-reduce off above two PCIe cards)";
    }
    f.lines.push_back(F("Communication per card: %s; activation peak %.2f -> %.2f GiB; CUDA graphs "
                        "%.2f -> %.2f GiB (non-eager pairs); final use per card %.2f -> %.2f GiB, all "
                        "cards %.2f -> %.2f GiB.",
                        comm.c_str(), v("activation_2_gib"), v("activation_4_gib"),
                        v("cudagraph_2_gib"), v("cudagraph_4_gib"), v("final_used_2_gib"),
                        v("final_used_4_gib"), 2 * v("final_used_2_gib"), 4 * v("final_used_4_gib")));
  }
  f.supported = !f.lines.empty();
  if (!f.supported) {
    return Unsupported(f.id, f.title, "started runs at tp 2 and tp 4 with the other flags equal");
  }
  return f;
}

}  // namespace

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::string FactorValue(const SweepRow& r, Factor f) {
  switch (f) {
    case Factor::kModel: return r.model;
    case Factor::kGpu: return r.gpu;
    case Factor::kTp: return std::to_string(r.tp);
    case Factor::kVllmVersion: return r.vllm_version;
    case Factor::kUtilization: return F("%g", r.gpu_memory_utilization);
    case Factor::kMaxModelLen: return std::to_string(r.max_model_len);
    case Factor::kMaxNumSeqs: return std::to_string(r.max_num_seqs);
    case Factor::kMaxNumBatchedTokens: return std::to_string(r.max_num_batched_tokens);
    case Factor::kEnforceEager: return r.enforce_eager ? "1" : "0";
    case Factor::kQuantization: return r.quantization;
    case Factor::kKvCacheDtype: return r.kv_cache_dtype;
    case Factor::kBlockSize: return std::to_string(r.block_size);
  }
  return "";
}

std::vector<std::pair<const SweepRow*, const SweepRow*>> PairsOn(const std::vector<SweepRow>& rows,
                                                                 Factor f, const std::string& lo_value,
                                                                 const std::string& hi_value,
                                                                 bool both_ok) {
  std::map<std::string, const SweepRow*> lows;
  for (const SweepRow& r : rows) {
    if (r.outcome == "invalid" || (both_ok && r.outcome != "ok")) continue;
    if (FactorValue(r, f) == lo_value) lows.emplace(InputKey(r, f), &r);
  }
  std::vector<std::pair<const SweepRow*, const SweepRow*>> out;
  for (const SweepRow& r : rows) {
    if (r.outcome == "invalid" || (both_ok && r.outcome != "ok")) continue;
    if (FactorValue(r, f) != hi_value) continue;
    auto it = lows.find(InputKey(r, f));
    if (it != lows.end()) out.emplace_back(it->second, &r);
  }
  return out;
}

std::vector<Finding> SeedStudyFindings(const std::vector<SweepRow>& rows) {
  return {ContextVsBatchedTokens(rows), EnforceEager(rows), UtilizationLinear(rows),
          DoesNotStart(rows),           TpNotOneOverN(rows), TwoToFour(rows)};
}

}  // namespace tpsim
