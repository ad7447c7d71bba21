// The zone state machine as data: a Boost graph whose vertices are the zone
// conditions of a sequential zone (EMPTY, IMP_OPEN, EXP_OPEN, CLOSED, FULL,
// READONLY, OFFLINE; conventional NOT_WP zones have no state machine and are
// left out) and whose edges are (from, Trigger, to), labelled with the trigger.
//
// BuildStateGraph lists exactly the edges ZoneModel can take under the given
// ZoneParams, on a device whose geometry allows everything (zone capacity of
// at least three blocks, an open limit so that implicit closes can happen).
// The model records every edge it takes (ZoneModel::coverage()); the model
// tests prove the two agree both ways: every recorded edge is in the graph,
// and every graph edge is reachable.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zoned/device_config.h"
#include "model/edge_coverage.h"
#include "zoned/zone_types.h"

namespace zonesim {

// The Boost graph itself lives in state_graph.cpp: Boost.Graph costs every
// file that includes it seconds of compile time, and the replay, fuzz and
// campaign code only need the summary.
struct ConditionGraph;

struct StateGraph {
  std::shared_ptr<const ConditionGraph> graph;  // never null after BuildStateGraph
  Profile profile = Profile::kLinux;            // for labels only
};

// The conditions that are vertices, in vertex order.
inline constexpr ZoneCondition kGraphConditions[] = {
    ZoneCondition::kEmpty,  ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen,
    ZoneCondition::kClosed, ZoneCondition::kFull,         ZoneCondition::kReadOnly,
    ZoneCondition::kOffline};

StateGraph BuildStateGraph(const ZoneParams& params);

// The graph's vertex and edge counts (the edges counted with repeats).
size_t VertexCount(const StateGraph& g);
size_t EdgeCount(const StateGraph& g);

// The edges, sorted (Edge's ordering), without duplicates.
std::vector<Edge> GraphEdges(const StateGraph& g);
bool HasEdge(const StateGraph& g, const Edge& e);
// The citation of an edge's rule ("" when the edge is not in the graph).
std::string_view EdgeRule(const StateGraph& g, const Edge& e);

struct CoverageSummary {
  size_t covered = 0;                   // graph edges with a count > 0
  size_t total = 0;                     // graph edges
  double percent = 0.0;                 // 100 * covered / total
  std::vector<std::string> uncovered;   // graph edges never taken, sorted
  std::vector<std::string> unexpected;  // recorded edges NOT in the graph, sorted
};

CoverageSummary Summarize(const StateGraph& g, const EdgeCoverage& coverage);

// "covered 12/40 edges (30.0%)"
std::string CoverageLine(const CoverageSummary& s);

// Graphviz DOT. With coverage: covered edges solid green labelled with their
// counts, uncovered ones dashed red, and a graph label with CoverageLine.
std::string RenderDot(const StateGraph& g, const EdgeCoverage* coverage);

// A plain table, one edge per line: FROM TRIGGER TO [COUNT] RULE.
std::string RenderTable(const StateGraph& g, const EdgeCoverage* coverage);

}  // namespace zonesim
