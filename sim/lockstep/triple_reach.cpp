#include "sim/lockstep/triple_reach.h"

#include <algorithm>
#include <set>
#include <vector>

#include "common/rng.h"
#include "sim/devices/model_device.h"
#include "sim/exec/op_outcome.h"

namespace zonesim {

// Why an exploration and not the state graph: the graph (model/state_graph.h)
// lists transitions, but most triples are refusals that change nothing, and
// whether one exists depends on the geometry and limits as much as on the
// condition (a write crossing the capacity exists only when the capacity is
// below the zone length or the zone is the last; too_many_active only with an
// active limit; a conventional zone only when there is one). Deriving them by
// hand would be a second specification next to the model. Instead the model
// itself answers: a fixed-seed walk of state-changing operations (biased to a
// few zones so the open and active limits are reached, with a bounded number
// of faulty zones) takes snapshots, and in each snapshot, for one zone of each
// condition present (the first and the last of that condition) and one
// conventional zone, every probe of a fixed catalogue runs on a copy of the
// model: each operation kind at, beside, across and beyond the write pointer,
// the capacity, the zone and the device end, and each single-zone management
// action. The set is a lower bound of what is reachable (a triple the walk
// never sets up is missing; a campaign recording one shows it as
// "unexpected"), and it depends on the configuration only, not on a seed.
namespace {

constexpr uint64_t kWalkSeed = 0x7269706c65;  // fixed: the set is a function of the config
constexpr int kWalkSteps = 1200;
constexpr int kSnapshotEvery = 4;

std::vector<Operation> Probes(const DeviceConfig& c, const ZoneReportEntry& e) {
  const uint64_t bs = c.block_size;
  const bool no_wp = e.cond == ZoneCondition::kFull || e.cond == ZoneCondition::kReadOnly ||
                     e.cond == ZoneCondition::kOffline || e.cond == ZoneCondition::kNotWp ||
                     e.wp < e.start || e.wp > e.start + e.capacity;
  const uint64_t wp = no_wp ? e.start + e.capacity : e.wp;
  const uint64_t room = (e.start + e.capacity - wp) / bs;
  const uint64_t max_append = std::max<uint64_t>(c.max_append_bytes / bs, 1);
  std::vector<Operation> ops;
  auto add = [&](OpKind k, uint64_t off, uint64_t len) {
    if (len == 0) len = bs;
    if (off >= c.size) off = c.size - bs;
    Operation op;
    op.kind = k;
    op.offset = off;
    op.length = len;
    if (k == OpKind::kWrite || k == OpKind::kAppend) op.payload = Payload::Fill(0x5a);
    ops.push_back(op);
  };
  // Writes.
  add(OpKind::kWrite, wp, bs);
  add(OpKind::kWrite, wp, room * bs);
  add(OpKind::kWrite, wp, (room + 1) * bs);
  add(OpKind::kWrite, wp + bs, bs);
  if (wp > e.start) add(OpKind::kWrite, wp - bs, bs);
  add(OpKind::kWrite, e.start + e.capacity - bs, bs);
  add(OpKind::kWrite, e.start, bs);
  add(OpKind::kWrite, wp + 1, bs);
  add(OpKind::kWrite, e.start + e.length - bs, 2 * bs);
  // Appends.
  add(OpKind::kAppend, e.start, bs);
  if (room > 0 && room <= max_append) add(OpKind::kAppend, e.start, room * bs);
  add(OpKind::kAppend, e.start, max_append * bs);
  add(OpKind::kAppend, e.start, (max_append + 1) * bs);
  add(OpKind::kAppend, e.start + bs, bs);
  // Reads.
  add(OpKind::kRead, e.start, bs);
  add(OpKind::kRead, wp, bs);
  add(OpKind::kRead, e.start + e.length - bs, 2 * bs);
  add(OpKind::kRead, e.start, e.length);
  add(OpKind::kRead, c.size - bs, 2 * bs);
  add(OpKind::kWrite, c.size - bs, 2 * bs);
  // Single-zone management. Zone offline is a ZNS action: the workload sends
  // it only to the zns profile (qemu-io and the block layer have no such
  // command), so other profiles have no triple of it.
  for (OpKind k : {OpKind::kOpen, OpKind::kClose, OpKind::kFinish, OpKind::kReset})
    add(k, e.start, e.length);
  if (c.params.profile == Profile::kZns) add(OpKind::kOffline, e.start, e.length);
  return ops;
}

void ProbeZone(const DeviceConfig& c, const ZoneModel& snapshot, uint32_t z, std::set<Triple>* out) {
  const ZoneReportEntry e = snapshot.zone(z);
  // A read changes nothing (ZoneModel::Read is const) and closes no zone:
  // every read probe runs on one copy of the snapshot, once. Each other probe
  // starts from the snapshot again, on a device whose memory is reused (the
  // copies are most of this function's cost, ten times more under ASan).
  ModelDevice reader(c), dev(c);
  reader.model() = snapshot;
  ApplyLimits status_only;
  status_only.status_only_reads = true;
  for (const Operation& op : Probes(c, e)) {
    std::optional<uint32_t> tz = TripleZone(op, c);
    if (!tz) continue;
    const ZoneCondition before = snapshot.zone(*tz).cond;
    if (op.kind == OpKind::kRead) {
      OpOutcome o = ApplyOperation(reader, op, status_only);
      if (o.host_error.empty() && o.refusal.empty()) out->insert(Triple{before, op.kind, o.status});
      continue;
    }
    // Under ImplicitClosePolicy::kAny the device may also refuse instead of
    // closing a zone (the checker adopts either): try both.
    const bool may_fail = c.params.implicit_close == ImplicitClosePolicy::kAny;
    for (int fail = 0; fail <= (may_fail ? 1 : 0); ++fail) {
      dev.model() = snapshot;
      if (fail) dev.model().SetNextImplicitClose({ImplicitCloseChoice::Kind::kFail, 0});
      OpOutcome o = ApplyOperation(dev, op);
      if (!o.host_error.empty() || !o.refusal.empty()) continue;
      out->insert(Triple{before, op.kind, o.status});
    }
  }
}

// What a probe of zone z can depend on: the zone, the one after it (writes
// and reads across the end), the last zone (the device end), the counters and
// the implicit-close choices. The walk comes back to the same situation
// often; probing it again finds nothing new, so each is probed once
// (ReachableTriples took 1.5 s per configuration under ASan, most of it in
// copies of the model for probes that repeated).
using ProbeKey = std::vector<uint64_t>;

ProbeKey KeyOf(const ZoneModel& m, uint32_t z) {
  ProbeKey k{z};
  auto zone = [&](uint32_t i) {
    const ZoneReportEntry e = m.zone(i);
    k.push_back(static_cast<uint64_t>(e.cond));
    k.push_back(e.wp);
  };
  zone(z);
  if (z + 1 < m.nr_zones()) zone(z + 1);
  zone(m.nr_zones() - 1);
  const ZoneCounts n = m.counts();
  k.insert(k.end(), {n.implicit_open, n.explicit_open, n.closed, m.ImplicitCloseMayFail() ? 1u : 0u});
  for (uint32_t v : m.ImplicitCloseCandidates()) k.push_back(v);
  return k;
}

void ProbeSnapshot(const DeviceConfig& c, const ZoneModel& walked, std::set<ProbeKey>* probed,
                   std::set<Triple>* out) {
  // The zones to probe: the conventional ones at both ends, the device end,
  // and the first and last zone of each condition present.
  std::vector<uint32_t> zones;
  if (c.conventional_zones > 0) {
    zones.push_back(0);
    zones.push_back(c.conventional_zones - 1);  // its writes may cross into zone 1+
  }
  zones.push_back(c.nr_zones() - 1);  // the device end
  for (ZoneCondition cond : {ZoneCondition::kEmpty, ZoneCondition::kImplicitOpen, ZoneCondition::kExplicitOpen,
                             ZoneCondition::kClosed, ZoneCondition::kFull, ZoneCondition::kReadOnly,
                             ZoneCondition::kOffline}) {
    const uint32_t n = walked.index().count(cond);
    if (n == 0) continue;
    const uint32_t z = walked.index().nth(cond, 0);
    zones.push_back(z);
    if (n > 1) zones.push_back(walked.index().nth(cond, n - 1));
    // The zone before a faulty one: reads and writes across into it.
    if ((cond == ZoneCondition::kReadOnly || cond == ZoneCondition::kOffline) && z > 0) zones.push_back(z - 1);
  }
  std::vector<uint32_t> fresh;
  for (uint32_t z : zones)
    if (probed->insert(KeyOf(walked, z)).second) fresh.push_back(z);
  if (fresh.empty()) return;  // every situation was probed before: no copy
  // Flushed first: no probe depends on what a power loss could undo, and the
  // history since the last flush is a third of the cost of each copy. A
  // flush changes no condition, write pointer or counter (the key).
  ZoneModel m = walked;
  m.Flush();
  for (uint32_t z : fresh) ProbeZone(c, m, z, out);
}

// The device the walk runs on. Which triples exist depends on the zones'
// kinds, the geometry of a zone and of the last one, and the limits, not on
// how many zones there are beyond the limits: a device with more sequential
// zones than kWalkZones (or than its limits + 8) is walked as one with that
// many, the same first and last zone, and at most two conventional zones.
// Every probe copies the model, so the walk must not grow with the device
// (1e6 zones: minutes before, 0.2 s now; issue 14).
constexpr uint32_t kWalkZones = 64;

DeviceConfig WalkDevice(const DeviceConfig& config) {
  const uint32_t seq = config.nr_zones() - config.conventional_zones;
  const uint32_t keep_seq = std::max<uint32_t>(kWalkZones, std::max(config.max_open_zones, config.max_active_zones) + 8);
  if (config.nr_zones() <= keep_seq + 2) return config;  // small devices are walked as they are
  DeviceConfig small = config;
  small.conventional_zones = std::min<uint32_t>(config.conventional_zones, 2);
  const uint64_t tail = config.size % config.zone_size;  // a smaller last zone stays
  const uint64_t whole = small.conventional_zones + std::min(seq, keep_seq) - (tail ? 1 : 0);
  small.size = whole * config.zone_size + tail;
  // A limit is kept as the device has it (0: none).
  return small.Validate().ok() ? small : config;
}

}  // namespace

std::set<Triple> ReachableTriples(const DeviceConfig& full) {
  const DeviceConfig config = WalkDevice(full);
  std::set<Triple> out;
  std::set<ProbeKey> probed;
  const uint32_t first = config.conventional_zones, nr = config.nr_zones();
  if (first >= nr) return out;
  ModelDevice walk(config);
  Rng rng(kWalkSeed);
  const uint32_t seq = nr - first;
  const uint32_t busy = std::min<uint32_t>(seq, std::max<uint32_t>(config.max_active_zones, config.max_open_zones) + 2);
  uint32_t faulty = 0;
  for (int step = 0; step < kWalkSteps; ++step) {
    // Every few steps, and whenever the open limit is held by explicitly
    // open zones only (no implicit-close victim: the rarest refusals).
    const ZoneCounts counts = walk.model().counts();
    const bool eo_full = config.max_open_zones != 0 && counts.explicit_open >= config.max_open_zones;
    if (step % kSnapshotEvery == 0 || eo_full) ProbeSnapshot(config, walk.model(), &probed, &out);
    const ZoneModel& m = walk.model();
    uint32_t z = first + static_cast<uint32_t>(rng.Below(rng.Chance(0.8) ? std::max<uint32_t>(busy, 1) : seq));
    if (rng.Chance(0.05)) z = nr - 1;
    const ZoneReportEntry e = m.zone(z);
    Operation op;
    const uint64_t r = rng.Below(100);
    if (r < 40) {
      op.kind = OpKind::kWrite;
      op.offset = e.wp;
      op.length = config.block_size * (rng.Chance(0.2) ? std::max<uint64_t>((e.start + e.capacity - e.wp) / config.block_size, 1) : 1);
      op.payload = Payload::Fill(0x11);
      if (e.wp < e.start || e.wp >= e.start + e.capacity) continue;
    } else if (r < 64) {
      op.kind = OpKind::kOpen;
    } else if (r < 74) {
      op.kind = OpKind::kClose;
    } else if (r < 81) {
      op.kind = OpKind::kFinish;
    } else if (r < 94) {
      op.kind = OpKind::kReset;
    } else if (r < 97) {
      op.kind = OpKind::kPowerCycle;
    } else {
      // Two OFFLINE and two READ ONLY zones at most, just after the busy
      // ones (so a busy zone's reads and writes can cross into one), and the
      // walk keeps reaching the limits.
      // Every other zone, so each faulty zone follows a healthy one.
      if (faulty >= 4 || seq <= busy + 7) continue;
      z = first + busy + 2 * faulty;
      op.kind = faulty % 2 == 0 ? OpKind::kInjectOffline : OpKind::kInjectReadOnly;
      ++faulty;
    }
    if (op.kind != OpKind::kWrite && op.kind != OpKind::kPowerCycle) {
      op.offset = config.zone_start(z);
      op.length = config.zone_length(z);
    }
    ApplyOperation(walk, op);
  }
  ProbeSnapshot(config, walk.model(), &probed, &out);
  return out;
}

}  // namespace zonesim
