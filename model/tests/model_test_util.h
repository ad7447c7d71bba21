// Helpers shared by the model tests: small configurations and a way to put a
// zone into each condition through the model's own public operations.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "zoned/device_config.h"
#include "model/zone_model.h"

namespace zonesim::test {

inline constexpr uint64_t kBlock = 512;
inline constexpr uint64_t kZone = 16 * kBlock;  // 8 KiB zones: 16 blocks

inline const Profile kProfiles[] = {Profile::kZns, Profile::kZbc, Profile::kLinux};

// `zones` zones of 16 blocks, full capacity, no limits, the profile's params.
inline DeviceConfig SmallConfig(Profile p, uint32_t zones = 6) {
  DeviceConfig c;
  c.block_size = static_cast<uint32_t>(kBlock);
  c.zone_size = kZone;
  c.zone_capacity = kZone;
  c.size = zones * kZone;
  c.max_append_bytes = 4 * kBlock;
  c.params = profile_params(p);
  REQUIRE_MESSAGE(c.Validate().ok(), c.Validate().ToString());
  return c;
}

inline uint64_t Start(uint32_t z) { return z * kZone; }

inline std::string Name(Profile p) { return std::string(to_string(p)); }

// The ways a test puts a zone into a condition.
enum class Setup {
  kEmpty,
  kImplicitOpen,         // one block written
  kExplicitOpenAtStart,  // opened, nothing written
  kExplicitOpenWritten,  // opened, one block written
  kClosed,               // one block written, then closed
  kClosedAtStart,        // opened and closed with nothing written (ZNS only)
  kFullWritten,          // written up to the capacity
  kFullFinished,         // finished from EMPTY
  kReadOnly,             // one block written, then made READ ONLY
  kOffline,              // made OFFLINE
};

inline const Setup kAllSetups[] = {
    Setup::kEmpty,         Setup::kImplicitOpen,  Setup::kExplicitOpenAtStart,
    Setup::kExplicitOpenWritten, Setup::kClosed, Setup::kClosedAtStart,
    Setup::kFullWritten,   Setup::kFullFinished,  Setup::kReadOnly,
    Setup::kOffline};

inline std::string_view Name(Setup s) {
  switch (s) {
    case Setup::kEmpty: return "EMPTY";
    case Setup::kImplicitOpen: return "IMP_OPEN";
    case Setup::kExplicitOpenAtStart: return "EXP_OPEN(wp=start)";
    case Setup::kExplicitOpenWritten: return "EXP_OPEN(written)";
    case Setup::kClosed: return "CLOSED";
    case Setup::kClosedAtStart: return "CLOSED(wp=start)";
    case Setup::kFullWritten: return "FULL(written)";
    case Setup::kFullFinished: return "FULL(finished)";
    case Setup::kReadOnly: return "READONLY";
    case Setup::kOffline: return "OFFLINE";
  }
  return "?";
}

inline ZoneCondition ConditionOf(Setup s) {
  switch (s) {
    case Setup::kEmpty: return ZoneCondition::kEmpty;
    case Setup::kImplicitOpen: return ZoneCondition::kImplicitOpen;
    case Setup::kExplicitOpenAtStart:
    case Setup::kExplicitOpenWritten: return ZoneCondition::kExplicitOpen;
    case Setup::kClosed:
    case Setup::kClosedAtStart: return ZoneCondition::kClosed;
    case Setup::kFullWritten:
    case Setup::kFullFinished: return ZoneCondition::kFull;
    case Setup::kReadOnly: return ZoneCondition::kReadOnly;
    case Setup::kOffline: return ZoneCondition::kOffline;
  }
  return ZoneCondition::kEmpty;
}

// Whether the setup can exist under the profile's parameters.
inline bool Possible(const ZoneParams& p, Setup s) {
  return s != Setup::kClosedAtStart || p.close_empty_open_zone == CloseEmptyResult::kClosed;
}

// Puts zone z (EMPTY, sequential) into the setup's condition; REQUIREs success.
inline void Drive(ZoneModel& m, uint32_t z, Setup s) {
  const uint64_t start = m.config().zone_start(z);
  const uint64_t cap = m.config().zone_capacity_of(z);
  const uint64_t bs = m.config().block_size;
  auto ok = [](ZoneStatus st) { REQUIRE(st == ZoneStatus::kOk); };
  switch (s) {
    case Setup::kEmpty: break;
    case Setup::kImplicitOpen: ok(m.Write(start, bs, Payload::Fill(0x11))); break;
    case Setup::kExplicitOpenAtStart: ok(m.Manage(ZoneAction::kOpen, start)); break;
    case Setup::kExplicitOpenWritten:
      ok(m.Manage(ZoneAction::kOpen, start));
      ok(m.Write(start, bs, Payload::Fill(0x22)));
      break;
    case Setup::kClosed:
      ok(m.Write(start, bs, Payload::Fill(0x33)));
      ok(m.Manage(ZoneAction::kClose, start));
      break;
    case Setup::kClosedAtStart:
      ok(m.Manage(ZoneAction::kOpen, start));
      ok(m.Manage(ZoneAction::kClose, start));
      break;
    case Setup::kFullWritten: ok(m.Write(start, cap, Payload::Fill(0x44))); break;
    case Setup::kFullFinished: ok(m.Manage(ZoneAction::kFinish, start)); break;
    case Setup::kReadOnly:
      ok(m.Write(start, bs, Payload::Fill(0x55)));
      ok(m.Inject(ZoneFault::kReadOnly, start));
      break;
    case Setup::kOffline: ok(m.Inject(ZoneFault::kOffline, start)); break;
  }
  REQUIRE(m.zone(z).cond == ConditionOf(s));
  if (s == Setup::kClosedAtStart || s == Setup::kExplicitOpenAtStart) REQUIRE(m.internal_wp(z) == start);
}

// Coverage recorded after `before`, as "edge x count" lines (for diffs).
inline std::map<Edge, uint64_t> NewEdges(const EdgeCoverage& before, const EdgeCoverage& after) {
  std::map<Edge, uint64_t> out;
  for (const auto& [e, n] : after.counts()) {
    uint64_t old = before.Count(e);
    if (n != old) out[e] = n - old;
  }
  return out;
}

// Recount the counters from a full report.
inline ZoneCounts Recount(const ZoneModel& m) {
  std::vector<ZoneReportEntry> all;
  REQUIRE(m.Report(0, 0, ReportFilter::kAll, &all) == ZoneStatus::kOk);
  ZoneCounts c;
  for (const auto& e : all) {
    if (e.cond == ZoneCondition::kImplicitOpen) ++c.implicit_open;
    if (e.cond == ZoneCondition::kExplicitOpen) ++c.explicit_open;
    if (e.cond == ZoneCondition::kClosed) ++c.closed;
  }
  return c;
}

}  // namespace zonesim::test
