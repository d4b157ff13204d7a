// The NCCL memory model against the worked numbers of nccl_cuda_overheads.md §1.8/§1.9.
#include "topology/nccl_model.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/topology/test_gpus.h"

namespace tpsim {
namespace {

using testing::A100Sxm;
using testing::H100Sxm;
using testing::Rtx3090;
using testing::Rtx4090;

constexpr Bytes MiB(double m) { return static_cast<Bytes>(m * (1 << 20)); }

struct Case {
  GpuSpec gpu;
  Topology topo;
  NcclCommSpec spec;
};

// A communicator over the first `n` GPUs of a default topology of `total` cards.
Case Make(const GpuSpec& gpu, int total, int n, NcclVersion v, bool cumem = true) {
  Case c{gpu, *DefaultTopology(gpu, total), {}};
  c.spec.version = v;
  c.spec.cumem_requested = cumem;
  c.spec.gpus.resize(n);
  std::iota(c.spec.gpus.begin(), c.spec.gpus.end(), 0);
  return c;
}

NcclCommPlan Plan(Case& c, NcclUsage usage = {}) {
  c.spec.gpu = &c.gpu;
  c.spec.topology = &c.topo;
  auto p = PlanNcclComm(c.spec, usage);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : NcclCommPlan{};
}

Bytes Labeled(const NcclRankMemory& m, const std::string& needle) {
  Bytes b = 0;
  for (const auto& a : m.allocations) b += a.label.find(needle) != std::string::npos ? a.bytes : 0;
  return b;
}

// §1.9: 4x A100 "with NVLink" (NVSwitch class), NCCL 2.18 eager: 544 MB per 2-GPU group, 688 MB for
// the head of a 3-4 GPU group (NVIDIA/nccl#964); read mode splits each connection 6/6 MiB.
TEST(NcclModelTest, A100EagerTwoRankGroupIs544MiB) {
  Case c = Make(A100Sxm(), 4, 2, {2, 18, 6});
  NcclCommPlan p = Plan(c);
  EXPECT_FALSE(p.cumem);
  EXPECT_FALSE(p.lazy_connect);
  EXPECT_TRUE(p.p2p_read);
  EXPECT_EQ(p.coll_channels, 24);
  EXPECT_EQ(p.p2p_channels, 32);
  for (const NcclRankMemory& m : p.ranks) {
    EXPECT_EQ(m.total(), MiB(544));
    EXPECT_EQ(Labeled(m, "ring buffers"), MiB(24 * (6 + 6)));
    EXPECT_EQ(Labeled(m, "NET-shared"), MiB(256));  // 32 ch x 16 steps x 512 KiB
    EXPECT_EQ(Labeled(m, "tree"), 0);
    EXPECT_EQ(m.transport, "P2P");
    EXPECT_EQ(m.at_stage(NcclStage::kCreation), m.total());
  }
}

TEST(NcclModelTest, A100EagerFourRankGroupDependsOnTreePosition) {
  Case c = Make(A100Sxm(), 4, 4, {2, 18, 6});
  NcclCommPlan p = Plan(c);
  ASSERT_EQ(p.ranks.size(), 4u);
  EXPECT_EQ(p.ranks[0].tree_position, "head");
  EXPECT_EQ(p.ranks[1].tree_position, "middle");
  EXPECT_EQ(p.ranks[2].tree_position, "middle");
  EXPECT_EQ(p.ranks[3].tree_position, "tail");
  EXPECT_EQ(p.ranks[0].total(), MiB(688));  // + 24 x 6 (one extra receive per channel)
  EXPECT_EQ(p.ranks[1].total(), MiB(832));  // + 24 x (6 + 6)
  EXPECT_EQ(p.ranks[2].total(), MiB(832));
  EXPECT_EQ(p.ranks[3].total(), MiB(688));  // + 24 x 6 (one extra send)
}

// §1.8: H100 write mode: receive 10 MiB, send 2 MiB per connection; the tree makes the head, middle
// and tail differ by whole receive/send buffers.
TEST(NcclModelTest, WriteModeSplitsConnectionsTenAndTwo) {
  Case c = Make(H100Sxm(), 8, 4, {2, 26, 2}, /*cumem=*/false);
  NcclCommPlan p = Plan(c);
  EXPECT_FALSE(p.p2p_read);
  EXPECT_EQ(Labeled(p.ranks[0], "ring buffers"), MiB(24 * (10 + 2)));
  EXPECT_EQ(Labeled(p.ranks[0], "tree"), MiB(24 * 10));
  EXPECT_EQ(Labeled(p.ranks[1], "tree"), MiB(24 * 12));
  EXPECT_EQ(Labeled(p.ranks[3], "tree"), MiB(24 * 2));
  // §1.8 "H100 NVSwitch, eager, NCCL 2.26": 544 + 240 + 130, 544 + 288 + 130, 544 + 48 + 130.
  EXPECT_EQ(p.ranks[0].total(), MiB(914));
  EXPECT_EQ(p.ranks[1].total(), MiB(962));
  EXPECT_EQ(p.ranks[3].total(), MiB(722));
}

TEST(NcclModelTest, SmallerSimpleBufferShrinksTheReceiverInTwoMiBSteps) {
  CommConstants k;
  k.nccl_simple_buffsize = 1 * kMiB;  // NCCL_BUFFSIZE=1048576
  Case c = Make(H100Sxm(), 8, 2, {2, 26, 2}, false);
  c.spec.constants = &k;
  NcclCommPlan p = Plan(c);
  EXPECT_EQ(Labeled(p.ranks[0], "ring buffers"), MiB(24 * (8 + 2)));  // 4 KiB + 0.5 + 4.69 + 1 MiB -> 8 MiB
}

TEST(NcclModelTest, Rtx4090PcieLazyHoldsOnlySixteenMiBOfStructures) {
  Case c = Make(Rtx4090(), 4, 4, {2, 27, 5});
  NcclCommPlan p = Plan(c);
  EXPECT_TRUE(p.cumem);
  EXPECT_TRUE(p.lazy_connect);
  EXPECT_EQ(p.coll_channels, 2);
  EXPECT_EQ(p.p2p_channels, 2);
  EXPECT_EQ(p.p2p_chunk_bytes, 128 * kKiB);
  for (const NcclRankMemory& m : p.ranks) {
    EXPECT_EQ(m.transport, "SHM");
    EXPECT_EQ(m.total(), MiB(16));  // (2 + 3 x 2) x 2 MiB; the SHM ring lives in host memory
    EXPECT_EQ(m.at_stage(NcclStage::kCreation), MiB(16));
  }
}

TEST(NcclModelTest, Rtx4090EagerHoldsOnlyTheNetSharedBuffer) {
  Case c = Make(Rtx4090(), 4, 4, {2, 21, 5});
  NcclCommPlan p = Plan(c);
  EXPECT_FALSE(p.cumem);  // GeForce: no cuMem before NCCL 2.24 even when allowed
  for (const NcclRankMemory& m : p.ranks) EXPECT_EQ(m.total(), MiB(4));  // 2 x 16 x 128 KiB
}

TEST(NcclModelTest, GeForceGetsCuMemFromNccl224) {
  Case old = Make(Rtx4090(), 2, 2, {2, 23, 4});
  EXPECT_FALSE(Plan(old).cumem);
  Case now = Make(Rtx4090(), 2, 2, {2, 24, 3});
  NcclCommPlan p = Plan(now);
  EXPECT_TRUE(p.cumem);
  EXPECT_TRUE(p.lazy_connect);
}

TEST(NcclModelTest, Rtx3090NvlinkPairEager) {
  Case c{Rtx3090(), {}, {}};
  c.topo = *ParseTopologyPreset(R"({"name": "pair", "link": ["X NV4", "NV4 X"]})", "pair");
  c.spec.version = {2, 21, 5};
  c.spec.cumem_requested = false;
  c.spec.gpus = {0, 1};
  NcclCommPlan p = Plan(c);
  EXPECT_EQ(p.coll_channels, 4);
  EXPECT_EQ(p.p2p_channels_per_peer, 4);
  EXPECT_EQ(p.p2p_chunk_bytes, 512 * kKiB);
  EXPECT_EQ(p.ranks[0].transport, "P2P");
  EXPECT_EQ(Labeled(p.ranks[0], "ring buffers"), MiB(48));
  EXPECT_EQ(Labeled(p.ranks[0], "NET-shared"), MiB(32));
  EXPECT_EQ(p.ranks[0].total(), MiB(80));
}

TEST(NcclModelTest, H100LazyBuildsStructuresAtInitAndTheRingAtTheFirstCollective) {
  Case c = Make(H100Sxm(), 8, 2, {2, 27, 5});
  NcclCommPlan p = Plan(c, {/*ring_collective=*/true, /*large_all_reduce=*/false, -1});
  EXPECT_TRUE(p.lazy_connect);
  const NcclRankMemory& m = p.ranks[0];
  EXPECT_EQ(m.at_stage(NcclStage::kCreation), MiB(196));  // (2 + 3 x 32) x 2 MiB
  EXPECT_EQ(m.at_stage(NcclStage::kFirstRingCollective), MiB(288));
  EXPECT_EQ(m.total(), MiB(484));
  NcclCommPlan idle = Plan(c, {false, false, -1});
  EXPECT_EQ(idle.ranks[0].total(), MiB(196));
}

NcclCommPlan H100Nvls(int n, NcclVersion v, bool cumem, NcclUsage usage = {}) {
  Case c = Make(H100Sxm(), 8, n, v, cumem);
  return Plan(c, usage);
}

TEST(NcclModelTest, NvlsBufferSizeFollowsTheNcclVersion) {
  // §1.6 worked table, N = 4 ranks, eager.
  EXPECT_EQ(Labeled(H100Nvls(4, {2, 21, 5}, false).ranks[0], "NVLS buffers"), MiB(1024));
  EXPECT_EQ(Labeled(H100Nvls(4, {2, 23, 4}, false).ranks[0], "NVLS buffers"), MiB(512 + 2));
  EXPECT_EQ(Labeled(H100Nvls(4, {2, 26, 2}, false).ranks[0], "NVLS buffers"), MiB(128 + 2));
  EXPECT_EQ(Labeled(H100Nvls(8, {2, 26, 2}, false).ranks[0], "NVLS buffers"), MiB(256 + 2));
  // Two GPUs: NVLS off up to 2.28, on from 2.29.
  NcclCommPlan two = H100Nvls(2, {2, 27, 5}, false);
  EXPECT_FALSE(two.nvls);
  EXPECT_EQ(Labeled(two.ranks[0], "NVLS"), 0);
  NcclCommPlan two_new = H100Nvls(2, {2, 29, 2}, false);
  EXPECT_TRUE(two_new.nvls);
  EXPECT_EQ(Labeled(two_new.ranks[0], "NVLS buffers"), MiB(64 + 2));
  // NVSwitch without multicast hardware (A100) never has NVLS.
  Case a = Make(A100Sxm(), 8, 8, {2, 26, 2}, false);
  EXPECT_FALSE(Plan(a).nvls);
}

TEST(NcclModelTest, LazyNvlsComesWithTheFirstLargeAllReduce) {
  NcclCommPlan quiet = H100Nvls(4, {2, 27, 5}, true, {true, false, -1});
  EXPECT_FALSE(quiet.nvls);
  EXPECT_EQ(Labeled(quiet.ranks[0], "NVLS"), 0);
  NcclCommPlan busy = H100Nvls(4, {2, 27, 5}, true, {true, true, -1});
  EXPECT_TRUE(busy.nvls);
  EXPECT_EQ(busy.ranks[2].at_stage(NcclStage::kFirstLargeAllReduce), MiB(130 + 32));
  // Lazy connect builds no tree: every rank holds the same.
  EXPECT_EQ(busy.ranks[0].total(), busy.ranks[1].total());
  EXPECT_EQ(busy.ranks[0].total(), MiB(196 + 288 + 130 + 32));
}

TEST(NcclModelTest, ChannelsFollowTheInterconnect) {
  Case a = Make(A100Sxm(), 8, 8, {2, 21, 5});
  NcclCommPlan pa = Plan(a);
  EXPECT_EQ(pa.coll_channels, 24);
  EXPECT_EQ(pa.p2p_channels_per_peer, 32);
  // NVSwitch: the channel count does not depend on the group size (§1.3).
  Case a2 = Make(A100Sxm(), 8, 2, {2, 21, 5});
  EXPECT_EQ(Plan(a2).coll_channels, 24);
  // A Gen5 x16 PCIe card (RTX 5090 class, sm_120): 1 ring at 40 GB/s, duplicated, doubled.
  GpuSpec g5 = testing::MakeGpu("gen5", 12, 0, false, false, 0, 0, false, 5);
  Case c5 = Make(g5, 2, 2, {2, 27, 5});
  EXPECT_EQ(Plan(c5).coll_channels, 4);
  // NCCL_MAX_NCHANNELS caps the rings and the structures with them.
  CommConstants k;
  k.nccl_max_nchannels = 8;
  Case capped = Make(H100Sxm(), 8, 2, {2, 27, 5});
  capped.spec.constants = &k;
  NcclCommPlan pc = Plan(capped);
  EXPECT_EQ(pc.coll_channels, 8);
  EXPECT_EQ(pc.p2p_channels, 8);
  EXPECT_EQ(pc.ranks[0].at_stage(NcclStage::kCreation), MiB((2 + 3 * 8) * 2));
}

TEST(NcclModelTest, AcrossHostsTheRingUsesNet) {
  Case c{Rtx4090(), {}, {}};
  c.topo = *ParseTopologyPreset(
      R"({"name": "2x2", "link": ["X PHB NET NET", "PHB X NET NET", "NET NET X PHB", "NET NET PHB X"],
          "host_of_gpu": [0, 0, 1, 1]})",
      "2x2");
  c.spec.version = {2, 27, 5};
  c.spec.gpus = {0, 1, 2, 3};
  NcclCommPlan p = Plan(c);
  EXPECT_EQ(p.ranks[0].transport, "SHM+NET");  // receives from rank 3 (other host), sends to rank 1
  EXPECT_EQ(p.ranks[1].transport, "SHM+NET");
  EXPECT_EQ(p.p2p_chunk_bytes, 128 * kKiB);
  // GeForce: no GPUDirect RDMA, NET buffers stay in host memory.
  EXPECT_EQ(Labeled(p.ranks[0], "ring buffers"), 0);
  // A datacenter card keeps the NET buffers on the GPU.
  c.gpu = testing::A100Pcie();
  NcclCommPlan dc = Plan(c);
  EXPECT_GT(Labeled(dc.ranks[0], "ring buffers"), 0);
}

TEST(NcclModelTest, GatherThroughSendRecvLoadsTheRoot) {
  Case c = Make(A100Sxm(), 4, 4, {2, 21, 5}, false);
  NcclCommPlan p = Plan(c, {false, false, /*gather_root=*/0});
  const Bytes root = p.ranks[0].at_stage(NcclStage::kFirstSendRecv);
  const Bytes leaf = p.ranks[1].at_stage(NcclStage::kFirstSendRecv);
  EXPECT_EQ(root, 3 * 32 * MiB(6));  // three peers x 32 channels x a 6 MiB read-mode receive buffer
  EXPECT_EQ(leaf, 32 * MiB(6));
}

TEST(NcclModelTest, RejectsBadCommunicators) {
  Case c = Make(Rtx4090(), 2, 2, {2, 27, 5});
  c.spec.gpus = {0, 0};
  c.spec.gpu = &c.gpu;
  c.spec.topology = &c.topo;
  EXPECT_EQ(PlanNcclComm(c.spec, {}).status().code(), Status::Code::kInvalidArgument);
  c.spec.gpus = {0, 5};
  EXPECT_EQ(PlanNcclComm(c.spec, {}).status().code(), Status::Code::kInvalidArgument);
  c.spec.gpus = {};
  EXPECT_EQ(PlanNcclComm(c.spec, {}).status().code(), Status::Code::kInvalidArgument);
}

TEST(NcclModelTest, PathBandwidthUsesNcclsOwnFigures) {
  const GpuSpec h = H100Sxm();
  Topology t = *DefaultTopology(h, 2);
  EXPECT_NEAR(NcclPathBandwidth(t, h, 0, 1), 18 * 20.6, 1e-9);
  const GpuSpec g = Rtx4090();
  Topology p = *DefaultTopology(g, 2);
  EXPECT_NEAR(NcclPathBandwidth(p, g, 0, 1), 24.0, 1e-9);  // Gen4 x16 = 16 x 120 / 80
}

}  // namespace
}  // namespace tpsim
