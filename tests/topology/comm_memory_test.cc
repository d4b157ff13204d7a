#include "topology/comm_memory.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "tests/topology/test_gpus.h"

namespace tpsim {
namespace {

using testing::A100Pcie;
using testing::A100Sxm;
using testing::B200;
using testing::H100Pcie;
using testing::H100Sxm;
using testing::Rtx3090;
using testing::Rtx4090;

constexpr Bytes MiB(double m) { return static_cast<Bytes>(m * (1 << 20)); }

struct Machine {
  GpuSpec gpu;
  Topology topo;
};

// Topology takes what a release does, never its number; the engine's release table maps releases to
// these (tests/sim/engine/release_table_test.cc checks that mapping for the releases named here).
CommFeatures V019() {  // lazy connect, symmetric memory and FlashInfer fusion on, two communicators
  CommFeatures f;
  f.vllm_release = "0.19.0";
  f.nccl_cumem_default = true;
  f.symm_mem_available = true;
  f.symm_mem_default = true;
  f.flashinfer_allreduce_fusion = true;
  f.torch_comm_for_logits_gather = true;
  f.dist_init_in_non_torch_increase = false;
  f.unexplained_tp_non_torch_on_sm90 = true;
  f.nccl = {2, 27, 5};
  f.torch = "2.9/2.10";
  return f;
}
// Releases before 0.11 (snapshot before distributed init) with vLLM forcing cuMem off, no symmetric
// memory, no fusion, and the NCCL of their torch pin.
CommFeatures Before0102(const char* release, NcclVersion nccl, const char* torch) {
  CommFeatures f = V019();
  f.vllm_release = release;
  f.nccl_cumem_default = false;
  f.symm_mem_available = false;
  f.symm_mem_default = false;
  f.flashinfer_allreduce_fusion = false;
  f.dist_init_in_non_torch_increase = true;
  f.unexplained_tp_non_torch_on_sm90 = false;
  f.nccl = nccl;
  f.torch = torch;
  return f;
}
CommFeatures V0101() { return Before0102("0.10.1", {2, 26, 2}, "2.7.0"); }
CommFeatures V092() { return Before0102("0.9.2", {2, 26, 2}, "2.7.0"); }
CommFeatures V085() { return Before0102("0.8.5", {2, 21, 5}, "2.6.0"); }
CommFeatures V073() {  // the V0 engine
  CommFeatures f = Before0102("0.7.3", {2, 21, 5}, "2.5.1");
  f.v0_engine = true;
  return f;
}
CommFeatures V0102() {  // cuMem left to NCCL, symmetric memory present but off by default
  CommFeatures f = Before0102("0.10.2", {2, 27, 3}, "2.8.0");
  f.nccl_cumem_default = true;
  f.symm_mem_available = true;
  return f;
}

CommQuery Query(const Machine& s, int tp, const CommFeatures& features, int rank = 0) {
  CommQuery q;
  q.gpu = &s.gpu;
  q.topology = &s.topo;
  q.tp = tp;
  q.rank = rank;
  q.features = features;
  return q;
}

CommMemoryPlan Plan(const CommQuery& q) {
  auto p = PlanCommMemory(q);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : CommMemoryPlan{};
}

Bytes Owned(const CommMemoryPlan& p, const std::string& owner, CommPhase phase) {
  Bytes b = 0;
  for (const auto& a : p.allocations) b += (a.owner == owner && a.phase == phase) ? a.bytes : 0;
  return b;
}

Bytes Owned(const CommMemoryPlan& p, const std::string& owner) {
  return Owned(p, owner, CommPhase::kDistributedInit) + Owned(p, owner, CommPhase::kFirstCollective);
}

const CommFeatures kV019 = V019();

TEST(VersionTest, ParsesWhatToolsPrint) {
  EXPECT_EQ(*ParseNcclVersion("2.28.9+cuda13.0"), (NcclVersion{2, 28, 9}));
  EXPECT_EQ(*ParseNcclVersion("2.27.5-1"), (NcclVersion{2, 27, 5}));
  EXPECT_FALSE(ParseNcclVersion("2.27").ok());
  EXPECT_FALSE(ParseNcclVersion("3.0.0").ok());
  EXPECT_LT((NcclVersion{2, 26, 2}), (NcclVersion{2, 27, 0}));
  EXPECT_EQ(ToString(NcclVersion{2, 27, 5}), "2.27.5");
  std::vector<int> n;
  EXPECT_TRUE(ReadVersionNumbers("v0.10.1.1", 3, 2, &n));
  EXPECT_EQ(n, (std::vector<int>{0, 10, 1}));
  EXPECT_FALSE(ReadVersionNumbers("99999999.0", 3, 2, &n));
}

TEST(CommMemoryTest, TensorParallelOneHasNoCommunicator) {
  Machine s{Rtx4090(), *DefaultTopology(Rtx4090(), 1)};
  CommMemoryPlan p = Plan(Query(s, 1, kV019));
  EXPECT_TRUE(p.allocations.empty());
  EXPECT_EQ(p.total(), 0);
  EXPECT_FALSE(p.custom_all_reduce);
}

TEST(CommMemoryTest, Rtx4090FourCardsOnVllm019) {
  Machine s{Rtx4090(), *DefaultTopology(Rtx4090(), 4)};
  CommMemoryPlan p = Plan(Query(s, 4, kV019, 2));
  EXPECT_EQ(p.nccl_version, "2.27.5");
  EXPECT_TRUE(p.cumem);
  EXPECT_TRUE(p.lazy_connect);
  EXPECT_EQ(p.transport, "SHM");
  EXPECT_EQ(p.coll_channels, 2);
  EXPECT_EQ(p.tree_position, "middle");
  // PyNccl: 16 MiB of channel structures inside init; PyTorch's own communicator appears at the
  // first logits all-gather with another 16 MiB.
  EXPECT_EQ(Owned(p, "pynccl[tp]", CommPhase::kDistributedInit), MiB(16));
  EXPECT_EQ(Owned(p, "pynccl[tp]", CommPhase::kFirstCollective), 0);
  EXPECT_EQ(Owned(p, "torch.distributed[tp]", CommPhase::kFirstCollective), MiB(16));
  EXPECT_FALSE(p.custom_all_reduce);
  EXPECT_FALSE(p.symm_mem);
  EXPECT_EQ(Owned(p, "custom_all_reduce"), 0);
  EXPECT_EQ(Owned(p, "symm_mem"), 0);
  EXPECT_EQ(p.total(), MiB(32));
}

TEST(CommMemoryTest, VllmForcedCuMemOffUntil0101) {
  Machine s{A100Sxm(), *DefaultTopology(A100Sxm(), 4)};
  CommMemoryPlan old = Plan(Query(s, 2, V0101()));
  EXPECT_FALSE(old.cumem);
  EXPECT_FALSE(old.lazy_connect);
  EXPECT_EQ(old.nccl_version, "2.26.2");
  EXPECT_EQ(Owned(old, "pynccl[tp]", CommPhase::kDistributedInit), MiB(544));
  CommMemoryPlan now = Plan(Query(s, 2, V0102()));
  EXPECT_TRUE(now.cumem);
  EXPECT_TRUE(now.lazy_connect);
  EXPECT_EQ(now.nccl_version, "2.27.3");
  // Lazy: structures + the ring built by PyNccl's warm-up all-reduce, read mode 6/6.
  EXPECT_EQ(Owned(now, "pynccl[tp]", CommPhase::kDistributedInit), MiB(196 + 288));
  // An explicit NCCL_CUMEM_ENABLE overrides the version's behaviour.
  CommQuery q = Query(s, 2, V0101());
  q.nccl_cumem = true;
  EXPECT_TRUE(Plan(q).lazy_connect);
}

TEST(CommMemoryTest, TreeMakesRanksDifferInEagerEra) {
  Machine s{A100Sxm(), *DefaultTopology(A100Sxm(), 4)};
  auto all = PlanCommMemoryAllRanks(Query(s, 4, V085()));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Owned((*all)[0], "pynccl[tp]"), MiB(688));
  EXPECT_EQ(Owned((*all)[1], "pynccl[tp]"), MiB(832));
  EXPECT_EQ(Owned((*all)[3], "pynccl[tp]"), MiB(688));
  EXPECT_EQ((*all)[0].tree_position, "head");
  EXPECT_EQ((*all)[3].tree_position, "tail");
}

struct ArCase {
  const char* name;
  GpuSpec gpu;
  std::string preset;  // "" = default topology
  int gpus, tp;
  bool disable;
  bool want_on;
  const char* reason_start;
};

TEST(CommMemoryTest, CustomAllReduceRulesUseVllmsWarnings) {
  const ArCase cases[] = {
      {"4090 pair: no P2P", Rtx4090(), "", 2, 2, false, false,
       "Custom allreduce is disabled because your platform lacks GPU P2P capability or P2P test failed."},
      {"four PCIe cards", A100Pcie(), "", 4, 4, false, false,
       "Custom allreduce is disabled because it's not supported on more than two PCIe-only GPUs."},
      {"two PCIe cards with P2P", A100Pcie(), "", 2, 2, false, true, ""},
      {"3090 NVLink pair", Rtx3090(), "nvlink-pair-2gpu", 2, 2, false, true, ""},
      {"NVLink pairs, TP 4", Rtx3090(), "nvlink-pairs-4gpu", 4, 4, false, false,
       "Custom allreduce is disabled because it's not supported on more than two PCIe-only GPUs."},
      {"NVSwitch TP 8", H100Sxm(), "", 8, 8, false, true, ""},
      {"NVSwitch TP 3", H100Sxm(), "", 4, 3, false, false,
       "Custom allreduce is disabled due to an unsupported world size: 3. Supported world sizes: [2, 4, 6, "
       "8]."},
      {"two nodes", A100Pcie(), "2node-pcie-2x2", 4, 4, false, false,
       "Custom allreduce is disabled because this process group spans across nodes."},
      {"disabled by flag", H100Sxm(), "", 2, 2, true, false, "disabled by --disable-custom-all-reduce"},
  };
  const std::string configs = std::string(TPSIM_SOURCE_DIR) + "/configs";
  for (const ArCase& c : cases) {
    Machine s{c.gpu, {}};
    auto t = LoadTopology(c.preset, c.gpu, c.gpus, configs);
    ASSERT_TRUE(t.ok()) << c.name << ": " << t.status().ToString();
    s.topo = *t;
    CommQuery q = Query(s, c.tp, kV019);
    q.disable_custom_all_reduce = c.disable;
    CommMemoryPlan p = Plan(q);
    EXPECT_EQ(p.custom_all_reduce, c.want_on) << c.name;
    EXPECT_EQ(p.custom_all_reduce_reason.rfind(c.reason_start, 0), 0u)
        << c.name << ": " << p.custom_all_reduce_reason;
    if (c.want_on) {
      EXPECT_TRUE(p.custom_all_reduce_reason.empty()) << c.name;
      EXPECT_GT(Owned(p, "custom_all_reduce"), 0) << c.name;
    } else {
      EXPECT_EQ(Owned(p, "custom_all_reduce"), 0) << c.name;
    }
  }
}

TEST(CommMemoryTest, CustomAllReduceBuffers) {
  Machine s{A100Pcie(), *DefaultTopology(A100Pcie(), 2)};
  CommMemoryPlan p = Plan(Query(s, 2, kV019));
  ASSERT_TRUE(p.custom_all_reduce);
  Bytes torch = 0, device = 0;
  for (const auto& a : p.allocations) {
    if (a.owner != "custom_all_reduce") continue;
    EXPECT_EQ(a.phase, CommPhase::kDistributedInit);
    (a.torch_allocated ? torch : device) += a.bytes;
  }
  EXPECT_EQ(torch, MiB(8));        // rank_data through the caching allocator
  EXPECT_EQ(device, MiB(10 + 8));  // meta 2560 B + 8 MiB -> 10 MiB of pages, IPC buffer 8 MiB
  EXPECT_EQ(p.non_torch(CommPhase::kDistributedInit) + MiB(8), p.total(CommPhase::kDistributedInit));
}

TEST(CommMemoryTest, SymmetricMemorySizesOnHopper) {
  Machine s{H100Sxm(), *DefaultTopology(H100Sxm(), 8)};
  const std::pair<int, double> expect[] = {{2, 64}, {4, 32}, {6, 64}, {8, 64}};
  for (auto [tp, mib] : expect) {
    CommMemoryPlan p = Plan(Query(s, tp, kV019));
    EXPECT_TRUE(p.symm_mem) << tp;
    EXPECT_EQ(Owned(p, "symm_mem", CommPhase::kDistributedInit), MiB(mib + 2))
        << tp;  // + signal pad -> 2 MiB
  }
  // With symm-mem on, the custom all-reduce table lowers max_size at TP 6/8 (0.5 / 0.25 MiB).
  CommMemoryPlan p8 = Plan(Query(s, 8, kV019));
  EXPECT_EQ(Owned(p8, "custom_all_reduce"), MiB(2 + 2 + 8));
  // Blackwell TP 2: 8 MiB.
  Machine b{B200(), *DefaultTopology(B200(), 2)};
  EXPECT_EQ(Owned(Plan(Query(b, 2, kV019)), "symm_mem"), MiB(10));
}

TEST(CommMemoryTest, SymmetricMemoryOffWhereVllmSaysSo) {
  Machine ada{Rtx4090(), *DefaultTopology(Rtx4090(), 2)};
  CommMemoryPlan p = Plan(Query(ada, 2, kV019));
  EXPECT_FALSE(p.symm_mem);
  EXPECT_EQ(p.symm_mem_reason,
            "SymmMemCommunicator: Device capability 8.9 not supported, communicator is not available.");
  Machine h{H100Sxm(), *DefaultTopology(H100Sxm(), 4)};
  CommMemoryPlan p3 = Plan(Query(h, 3, kV019));
  EXPECT_EQ(p3.symm_mem_reason,
            "SymmMemCommunicator: World size 3 not supported, communicator is not available.");
  // v0.10.2 shipped it off by default (PR #24696); v0.9 did not have it.
  EXPECT_FALSE(Plan(Query(h, 2, V0102())).symm_mem);
  EXPECT_EQ(Plan(Query(h, 2, V0102())).symm_mem_reason,
            "VLLM_ALLREDUCE_USE_SYMM_MEM is off (the default of vLLM 0.10.2)");
  EXPECT_EQ(Owned(Plan(Query(h, 2, V092())), "symm_mem"), 0);
  EXPECT_EQ(Plan(Query(h, 2, V092())).symm_mem_reason, "vLLM 0.9.2 has no symmetric-memory all-reduce");
  // H100 PCIe without NVSwitch: the buffer is allocated, the multicast check fails, it stays unused.
  Machine hp{H100Pcie(), *DefaultTopology(H100Pcie(), 2)};
  CommMemoryPlan pp = Plan(Query(hp, 2, kV019));
  EXPECT_FALSE(pp.symm_mem);
  EXPECT_EQ(pp.symm_mem_reason,
            "SymmMemCommunicator: symmetric memory multicast operations are not supported.");
  EXPECT_EQ(Owned(pp, "symm_mem"), MiB(66));
  // The user's switch wins.
  CommQuery q = Query(h, 2, kV019);
  q.symm_mem = false;
  EXPECT_FALSE(Plan(q).symm_mem);
}

TEST(CommMemoryTest, NvlsByVersionAndWorldSize) {
  Machine s{H100Sxm(), *DefaultTopology(H100Sxm(), 8)};
  // Eager era (vLLM 0.9.2, NCCL 2.26.2): NVLS at init for TP 4, both communicators.
  CommMemoryPlan eager = Plan(Query(s, 4, V092()));
  EXPECT_TRUE(eager.nvls);
  // Lazy era: NVLS only if the profile all-reduce reaches PyNccl.
  CommQuery q = Query(s, 4, kV019);
  q.hidden_size = 3584;
  q.max_num_batched_tokens = 8192;  // 56 MiB > symm-mem 32 MiB at TP 4
  CommMemoryPlan big = Plan(q);
  EXPECT_TRUE(big.nvls);
  EXPECT_EQ(Owned(big, "pynccl[tp]", CommPhase::kFirstCollective), MiB(130 + 32));
  q.max_num_batched_tokens = 2048;  // 14 MiB: the symmetric-memory all-reduce takes it
  EXPECT_FALSE(Plan(q).nvls);
  // TP 2 never uses NVLS with NCCL <= 2.28; NCCL 2.29 allows it.
  CommQuery two = Query(s, 2, V092());
  EXPECT_FALSE(Plan(two).nvls);
  two.nccl_version = "2.29.2";
  EXPECT_TRUE(Plan(two).nvls);
}

TEST(CommMemoryTest, PhasesFollowTheSnapshotPlacement) {
  EXPECT_TRUE(CountedInNonTorchIncrease(CommPhase::kDistributedInit, V0101()));
  EXPECT_FALSE(CountedInNonTorchIncrease(CommPhase::kDistributedInit, kV019));
  EXPECT_TRUE(CountedInNonTorchIncrease(CommPhase::kFirstCollective, kV019));
  EXPECT_TRUE(CountedInNonTorchIncrease(CommPhase::kFirstCollective, V0101()));
}

TEST(CommMemoryTest, ReleaseFeaturesSwitchTheirTerms) {
  Machine s{H100Sxm(), *DefaultTopology(H100Sxm(), 8)};
  CommQuery q = Query(s, 2, kV019);
  q.hidden_size = 4096;
  q.max_num_batched_tokens = 8192;
  EXPECT_GT(Owned(Plan(q), "flashinfer"), 0);
  EXPECT_GT(Owned(Plan(q), "torch.distributed[tp]"), 0);
  q.features.flashinfer_allreduce_fusion = false;
  EXPECT_EQ(Owned(Plan(q), "flashinfer"), 0);
  q.features.torch_comm_for_logits_gather = false;  // the all-gather through PyNccl
  EXPECT_EQ(Owned(Plan(q), "torch.distributed[tp]"), 0);
  // A query that names no NCCL and carries no release features cannot be planned.
  q.features = CommFeatures{};
  EXPECT_EQ(PlanCommMemory(q).status().code(), Status::Code::kInvalidArgument);
  q.nccl_version = "2.27.5";
  EXPECT_TRUE(PlanCommMemory(q).ok());
}

TEST(CommMemoryTest, V0GathersLogitsToRankZero) {
  Machine s{A100Sxm(), *DefaultTopology(A100Sxm(), 4)};
  auto all = PlanCommMemoryAllRanks(Query(s, 4, V073()));
  ASSERT_TRUE(all.ok());
  const Bytes root = Owned((*all)[0], "torch.distributed[tp]");
  const Bytes leaf = Owned((*all)[1], "torch.distributed[tp]");
  // The eager torch communicator (688 head / 832 middle) plus send/recv connections: 3 peers x 32 x 6
  // MiB at the root, 32 x 6 MiB at the others.
  EXPECT_EQ(root, MiB(688 + 3 * 32 * 6));
  EXPECT_EQ(leaf, MiB(832 + 32 * 6));
}

TEST(CommMemoryTest, BadQueriesAreInvalidArgument) {
  Machine s{Rtx4090(), *DefaultTopology(Rtx4090(), 2)};
  EXPECT_EQ(PlanCommMemory(Query(s, 4, kV019)).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(PlanCommMemory(Query(s, 2, kV019, 2)).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(PlanCommMemory(Query(s, 0, kV019)).status().code(), Status::Code::kInvalidArgument);
  CommQuery q = Query(s, 2, kV019);
  q.gpu_of_rank = {1, 1};
  EXPECT_EQ(PlanCommMemory(q).status().code(), Status::Code::kInvalidArgument);
  q.gpu_of_rank = {1, 0};
  EXPECT_TRUE(PlanCommMemory(q).ok());
  q.nccl_version = "two";
  EXPECT_EQ(PlanCommMemory(q).status().code(), Status::Code::kInvalidArgument);
}

TEST(ContextMemoryTest, UsesTheCardsMeasurementOrTheDefault) {
  GpuSpec h = H100Sxm();
  h.cuda_context_bytes = MiB(522);
  ContextMemory m = ModelContextMemory(h, 2, kV019);
  EXPECT_EQ(m.at_init, MiB(522));
  EXPECT_GT(m.first_forward_growth, 0);
  EXPECT_GT(m.nccl_code, 0);
  const CommConstants c;
  ContextMemory g = ModelContextMemory(Rtx4090(), 1, kV019);
  EXPECT_EQ(g.at_init, c.default_cuda_context_bytes);
  EXPECT_EQ(g.nccl_code, 0);  // no communicator at TP 1
  // sm_89 runs the sm_80 NCCL images.
  EXPECT_EQ(ModelContextMemory(Rtx4090(), 2, kV019).nccl_code, c.nccl_device_code_bytes_by_sm.at(80));
  EXPECT_FALSE(m.notes.empty());
}

// ---- Calibration: vLLM 0.19 on H100 (shared/calibration/vllm_startup_logs.csv) --------------------

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (ch == '"')
        quoted = false;
      else
        cur += ch;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

std::map<std::string, std::map<std::string, std::string>> ReadCalibration() {
  std::ifstream in(std::string(TPSIM_SHARED_DIR) + "/calibration/vllm_startup_logs.csv");
  std::map<std::string, std::map<std::string, std::string>> rows;
  std::string line;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    std::vector<std::string> f = SplitCsvLine(line);
    if (header.empty()) {
      header = f;
      continue;
    }
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < f.size(); ++i) row[header[i]] = f[i];
    rows[row["case_id"]] = row;
  }
  return rows;
}

// Predicted "non-torch increase" of the profile run: first-forward kernel growth plus every
// communication allocation vLLM 0.19 counts there (the ones created at the first collective).
double PredictedNonTorchGib(int tp, int hidden, int tokens) {
  Machine s{H100Sxm(), *DefaultTopology(H100Sxm(), 8)};
  CommQuery q = Query(s, tp, kV019);
  q.hidden_size = hidden;
  q.max_num_batched_tokens = tokens;
  Bytes b = ModelContextMemory(s.gpu, tp, kV019).first_forward_growth;
  if (tp > 1) {
    CommMemoryPlan p = Plan(q);
    for (CommPhase ph : {CommPhase::kDistributedInit, CommPhase::kFirstCollective}) {
      if (CountedInNonTorchIncrease(ph, kV019)) b += p.non_torch(ph);
    }
  }
  return ToGiB(b);
}

TEST(CalibrationTest, Vllm019H100NonTorchIncreaseIsPartlyExplainedAndNeverOvershot) {
  auto rows = ReadCalibration();
  ASSERT_TRUE(rows.count("C038") && rows.count("C039") && rows.count("C045")) << "calibration CSV not found";
  // Qwen2.5-7B-Instruct: hidden_size 3584 (HF config.json); max_num_batched_tokens from the rows.
  const double tp1 = PredictedNonTorchGib(1, 4096, 8192);
  const double tp2 = PredictedNonTorchGib(2, 3584, std::stoi(rows["C038"]["max_num_batched_tokens"]));
  const double tp4 = PredictedNonTorchGib(4, 3584, std::stoi(rows["C039"]["max_num_batched_tokens"]));
  const double log1 = std::stod(rows["C045"]["non_torch_gib"]);
  const double log2 = std::stod(rows["C038"]["non_torch_gib"]);
  const double log4 = std::stod(rows["C039"]["non_torch_gib"]);
  ASSERT_EQ(rows["C038"]["tp"], "2");
  ASSERT_EQ(rows["C039"]["tp"], "4");
  // TP 1 is the kernel growth alone.
  EXPECT_NEAR(tp1, log1, 0.05);
  // TP >= 2: the mechanisms add a real part of the jump (second NCCL communicator, NVLS, FlashInfer
  // workspace) but do not claim more than the log shows.
  EXPECT_GT(tp2 - tp1, 0.5);
  EXPECT_GT(tp4 - tp1, 0.5);
  EXPECT_LT(tp2, log2);
  EXPECT_LT(tp4, log4);
  // What stays unexplained (open question 1), kept visible in the test log.
  RecordProperty("tp2_predicted_gib", std::to_string(tp2));
  RecordProperty("tp2_logged_gib", std::to_string(log2));
  RecordProperty("tp4_predicted_gib", std::to_string(tp4));
  RecordProperty("tp4_logged_gib", std::to_string(log4));
}

}  // namespace
}  // namespace tpsim
