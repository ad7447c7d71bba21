// One CHECK per cell of the transition table: operation x starting condition x
// profile. The expected outcomes are written out here from the semantics
// contract (notes/semantics-contract.md; zone-semantics.md tables 1.1/1.2)
// with each profile's value spelled out, not computed from ZoneParams, so the
// profile presets are checked too. Every cell also checks the recorded edge:
// exactly one (from, trigger, to) for a successful single-zone operation
// (self-loops included), one for a Select All form only when the zone
// changes, none for an error.
#include <doctest/doctest.h>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

enum class Op {
  kWriteBlock,     // one block at the wp (zone start for F/RO/OFF)
  kWriteToCap,     // from the wp up to the capacity (whole capacity for F/RO/OFF)
  kWriteOffWp,     // one block one block past the wp (zone start + 1 block for F/RO/OFF)
  kWriteCrossing,  // from the wp to one block past the zone end (from the start for F/RO/OFF)
  kAppend,         // one block
  kOpen, kClose, kFinish, kReset, kOffline,
  kInjectReadOnly, kInjectOffline,
  kOpenAll, kCloseAll, kFinishAll, kResetAll, kOfflineAll,
};

const Op kAllOps[] = {Op::kWriteBlock, Op::kWriteToCap, Op::kWriteOffWp, Op::kWriteCrossing,
                      Op::kAppend, Op::kOpen, Op::kClose, Op::kFinish, Op::kReset, Op::kOffline,
                      Op::kInjectReadOnly, Op::kInjectOffline, Op::kOpenAll, Op::kCloseAll,
                      Op::kFinishAll, Op::kResetAll, Op::kOfflineAll};

std::string_view OpName(Op op) {
  switch (op) {
    case Op::kWriteBlock: return "write(1 block at wp)";
    case Op::kWriteToCap: return "write(wp..capacity)";
    case Op::kWriteOffWp: return "write(not at wp)";
    case Op::kWriteCrossing: return "write(crossing zone end)";
    case Op::kAppend: return "append";
    case Op::kOpen: return "open";
    case Op::kClose: return "close";
    case Op::kFinish: return "finish";
    case Op::kReset: return "reset";
    case Op::kOffline: return "offline";
    case Op::kInjectReadOnly: return "inject read_only";
    case Op::kInjectOffline: return "inject offline";
    case Op::kOpenAll: return "open all";
    case Op::kCloseAll: return "close all";
    case Op::kFinishAll: return "finish all";
    case Op::kResetAll: return "reset all";
    case Op::kOfflineAll: return "offline all";
  }
  return "?";
}

Trigger TriggerOf(Op op) {
  switch (op) {
    case Op::kWriteBlock: case Op::kWriteToCap: case Op::kWriteOffWp: case Op::kWriteCrossing:
      return Trigger::kWrite;
    case Op::kAppend: return Trigger::kAppend;
    case Op::kOpen: return Trigger::kOpen;
    case Op::kClose: return Trigger::kClose;
    case Op::kFinish: return Trigger::kFinish;
    case Op::kReset: return Trigger::kReset;
    case Op::kOffline: return Trigger::kOffline;
    case Op::kInjectReadOnly: return Trigger::kFaultReadOnly;
    case Op::kInjectOffline: return Trigger::kFaultOffline;
    case Op::kOpenAll: return Trigger::kOpenAll;
    case Op::kCloseAll: return Trigger::kCloseAll;
    case Op::kFinishAll: return Trigger::kFinishAll;
    case Op::kResetAll: return Trigger::kResetAll;
    case Op::kOfflineAll: return Trigger::kOfflineAll;
  }
  return Trigger::kWrite;
}

bool IsSelectAll(Op op) {
  return op == Op::kOpenAll || op == Op::kCloseAll || op == Op::kFinishAll ||
         op == Op::kResetAll || op == Op::kOfflineAll;
}

struct Outcome {
  S status;
  C cond;
};

// The state error of a write/append to a zone without a valid wp.
S StateError(C c) {
  return c == C::kFull ? S::kZoneIsFull : c == C::kReadOnly ? S::kZoneIsReadOnly : S::kZoneIsOffline;
}

bool HasWp(C c) {
  return c == C::kEmpty || c == C::kImplicitOpen || c == C::kExplicitOpen || c == C::kClosed;
}

// The contract's table. `p` picks the profile-specific cells.
Outcome Expected(Op op, Setup setup, Profile p) {
  const C c = ConditionOf(setup);
  const bool zns = p == Profile::kZns, zbc = p == Profile::kZbc;
  const Outcome same_ok{S::kOk, c};
  const Outcome invalid{S::kInvalidZoneStateTransition, c};
  switch (op) {
    case Op::kWriteBlock:
      if (!HasWp(c)) return {StateError(c), c};
      return {S::kOk, c == C::kExplicitOpen ? C::kExplicitOpen : C::kImplicitOpen};
    case Op::kWriteToCap:
      if (!HasWp(c)) return {StateError(c), c};
      return {S::kOk, C::kFull};
    case Op::kWriteOffWp:
      if (!HasWp(c)) return {StateError(c), c};
      return {S::kZoneInvalidWrite, c};
    case Op::kWriteCrossing:
      if (!HasWp(c)) return {zbc ? S::kZoneBoundaryError : StateError(c), c};  // precedence
      return {S::kZoneBoundaryError, c};
    case Op::kAppend:
      if (zbc) return {S::kNotSupported, c};  // ZBC has no zone append
      if (!HasWp(c)) return {StateError(c), c};
      return {S::kOk, c == C::kExplicitOpen ? C::kExplicitOpen : C::kImplicitOpen};
    case Op::kOpen:
      if (HasWp(c)) return {S::kOk, C::kExplicitOpen};
      if (c == C::kFull) return zbc ? same_ok : invalid;  // ZBC no-op; ZNS BFh; null_blk EIO
      return invalid;
    case Op::kClose:
      if (c == C::kImplicitOpen) return {S::kOk, C::kClosed};
      if (setup == Setup::kExplicitOpenAtStart) return {S::kOk, zns ? C::kClosed : C::kEmpty};
      if (c == C::kExplicitOpen) return {S::kOk, C::kClosed};
      if (c == C::kClosed) return same_ok;
      if (c == C::kEmpty || c == C::kFull) return zbc ? same_ok : invalid;
      return invalid;
    case Op::kFinish:
      if (HasWp(c) || c == C::kFull) return {S::kOk, C::kFull};
      return invalid;
    case Op::kReset:
      if (HasWp(c) || c == C::kFull) return {S::kOk, C::kEmpty};
      return invalid;
    case Op::kOffline:
      if (!zns) return {S::kNotSupported, c};
      if (c == C::kReadOnly || c == C::kOffline) return {S::kOk, C::kOffline};
      return invalid;
    case Op::kInjectReadOnly:
      if (c == C::kOffline) return invalid;
      return {S::kOk, C::kReadOnly};
    case Op::kInjectOffline:
      return {S::kOk, C::kOffline};
    case Op::kOpenAll:
      return {S::kOk, c == C::kClosed ? C::kExplicitOpen : c};
    case Op::kCloseAll:
      if (c == C::kImplicitOpen) return {S::kOk, C::kClosed};
      if (setup == Setup::kExplicitOpenAtStart) return {S::kOk, zns ? C::kClosed : C::kEmpty};
      if (c == C::kExplicitOpen) return {S::kOk, C::kClosed};
      return same_ok;
    case Op::kFinishAll:
      if (c == C::kImplicitOpen || c == C::kExplicitOpen || c == C::kClosed) return {S::kOk, C::kFull};
      return same_ok;  // EMPTY zones are not finished
    case Op::kResetAll:
      if (c == C::kImplicitOpen || c == C::kExplicitOpen || c == C::kClosed || c == C::kFull)
        return {S::kOk, C::kEmpty};
      return same_ok;
    case Op::kOfflineAll:
      if (!zns) return {S::kNotSupported, c};
      return {S::kOk, c == C::kReadOnly ? C::kOffline : c};
  }
  return invalid;
}

ZoneStatus Run(ZoneModel& m, uint32_t z, Op op) {
  const uint64_t start = m.config().zone_start(z);
  const uint64_t cap_end = start + m.config().zone_capacity_of(z);
  const uint64_t zone_end = start + m.config().zone_length(z);
  const bool has_wp = HasWp(m.zone(z).cond);
  const uint64_t wp = has_wp ? m.internal_wp(z) : start;
  const Payload data = Payload::Fill(0x5a);
  uint64_t assigned = 0;
  switch (op) {
    case Op::kWriteBlock: return m.Write(wp, kBlock, data);
    case Op::kWriteToCap: return m.Write(wp, cap_end - wp, data);
    case Op::kWriteOffWp: return m.Write(wp + kBlock, kBlock, data);
    case Op::kWriteCrossing: return m.Write(wp, zone_end + kBlock - wp, data);
    case Op::kAppend: return m.Append(start, kBlock, data, &assigned);
    case Op::kOpen: return m.Manage(ZoneAction::kOpen, start);
    case Op::kClose: return m.Manage(ZoneAction::kClose, start);
    case Op::kFinish: return m.Manage(ZoneAction::kFinish, start);
    case Op::kReset: return m.Manage(ZoneAction::kReset, start);
    case Op::kOffline: return m.Manage(ZoneAction::kOffline, start);
    case Op::kInjectReadOnly: return m.Inject(ZoneFault::kReadOnly, start);
    case Op::kInjectOffline: return m.Inject(ZoneFault::kOffline, start);
    case Op::kOpenAll: return m.ManageAll(ZoneAction::kOpen);
    case Op::kCloseAll: return m.ManageAll(ZoneAction::kClose);
    case Op::kFinishAll: return m.ManageAll(ZoneAction::kFinish);
    case Op::kResetAll: return m.ManageAll(ZoneAction::kReset);
    case Op::kOfflineAll: return m.ManageAll(ZoneAction::kOffline);
  }
  return ZoneStatus::kMediaError;
}

TEST_CASE("transition table: every operation x condition x profile") {
  int cells = 0;
  for (Profile p : kProfiles) {
    for (Op op : kAllOps) {
      for (Setup setup : kAllSetups) {
        DeviceConfig cfg = SmallConfig(p);
        if (!Possible(cfg.params, setup)) continue;
        // Linux has no whole-device open/close/finish: they are per-zone
        // commands on every zone (select_all_test.cpp covers them).
        if (p == Profile::kLinux && IsSelectAll(op) && op != Op::kResetAll && op != Op::kOfflineAll)
          continue;
        ZoneModel m(cfg);
        const uint32_t z = 2;  // neither the first nor the last zone
        Drive(m, z, setup);
        const EdgeCoverage before = m.coverage();
        const Outcome want = Expected(op, setup, p);
        const ZoneStatus got = Run(m, z, op);
        const std::string cell = std::string(OpName(op)) + " on " + std::string(Name(setup)) +
                                 " [" + Name(p) + "]";
        ++cells;
        CHECK_MESSAGE(got == want.status, cell, ": status ", status_id(got), ", expected ",
                      status_id(want.status));
        CHECK_MESSAGE(m.zone(z).cond == want.cond, cell, ": condition ", to_string(m.zone(z).cond),
                      ", expected ", to_string(want.cond));
        // Edge coverage: what the operation recorded.
        std::map<Edge, uint64_t> want_edges;
        const C from = ConditionOf(setup);
        if (want.status == S::kOk && (!IsSelectAll(op) || want.cond != from))
          want_edges[Edge{from, TriggerOf(op), want.cond}] = 1;
        CHECK_MESSAGE(NewEdges(before, m.coverage()) == want_edges, cell, ": recorded edges");
        // Counters always equal a recount.
        CHECK_MESSAGE(m.counts() == Recount(m), cell, ": counters");
      }
    }
  }
  // ZNS has one more setup (CLOSED with wp at start); linux skips 3 Select All ops.
  CHECK(cells == 17 * 3 * 9 + 17 - 3 * 9);
}

}  // namespace
}  // namespace zonesim::test
