// The state graph against the model, both ways:
//  - every edge of each profile's graph is reachable: an exhaustive walk
//    (every starting condition x every operation, on a normal zone and on a
//    small last zone, plus an implicit close and a power cycle) covers 100%;
//  - the model never records an edge missing from the graph, for every
//    combination of the parameters that shape the graph.
// Plus the rendering (DOT, table) and the coverage summary.
#include <doctest/doctest.h>

#include <functional>

#include "model/state_graph.h"
#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;

// 6 zones of 16 blocks and a last zone of 2 blocks: its capacity (2 blocks)
// is below max_append_bytes (4 blocks), so a single append can fill an EMPTY
// zone -- the only way to take EMPTY --append--> FULL (Validate() requires
// max_append_bytes < zone_capacity for the regular zones).
DeviceConfig WalkConfig(const ZoneParams& params, uint32_t max_open = 0) {
  DeviceConfig c = SmallConfig(Profile::kLinux, 7);
  c.size = 6 * kZone + 2 * kBlock;
  c.params = params;
  c.max_open_zones = max_open;
  REQUIRE_MESSAGE(c.Validate().ok(), c.Validate().ToString());
  return c;
}

using Action = std::function<void(ZoneModel&, uint32_t)>;

std::vector<Action> Actions() {
  const Payload d = Payload::Fill(0x3c);
  auto wp = [](const ZoneModel& m, uint32_t z) { return m.internal_wp(z); };
  auto cap_end = [](const ZoneModel& m, uint32_t z) {
    return m.config().zone_start(z) + m.config().zone_capacity_of(z);
  };
  auto start = [](const ZoneModel& m, uint32_t z) { return m.config().zone_start(z); };
  uint64_t at = 0;
  return {
      [=](ZoneModel& m, uint32_t z) { m.Write(wp(m, z), kBlock, d); },
      [=](ZoneModel& m, uint32_t z) { m.Write(wp(m, z), cap_end(m, z) - wp(m, z), d); },
      [=](ZoneModel& m, uint32_t z) mutable { m.Append(start(m, z), kBlock, d, &at); },
      [=](ZoneModel& m, uint32_t z) mutable {
        m.Append(start(m, z), cap_end(m, z) - wp(m, z), d, &at);
      },
      [=](ZoneModel& m, uint32_t z) { m.Manage(ZoneAction::kOpen, start(m, z)); },
      [=](ZoneModel& m, uint32_t z) { m.Manage(ZoneAction::kClose, start(m, z)); },
      [=](ZoneModel& m, uint32_t z) { m.Manage(ZoneAction::kFinish, start(m, z)); },
      [=](ZoneModel& m, uint32_t z) { m.Manage(ZoneAction::kReset, start(m, z)); },
      [=](ZoneModel& m, uint32_t z) { m.Manage(ZoneAction::kOffline, start(m, z)); },
      [=](ZoneModel& m, uint32_t z) { m.Inject(ZoneFault::kReadOnly, start(m, z)); },
      [=](ZoneModel& m, uint32_t z) { m.Inject(ZoneFault::kOffline, start(m, z)); },
      [](ZoneModel& m, uint32_t) { m.ManageAll(ZoneAction::kOpen); },
      [](ZoneModel& m, uint32_t) { m.ManageAll(ZoneAction::kClose); },
      [](ZoneModel& m, uint32_t) { m.ManageAll(ZoneAction::kFinish); },
      [](ZoneModel& m, uint32_t) { m.ManageAll(ZoneAction::kReset); },
      [](ZoneModel& m, uint32_t) { m.ManageAll(ZoneAction::kOffline); },
      [](ZoneModel& m, uint32_t) { m.PowerCycle(); },
  };
}

// Every starting condition x every action, on zone 2 and on the small last zone.
EdgeCoverage Walk(const ZoneParams& params) {
  EdgeCoverage all;
  const DeviceConfig c = WalkConfig(params);
  const std::vector<Action> actions = Actions();
  for (Setup setup : kAllSetups) {
    if (!Possible(params, setup)) continue;
    for (const Action& act : actions) {
      for (uint32_t z : {2u, 6u}) {
        ZoneModel m(c);
        Drive(m, z, setup);
        act(m, z);
        all.Merge(m.coverage());
      }
    }
  }
  // Implicit close: open limit 1, one IMPLICIT OPEN zone, write another.
  ZoneModel m(WalkConfig(params, 1));
  Drive(m, 1, Setup::kImplicitOpen);
  m.Write(Start(2), kBlock, Payload::Fill(1));
  all.Merge(m.coverage());
  return all;
}

TEST_CASE("hand-counted edge totals per profile") {
  // 48 edges exist under every profile; the rest depend on the parameters
  // (see state_graph.cpp): zns +8 append +3 offline +1 implicit close +3
  // power cycle +1 CLOSED(wp=start)->EMPTY; zbc +1 open FULL +2 close E/F
  // +2 close->EMPTY +1 implicit close +3 power cycle; linux +8 append
  // +1 close->EMPTY +1 implicit close +3 power cycle -7 Select All open,
  // close and finish edges (Linux issues those per zone: blkdev_zone_mgmt).
  CHECK(GraphEdges(BuildStateGraph(profile_params(Profile::kZns))).size() == 64);
  CHECK(GraphEdges(BuildStateGraph(profile_params(Profile::kZbc))).size() == 57);
  CHECK(GraphEdges(BuildStateGraph(profile_params(Profile::kLinux))).size() == 55);
  // The graph has exactly the seven conditions of a sequential zone.
  const StateGraph g = BuildStateGraph(profile_params(Profile::kZns));
  CHECK(VertexCount(g) == 7);
  CHECK(EdgeCount(g) == 64);  // no duplicate edges
}

TEST_CASE("each profile: the model reaches every graph edge and nothing else") {
  for (Profile p : kProfiles) {
    const ZoneParams params = profile_params(p);
    const StateGraph g = BuildStateGraph(params);
    const CoverageSummary s = Summarize(g, Walk(params));
    std::string uncovered, unexpected;
    for (const auto& e : s.uncovered) uncovered += "\n  " + e;
    for (const auto& e : s.unexpected) unexpected += "\n  " + e;
    CHECK_MESSAGE(s.covered == s.total, Name(p), ": uncovered graph edges:", uncovered);
    CHECK_MESSAGE(s.unexpected.empty(), Name(p), ": edges not in the graph:", unexpected);
    CHECK(s.percent == 100.0);
  }
}

TEST_CASE("every combination of graph-shaping parameters: graph == reachable edges") {
  int variants = 0;
  for (Profile p : kProfiles) {
    for (auto power : {PowerCyclePolicy::kCloseOpenZones, PowerCyclePolicy::kKeep,
                       PowerCyclePolicy::kWipeToEmpty, PowerCyclePolicy::kAllFull}) {
      for (auto close_empty : {CloseEmptyResult::kClosed, CloseEmptyResult::kEmpty}) {
        for (auto open_full : {PointlessOp::kError, PointlessOp::kNoOp}) {
          for (auto pointless : {PointlessOp::kError, PointlessOp::kNoOp}) {
            for (auto policy : {ImplicitClosePolicy::kFail, ImplicitClosePolicy::kRoundRobin}) {
              for (bool append : {false, true}) {
                ZoneParams params = profile_params(p);
                params.power_cycle = power;
                params.close_empty_open_zone = close_empty;
                params.open_full_zone = open_full;
                params.close_empty_or_full_zone = pointless;
                params.implicit_close = policy;
                params.zone_append_supported = append;
                const StateGraph g = BuildStateGraph(params);
                const CoverageSummary s = Summarize(g, Walk(params));
                const std::string v = Name(p) + " power=" + std::string(to_string(power)) +
                                      " close_empty=" + std::to_string(int(close_empty)) +
                                      " open_full=" + std::to_string(int(open_full)) +
                                      " pointless=" + std::to_string(int(pointless)) +
                                      " policy=" + std::string(to_string(policy)) +
                                      " append=" + std::to_string(append);
                std::string detail;
                for (const auto& e : s.uncovered) detail += "\n  uncovered " + e;
                for (const auto& e : s.unexpected) detail += "\n  not in graph " + e;
                CHECK_MESSAGE((s.covered == s.total && s.unexpected.empty()), v, detail);
                ++variants;
              }
            }
          }
        }
      }
    }
  }
  CHECK(variants == 3 * 4 * 2 * 2 * 2 * 2 * 2);
}

TEST_CASE("summary, DOT and table rendering") {
  const StateGraph g = BuildStateGraph(profile_params(Profile::kZbc));
  EdgeCoverage cov;
  cov.Record(Edge{C::kEmpty, Trigger::kWrite, C::kImplicitOpen});
  cov.Record(Edge{C::kEmpty, Trigger::kWrite, C::kImplicitOpen});
  cov.Record(Edge{C::kImplicitOpen, Trigger::kClose, C::kClosed});
  cov.Record(Edge{C::kEmpty, Trigger::kAppend, C::kImplicitOpen});  // not in the zbc graph
  const CoverageSummary s = Summarize(g, cov);
  CHECK(s.total == 57);
  CHECK(s.covered == 2);
  CHECK(s.uncovered.size() == 55);
  CHECK(s.unexpected == std::vector<std::string>{"EMPTY --append--> IMP_OPEN"});
  CHECK(CoverageLine(s) == "covered 2/57 edges (3.5%)");
  CHECK(s.uncovered.front() == "EMPTY --write--> FULL");

  const std::string dot = RenderDot(g, &cov);
  CHECK(dot.find("digraph") == 0);
  CHECK(dot.find("label=\"zbc profile: covered 2/57 edges (3.5%)\"") != std::string::npos);
  CHECK(dot.find("\"EMPTY\" -> \"IMP_OPEN\" [label=\"write (2)\", color=green") != std::string::npos);
  CHECK(dot.find("\"EMPTY\" -> \"FULL\" [label=\"write\", color=red, fontcolor=red, style=dashed]") !=
        std::string::npos);
  CHECK(dot.find("append (1) NOT IN GRAPH") != std::string::npos);
  // Same input, same text.
  CHECK(RenderDot(g, &cov) == dot);
  const std::string plain = RenderDot(g, nullptr);
  CHECK(plain.find("color=") == std::string::npos);
  CHECK(plain.find("\"READONLY\" -> \"OFFLINE\" [label=\"fault_offline\"]") != std::string::npos);

  const std::string table = RenderTable(g, &cov);
  CHECK(table.find("FROM      TRIGGER         TO        COUNT     RULE\n") == 0);
  CHECK(table.find("EMPTY     write           IMP_OPEN  2         ZNS 2.1.1.3.1") != std::string::npos);
  CHECK(table.find("EMPTY     write           FULL      -         ") != std::string::npos);
  size_t lines = std::count(table.begin(), table.end(), '\n');
  CHECK(lines == 58);
  CHECK(HasEdge(g, Edge{C::kFull, Trigger::kOpen, C::kFull}));
  CHECK(!HasEdge(g, Edge{C::kFull, Trigger::kOpen, C::kExplicitOpen}));
  CHECK(!HasEdge(g, Edge{C::kNotWp, Trigger::kWrite, C::kNotWp}));
  CHECK(EdgeRule(g, Edge{C::kFull, Trigger::kOpen, C::kFull}) == "ZBC-2 OPEN ZONE of FULL: no-op");
}

}  // namespace
}  // namespace zonesim::test
