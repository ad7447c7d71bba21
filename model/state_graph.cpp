#include "model/state_graph.h"

#include <boost/graph/adjacency_list.hpp>
#include <algorithm>
#include <cstdio>
#include <map>

namespace zonesim {

struct StateVertex {
  ZoneCondition cond = ZoneCondition::kEmpty;
};

struct StateEdge {
  Trigger trigger = Trigger::kWrite;
  std::string_view rule;  // where the rule comes from (standard / implementation)
};

struct ConditionGraph {
  boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, StateVertex, StateEdge> g;
};

namespace {

using C = ZoneCondition;
using T = Trigger;

// When a rule applies, as a function of the profile parameters.
bool Always(const ZoneParams&) { return true; }
bool AppendSupported(const ZoneParams& p) { return p.zone_append_supported; }
bool OpenFullIsNoOp(const ZoneParams& p) { return p.open_full_zone == PointlessOp::kNoOp; }
bool CloseEmptyOrFullIsNoOp(const ZoneParams& p) {
  return p.close_empty_or_full_zone == PointlessOp::kNoOp;
}
bool CloseAtStartGivesEmpty(const ZoneParams& p) {
  return p.close_empty_open_zone == CloseEmptyResult::kEmpty;
}
// Only a close of an open zone with nothing written leaves a CLOSED zone
// whose wp is at its start, and only when such a close gives CLOSED.
bool ClosedAtStartExists(const ZoneParams& p) {
  return p.close_empty_open_zone == CloseEmptyResult::kClosed;
}
bool Zns(const ZoneParams& p) { return p.profile == Profile::kZns; }
// Linux has a whole-device command only for reset: open/close/finish of every
// zone are per-zone commands (block/blk-zoned.c blkdev_zone_mgmt), which take
// the per-zone edges.
bool DeviceSelectAll(const ZoneParams& p) { return p.profile != Profile::kLinux; }
bool CloseAllAtStartGivesEmpty(const ZoneParams& p) {
  return DeviceSelectAll(p) && CloseAtStartGivesEmpty(p);
}
bool ImplicitCloseHappens(const ZoneParams& p) {
  return p.implicit_close != ImplicitClosePolicy::kFail;
}
bool PowerCloseOpen(const ZoneParams& p) {
  return p.power_cycle == PowerCyclePolicy::kCloseOpenZones;
}
bool PowerCloseOpenClosedAtStart(const ZoneParams& p) {
  return PowerCloseOpen(p) && ClosedAtStartExists(p);
}
bool PowerWipe(const ZoneParams& p) { return p.power_cycle == PowerCyclePolicy::kWipeToEmpty; }
bool PowerAllFull(const ZoneParams& p) { return p.power_cycle == PowerCyclePolicy::kAllFull; }

struct TransitionRule {
  ZoneCondition from;
  Trigger trigger;
  ZoneCondition to;
  bool (*applies)(const ZoneParams&);
  std::string_view rule;
};

// THE state machine. One line per edge; `applies` says for which profile
// parameters the model can take it. Citations: zone-semantics.md section 6.
constexpr TransitionRule kRules[] = {
    // Writes at the wp (ZNS 1.1 2.1.1.3.1-4; null_blk null_zone_write).
    {C::kEmpty, T::kWrite, C::kImplicitOpen, Always, "ZNS 2.1.1.3.1 write: ZSE->ZSIO"},
    {C::kEmpty, T::kWrite, C::kFull, Always, "ZNS 2.1.1.3.1 write reaching zcap: ZSE->ZSF"},
    {C::kImplicitOpen, T::kWrite, C::kImplicitOpen, Always, "ZNS 2.1.1.3.2 write: stays ZSIO"},
    {C::kImplicitOpen, T::kWrite, C::kFull, Always, "ZNS 2.1.1.3.2 write reaching zcap: ZSIO->ZSF"},
    {C::kExplicitOpen, T::kWrite, C::kExplicitOpen, Always, "ZNS 2.1.1.3.3 write: stays ZSEO"},
    {C::kExplicitOpen, T::kWrite, C::kFull, Always, "ZNS 2.1.1.3.3 write reaching zcap: ZSEO->ZSF"},
    {C::kClosed, T::kWrite, C::kImplicitOpen, Always, "ZNS 2.1.1.3.4 write: ZSC->ZSIO"},
    {C::kClosed, T::kWrite, C::kFull, Always, "ZNS 2.1.1.3.4 write reaching zcap: ZSC->ZSF"},
    // Zone Append: a write at the wp (ZNS 1.1 3.4.1); ZBC has none.
    {C::kEmpty, T::kAppend, C::kImplicitOpen, AppendSupported, "ZNS 3.4.1 append: ZSE->ZSIO"},
    {C::kEmpty, T::kAppend, C::kFull, AppendSupported, "ZNS 3.4.1 append reaching zcap"},
    {C::kImplicitOpen, T::kAppend, C::kImplicitOpen, AppendSupported, "ZNS 3.4.1 append: stays ZSIO"},
    {C::kImplicitOpen, T::kAppend, C::kFull, AppendSupported, "ZNS 3.4.1 append reaching zcap"},
    {C::kExplicitOpen, T::kAppend, C::kExplicitOpen, AppendSupported, "ZNS 3.4.1 append: stays ZSEO"},
    {C::kExplicitOpen, T::kAppend, C::kFull, AppendSupported, "ZNS 3.4.1 append reaching zcap"},
    {C::kClosed, T::kAppend, C::kImplicitOpen, AppendSupported, "ZNS 3.4.1 append: ZSC->ZSIO"},
    {C::kClosed, T::kAppend, C::kFull, AppendSupported, "ZNS 3.4.1 append reaching zcap"},
    // Open Zone (ZNS 1.1 3.4.3.1.3; ZBC OPEN ZONE; null_open_zone).
    {C::kEmpty, T::kOpen, C::kExplicitOpen, Always, "ZNS 3.4.3.1.3 open: ZSE->ZSEO (A+O)"},
    {C::kImplicitOpen, T::kOpen, C::kExplicitOpen, Always, "ZNS 3.4.3.1.3 open: ZSIO->ZSEO"},
    {C::kExplicitOpen, T::kOpen, C::kExplicitOpen, Always, "ZNS 3.4.3.1.3 open of ZSEO: no-op"},
    {C::kClosed, T::kOpen, C::kExplicitOpen, Always, "ZNS 3.4.3.1.3 open: ZSC->ZSEO (O)"},
    {C::kFull, T::kOpen, C::kFull, OpenFullIsNoOp, "ZBC-2 OPEN ZONE of FULL: no-op"},
    // Close Zone (ZNS 1.1 3.4.3.1.1; ZBC CLOSE ZONE; null_close_zone).
    {C::kEmpty, T::kClose, C::kEmpty, CloseEmptyOrFullIsNoOp, "ZBC-2 CLOSE ZONE of EMPTY: no-op"},
    {C::kImplicitOpen, T::kClose, C::kClosed, Always, "ZNS 3.4.3.1.1 close: ZSIO->ZSC"},
    {C::kExplicitOpen, T::kClose, C::kClosed, Always, "ZNS 3.4.3.1.1 close: ZSEO->ZSC"},
    {C::kExplicitOpen, T::kClose, C::kEmpty, CloseAtStartGivesEmpty,
     "ZBC-2/null_close_zone: close with wp at start -> EMPTY"},
    {C::kClosed, T::kClose, C::kClosed, Always, "ZNS 3.4.3.1.1 close of ZSC: no-op"},
    {C::kFull, T::kClose, C::kFull, CloseEmptyOrFullIsNoOp, "ZBC-2 CLOSE ZONE of FULL: no-op"},
    // Finish Zone (ZNS 1.1 3.4.3.1.2; ZBC FINISH ZONE; null_finish_zone).
    {C::kEmpty, T::kFinish, C::kFull, Always, "ZNS 3.4.3.1.2 finish: ZSE->ZSF"},
    {C::kImplicitOpen, T::kFinish, C::kFull, Always, "ZNS 3.4.3.1.2 finish: ZSIO->ZSF"},
    {C::kExplicitOpen, T::kFinish, C::kFull, Always, "ZNS 3.4.3.1.2 finish: ZSEO->ZSF"},
    {C::kClosed, T::kFinish, C::kFull, Always, "ZNS 3.4.3.1.2 finish: ZSC->ZSF"},
    {C::kFull, T::kFinish, C::kFull, Always, "ZNS 3.4.3.1.2 finish of ZSF: no-op"},
    // Reset Zone (ZNS 1.1 3.4.3.1.4; ZBC RESET WRITE POINTER; null_reset_zone).
    {C::kEmpty, T::kReset, C::kEmpty, Always, "ZNS 3.4.3.1.4 reset of ZSE: no-op"},
    {C::kImplicitOpen, T::kReset, C::kEmpty, Always, "ZNS 3.4.3.1.4 reset: ZSIO->ZSE"},
    {C::kExplicitOpen, T::kReset, C::kEmpty, Always, "ZNS 3.4.3.1.4 reset: ZSEO->ZSE"},
    {C::kClosed, T::kReset, C::kEmpty, Always, "ZNS 3.4.3.1.4 reset: ZSC->ZSE"},
    {C::kFull, T::kReset, C::kEmpty, Always, "ZNS 3.4.3.1.4 reset: ZSF->ZSE"},
    // Offline Zone (ZNS 1.1 3.4.3.1.5 only).
    {C::kReadOnly, T::kOffline, C::kOffline, Zns, "ZNS 3.4.3.1.5 offline: ZSRO->ZSO"},
    {C::kOffline, T::kOffline, C::kOffline, Zns, "ZNS 3.4.3.1.5 offline of ZSO: no-op"},
    // Select All forms (ZNS 1.1 3.4.3 Figure 39 bit 8; ZBC ALL bit).
    {C::kClosed, T::kOpenAll, C::kExplicitOpen, DeviceSelectAll, "ZNS 3.4.3.1.3 Select All: ZSC->ZSEO"},
    {C::kImplicitOpen, T::kCloseAll, C::kClosed, DeviceSelectAll, "ZNS 3.4.3.1.1 Select All: ZSIO->ZSC"},
    {C::kExplicitOpen, T::kCloseAll, C::kClosed, DeviceSelectAll, "ZNS 3.4.3.1.1 Select All: ZSEO->ZSC"},
    {C::kExplicitOpen, T::kCloseAll, C::kEmpty, CloseAllAtStartGivesEmpty,
     "ZBC-2 CLOSE ALL with wp at start -> EMPTY"},
    {C::kImplicitOpen, T::kFinishAll, C::kFull, DeviceSelectAll, "ZNS 3.4.3.1.2 Select All: ZSIO->ZSF"},
    {C::kExplicitOpen, T::kFinishAll, C::kFull, DeviceSelectAll, "ZNS 3.4.3.1.2 Select All: ZSEO->ZSF"},
    {C::kClosed, T::kFinishAll, C::kFull, DeviceSelectAll, "ZNS 3.4.3.1.2 Select All: ZSC->ZSF"},
    {C::kImplicitOpen, T::kResetAll, C::kEmpty, Always, "ZNS 3.4.3.1.4 Select All: ZSIO->ZSE"},
    {C::kExplicitOpen, T::kResetAll, C::kEmpty, Always, "ZNS 3.4.3.1.4 Select All: ZSEO->ZSE"},
    {C::kClosed, T::kResetAll, C::kEmpty, Always, "ZNS 3.4.3.1.4 Select All: ZSC->ZSE"},
    {C::kFull, T::kResetAll, C::kEmpty, Always, "ZNS 3.4.3.1.4 Select All: ZSF->ZSE"},
    {C::kReadOnly, T::kOfflineAll, C::kOffline, Zns, "ZNS 3.4.3.1.5 Select All: ZSRO->ZSO"},
    // Implicit close at the open limit (ZNS 1.1 2.1.1.4.1; null_close_imp_open_zone).
    {C::kImplicitOpen, T::kImplicitClose, C::kClosed, ImplicitCloseHappens,
     "ZNS 2.1.1.4.1 implicit close: ZSIO->ZSC"},
    // Power cycle (ZNS 1.1 2.1.1.3 initial state; null_blk null_add_dev).
    {C::kImplicitOpen, T::kPowerCycle, C::kClosed, PowerCloseOpen, "ZNS 2.1.1.3 restart: wp>start -> ZSC"},
    {C::kExplicitOpen, T::kPowerCycle, C::kClosed, PowerCloseOpen, "ZNS 2.1.1.3 restart: wp>start -> ZSC"},
    {C::kExplicitOpen, T::kPowerCycle, C::kEmpty, PowerCloseOpen, "ZNS 2.1.1.3 restart: wp=start -> ZSE"},
    {C::kClosed, T::kPowerCycle, C::kEmpty, PowerCloseOpenClosedAtStart,
     "ZNS 2.1.1.3 restart: ZSC with wp=start -> ZSE"},
    {C::kImplicitOpen, T::kPowerCycle, C::kEmpty, PowerWipe, "null_blk power-on: zones rebuilt EMPTY"},
    {C::kExplicitOpen, T::kPowerCycle, C::kEmpty, PowerWipe, "null_blk power-on: zones rebuilt EMPTY"},
    {C::kClosed, T::kPowerCycle, C::kEmpty, PowerWipe, "null_blk power-on: zones rebuilt EMPTY"},
    {C::kFull, T::kPowerCycle, C::kEmpty, PowerWipe, "null_blk power-on: zones rebuilt EMPTY"},
    {C::kEmpty, T::kPowerCycle, C::kFull, PowerAllFull, "null_blk zone_full=1 power-on: FULL"},
    {C::kImplicitOpen, T::kPowerCycle, C::kFull, PowerAllFull, "null_blk zone_full=1 power-on: FULL"},
    {C::kExplicitOpen, T::kPowerCycle, C::kFull, PowerAllFull, "null_blk zone_full=1 power-on: FULL"},
    {C::kClosed, T::kPowerCycle, C::kFull, PowerAllFull, "null_blk zone_full=1 power-on: FULL"},
    // Device faults (ZNS 1.1 2.1.1.3.6-7; null_blk zone_readonly / zone_offline).
    {C::kEmpty, T::kFaultReadOnly, C::kReadOnly, Always, "ZNS 2.1.1.3.6 device fault: ->ZSRO"},
    {C::kImplicitOpen, T::kFaultReadOnly, C::kReadOnly, Always, "ZNS 2.1.1.3.6 device fault: ->ZSRO"},
    {C::kExplicitOpen, T::kFaultReadOnly, C::kReadOnly, Always, "ZNS 2.1.1.3.6 device fault: ->ZSRO"},
    {C::kClosed, T::kFaultReadOnly, C::kReadOnly, Always, "ZNS 2.1.1.3.6 device fault: ->ZSRO"},
    {C::kFull, T::kFaultReadOnly, C::kReadOnly, Always, "ZNS 2.1.1.3.6 device fault: ->ZSRO"},
    {C::kReadOnly, T::kFaultReadOnly, C::kReadOnly, Always, "fault on a ZSRO zone: no-op"},
    {C::kEmpty, T::kFaultOffline, C::kOffline, Always, "ZNS 2.1.1.3.7 device fault: ->ZSO"},
    {C::kImplicitOpen, T::kFaultOffline, C::kOffline, Always, "ZNS 2.1.1.3.7 device fault: ->ZSO"},
    {C::kExplicitOpen, T::kFaultOffline, C::kOffline, Always, "ZNS 2.1.1.3.7 device fault: ->ZSO"},
    {C::kClosed, T::kFaultOffline, C::kOffline, Always, "ZNS 2.1.1.3.7 device fault: ->ZSO"},
    {C::kFull, T::kFaultOffline, C::kOffline, Always, "ZNS 2.1.1.3.7 device fault: ->ZSO"},
    {C::kReadOnly, T::kFaultOffline, C::kOffline, Always, "ZNS 2.1.1.3.7 device fault: ZSRO->ZSO"},
    {C::kOffline, T::kFaultOffline, C::kOffline, Always, "fault on a ZSO zone: no-op"},
};

std::optional<size_t> VertexIndex(ZoneCondition c) {
  for (size_t i = 0; i < std::size(kGraphConditions); ++i)
    if (kGraphConditions[i] == c) return i;
  return std::nullopt;
}

std::string Quote(ZoneCondition c) { return "\"" + std::string(to_string(c)) + "\""; }

std::string Percent(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", p);
  return buf;
}

}  // namespace

StateGraph BuildStateGraph(const ZoneParams& params) {
  auto built = std::make_shared<ConditionGraph>();
  for (ZoneCondition c : kGraphConditions) boost::add_vertex(StateVertex{c}, built->g);
  for (const TransitionRule& r : kRules) {
    if (!r.applies(params)) continue;
    boost::add_edge(*VertexIndex(r.from), *VertexIndex(r.to), StateEdge{r.trigger, r.rule}, built->g);
  }
  return StateGraph{std::move(built), params.profile};
}

size_t VertexCount(const StateGraph& g) { return boost::num_vertices(g.graph->g); }
size_t EdgeCount(const StateGraph& g) { return boost::num_edges(g.graph->g); }

std::vector<Edge> GraphEdges(const StateGraph& g) {
  std::vector<Edge> out;
  const auto& graph = g.graph->g;
  for (auto [it, end] = boost::edges(graph); it != end; ++it) {
    ZoneCondition from = graph[boost::source(*it, graph)].cond;
    ZoneCondition to = graph[boost::target(*it, graph)].cond;
    out.push_back(Edge{from, graph[*it].trigger, to});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

const StateEdge* FindEdge(const StateGraph& g, const Edge& e) {
  auto from = VertexIndex(e.from);
  auto to = VertexIndex(e.to);
  if (!from || !to) return nullptr;
  const auto& graph = g.graph->g;
  for (auto [it, end] = boost::out_edges(*from, graph); it != end; ++it) {
    if (boost::target(*it, graph) == *to && graph[*it].trigger == e.trigger)
      return &graph[*it];
  }
  return nullptr;
}

}  // namespace

std::string_view EdgeRule(const StateGraph& g, const Edge& e) {
  const StateEdge* found = FindEdge(g, e);
  return found ? found->rule : std::string_view{};
}

bool HasEdge(const StateGraph& g, const Edge& e) { return FindEdge(g, e) != nullptr; }

CoverageSummary Summarize(const StateGraph& g, const EdgeCoverage& coverage) {
  CoverageSummary s;
  for (const Edge& e : GraphEdges(g)) {
    ++s.total;
    if (coverage.Count(e) > 0)
      ++s.covered;
    else
      s.uncovered.push_back(to_string(e));
  }
  for (const auto& [e, n] : coverage.counts())
    if (n > 0 && !HasEdge(g, e)) s.unexpected.push_back(to_string(e));
  s.percent = s.total == 0 ? 100.0 : 100.0 * static_cast<double>(s.covered) / static_cast<double>(s.total);
  return s;
}

std::string CoverageLine(const CoverageSummary& s) {
  return "covered " + std::to_string(s.covered) + "/" + std::to_string(s.total) + " edges (" +
         Percent(s.percent) + ")";
}

std::string RenderDot(const StateGraph& g, const EdgeCoverage* coverage) {
  std::string out = "digraph zone_states {\n";
  std::string label = std::string(to_string(g.profile)) + " profile";
  if (coverage) label += ": " + CoverageLine(Summarize(g, *coverage));
  out += "  label=\"" + label + "\";\n  labelloc=t;\n  rankdir=LR;\n  node [shape=ellipse];\n";
  for (ZoneCondition c : kGraphConditions) out += "  " + Quote(c) + ";\n";
  for (const Edge& e : GraphEdges(g)) {
    std::string attrs = "label=\"" + std::string(to_string(e.trigger));
    if (coverage) {
      uint64_t n = coverage->Count(e);
      if (n > 0)
        attrs += " (" + std::to_string(n) + ")\", color=green, fontcolor=darkgreen, style=solid";
      else
        attrs += "\", color=red, fontcolor=red, style=dashed";
    } else {
      attrs += "\"";
    }
    out += "  " + Quote(e.from) + " -> " + Quote(e.to) + " [" + attrs + "];\n";
  }
  if (coverage) {
    // Recorded edges the graph does not allow: a model or device bug, drawn bold.
    for (const auto& [e, n] : coverage->counts()) {
      if (n == 0 || HasEdge(g, e)) continue;
      out += "  " + Quote(e.from) + " -> " + Quote(e.to) + " [label=\"" +
             std::string(to_string(e.trigger)) + " (" + std::to_string(n) +
             ") NOT IN GRAPH\", color=orange, fontcolor=orange, style=bold];\n";
    }
  }
  out += "}\n";
  return out;
}

std::string RenderTable(const StateGraph& g, const EdgeCoverage* coverage) {
  auto pad = [](std::string_view s, size_t w) {
    std::string r(s);
    if (r.size() < w) r.append(w - r.size(), ' ');
    return r;
  };
  std::string out = pad("FROM", 10) + pad("TRIGGER", 16) + pad("TO", 10);
  if (coverage) out += pad("COUNT", 10);
  out += "RULE\n";
  for (const Edge& e : GraphEdges(g)) {
    out += pad(to_string(e.from), 10) + pad(to_string(e.trigger), 16) + pad(to_string(e.to), 10);
    if (coverage) {
      uint64_t n = coverage->Count(e);
      out += pad(n > 0 ? std::to_string(n) : "-", 10);
    }
    out += std::string(EdgeRule(g, e)) + "\n";
  }
  return out;
}

}  // namespace zonesim
