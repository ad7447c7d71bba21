// RapidCheck properties of the reference model alone, over random sequences of
// operations on small random devices (every profile, random behaviour
// parameters, tiny open/active limits, smaller last zones, conventional
// zones). Checked after every operation:
//   - the counters equal a recount from the zone report;
//   - open <= max_open and active <= max_active;
//   - the internal wp lies where the zone's condition says it must;
//   - a failed operation changed nothing (unless it performed the
//     QEMU-style early implicit close, which is allowed to stay, or is a
//     non-atomic open-all or a linux whole-device open/close/finish);
//   - every recorded edge is in the state graph of the parameters;
//   - reads return exactly what a byte-array shadow of the device holds;
//   - power cycle with close_open leaves no open zone.
// And across a sequence: the same sequence on two fresh models gives the same
// state (determinism), and resetting a zone returns it to its initial state.
//
// ZONESIM_PROPERTY_CASES sets the number of cases (default 100). The random
// seed is fixed (RC_PARAMS="seed=..." overrides it) so runs are reproducible.
#include <rapidcheck.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "properties/rc_setup.h"
#include "zoned/device_config.h"
#include "model/state_graph.h"
#include "model/zone_model.h"

namespace zonesim {

// One random operation; fields are reduced modulo the device's geometry.
struct OpSpec {
  enum Kind : uint8_t {
    kWriteAtWp, kWriteAnywhere, kAppend, kRead, kOpen, kClose, kFinish, kReset, kOffline,
    kOpenAll, kCloseAll, kFinishAll, kResetAll, kOfflineAll, kPowerCycle, kInjectReadOnly,
    kInjectOffline, kFlush, kChoice, kReport, kKindCount
  };
  uint8_t kind = kWriteAtWp;
  uint8_t zone = 0;
  uint8_t blocks = 1;  // length in blocks
  uint8_t pos = 0;     // a block position for kWriteAnywhere/kRead/kReport; low bits pick variants
  uint8_t seed = 0;    // payload seed
};

const char* KindName(uint8_t k) {
  static const char* const kNames[] = {
      "write_at_wp", "write_anywhere", "append", "read", "open", "close", "finish", "reset",
      "offline", "open_all", "close_all", "finish_all", "reset_all", "offline_all", "power_cycle",
      "inject_read_only", "inject_offline", "flush", "implicit_close_choice", "report"};
  return k < OpSpec::kKindCount ? kNames[k] : "?";
}

void showValue(const OpSpec& op, std::ostream& os) {
  os << KindName(op.kind) << "(zone=" << int(op.zone) << " blocks=" << int(op.blocks)
     << " pos=" << int(op.pos) << " seed=" << int(op.seed) << ")";
}

void showValue(const DeviceConfig& c, std::ostream& os) { os << FormatDeviceConfig(c); }

}  // namespace zonesim

namespace rc {

template <>
struct Arbitrary<zonesim::OpSpec> {
  static Gen<zonesim::OpSpec> arbitrary() {
    using zonesim::OpSpec;
    // Writes dominate, as in real workloads; every other kind still shows up.
    return gen::build<OpSpec>(
        gen::set(&OpSpec::kind,
                 gen::weightedOneOf<uint8_t>({
                     {12, gen::just<uint8_t>(OpSpec::kWriteAtWp)},
                     {2, gen::just<uint8_t>(OpSpec::kWriteAnywhere)},
                     {4, gen::just<uint8_t>(OpSpec::kAppend)},
                     {4, gen::just<uint8_t>(OpSpec::kRead)},
                     {2, gen::just<uint8_t>(OpSpec::kReset)},
                     {2, gen::just<uint8_t>(OpSpec::kClose)},
                     {12, gen::inRange<uint8_t>(OpSpec::kOpen, OpSpec::kKindCount)},
                 })),
        gen::set(&OpSpec::zone, gen::inRange<uint8_t>(0, 16)),
        gen::set(&OpSpec::blocks, gen::inRange<uint8_t>(1, 20)),
        gen::set(&OpSpec::pos, gen::inRange<uint8_t>(0, 160)),
        gen::set(&OpSpec::seed, gen::arbitrary<uint8_t>()));
  }
};

}  // namespace rc

namespace zonesim {
namespace {

constexpr uint64_t kBs = 512;

template <typename E>
rc::Gen<E> EnumOf(std::initializer_list<E> values) {
  return rc::gen::elementOf(std::vector<E>(values));
}

// A small valid device with random geometry, limits and behaviour parameters.
// (Every pick keeps the configuration valid; the property asserts it.)
DeviceConfig PickConfig() {
  DeviceConfig c;
  c.block_size = static_cast<uint32_t>(kBs);
  const Profile profile = *EnumOf({Profile::kZns, Profile::kZbc, Profile::kLinux});
  c.params = profile_params(profile);
  const uint32_t zones = *rc::gen::inRange<uint32_t>(2, 13);
  const uint64_t zone_blocks = *rc::gen::inRange<uint64_t>(4, 17);
  // Usually close to the zone size (zones stay open for several writes),
  // sometimes much smaller.
  // ZBC has no zone capacity and no active limit (DeviceConfig::Validate).
  const bool zbc = profile == Profile::kZbc;
  const uint64_t cap_blocks = zbc ? zone_blocks : std::max<uint64_t>(
      2, zone_blocks - *rc::gen::weightedOneOf<uint64_t>({{4, rc::gen::just<uint64_t>(0)},
                                                           {4, rc::gen::inRange<uint64_t>(1, 4)},
                                                           {1, rc::gen::inRange<uint64_t>(0, zone_blocks)}}));
  const uint64_t last_blocks = *rc::gen::weightedOneOf<uint64_t>(
      {{2, rc::gen::just<uint64_t>(uint64_t{zone_blocks})}, {1, rc::gen::inRange<uint64_t>(1, zone_blocks + 1)}});
  c.zone_size = zone_blocks * kBs;
  c.zone_capacity = cap_blocks * kBs;
  c.size = (zones - 1) * c.zone_size + last_blocks * kBs;
  c.conventional_zones = *rc::gen::inRange<uint32_t>(0, std::min<uint32_t>(3, zones));
  const uint32_t seq = zones - c.conventional_zones;
  // Tiny limits, so they are hit all the time; 0 (unlimited) now and then.
  c.max_active_zones = zbc ? 0 : *rc::gen::inRange<uint32_t>(0, std::min<uint32_t>(seq, 4) + 1);
  const uint32_t open_cap = c.max_active_zones ? c.max_active_zones : std::min<uint32_t>(seq, 3);
  c.max_open_zones = *rc::gen::inRange<uint32_t>(0, open_cap + 1);
  c.max_append_bytes = static_cast<uint32_t>(*rc::gen::inRange<uint64_t>(1, cap_blocks) * kBs);

  ZoneParams& p = c.params;
  // Each parameter keeps the profile's value or takes a random one.
  if (*rc::gen::arbitrary<bool>()) {
    p.close_empty_open_zone = *EnumOf({CloseEmptyResult::kClosed, CloseEmptyResult::kEmpty});
    p.open_full_zone = *EnumOf({PointlessOp::kError, PointlessOp::kNoOp});
    p.close_empty_or_full_zone = *EnumOf({PointlessOp::kError, PointlessOp::kNoOp});
    p.finish_requires_open_resource = *rc::gen::arbitrary<bool>();
    p.finish_empty_requires_active = *rc::gen::arbitrary<bool>();
    p.implicit_close_on_explicit_open = *rc::gen::arbitrary<bool>();
    p.implicit_close_before_resource_check = *rc::gen::arbitrary<bool>();
    p.swap_closed_when_active_full = *rc::gen::arbitrary<bool>();
    p.open_all_atomic = *rc::gen::arbitrary<bool>();
    p.restricted_reads = *rc::gen::arbitrary<bool>();
    p.read_across_zones = *rc::gen::arbitrary<bool>();
    p.read_fill = *EnumOf({ReadFill::kZeroes, ReadFill::kOnes});
    p.full_wp = *EnumOf({FullWpReport::kAsWritten, FullWpReport::kCapacityEnd,
                         FullWpReport::kZoneEnd, FullWpReport::kAllOnes});
    p.precedence = *EnumOf({ErrorPrecedence::kStateFirst, ErrorPrecedence::kBoundaryFirst});
    p.zone_append_supported = *rc::gen::arbitrary<bool>();
  }
  p.implicit_close = *EnumOf({ImplicitClosePolicy::kFail, ImplicitClosePolicy::kAny,
                              ImplicitClosePolicy::kAnyVictim, ImplicitClosePolicy::kOldestOpened,
                              ImplicitClosePolicy::kLowestIndex, ImplicitClosePolicy::kRoundRobin,
                              ImplicitClosePolicy::kLeastRecentlyWritten});
  p.power_cycle = *EnumOf({PowerCyclePolicy::kCloseOpenZones, PowerCyclePolicy::kKeep,
                           PowerCyclePolicy::kWipeToEmpty, PowerCyclePolicy::kAllFull});
  return c;
}

// As one generated value, so a counterexample prints the whole configuration.
DeviceConfig RandomConfig() {
  const DeviceConfig c = *rc::gen::exec(PickConfig);
  const Status valid = c.Validate();
  if (!valid.ok()) RC_FAIL("generated an invalid configuration: " + valid.ToString());
  return c;
}

// Sequences up to ~800 operations (eight times RapidCheck's size).
std::vector<OpSpec> RandomOps() {
  return *rc::gen::scale(8.0, rc::gen::arbitrary<std::vector<OpSpec>>());
}

std::string Describe(const OpSpec& op) {
  std::ostringstream os;
  showValue(op, os);
  return os.str();
}

Payload PayloadOf(const OpSpec& op) {
  return op.seed % 2 ? Payload::Seeded(op.seed) : Payload::Fill(op.seed);
}

// Everything observable about a model, for equality checks.
struct Fingerprint {
  std::vector<ZoneReportEntry> zones;
  std::vector<uint64_t> wps;
  std::vector<std::vector<Extent>> data;
  ZoneCounts counts;
  std::vector<uint32_t> candidates;
  std::string coverage;
  bool operator==(const Fingerprint&) const = default;
};

Fingerprint Capture(const ZoneModel& m) {
  Fingerprint f;
  m.Report(0, 0, ReportFilter::kAll, &f.zones);
  for (uint32_t z = 0; z < m.nr_zones(); ++z) {
    f.wps.push_back(m.internal_wp(z));
    f.data.push_back(m.zone_data(z).extents());
  }
  f.counts = m.counts();
  f.candidates = m.ImplicitCloseCandidates();
  f.coverage = m.coverage().Serialize();
  return f;
}

// A byte-for-byte image of what the device must return for reads.
class Shadow {
 public:
  explicit Shadow(const DeviceConfig& c)
      : config_(c), fill_(c.params.read_fill == ReadFill::kOnes ? 0xFF : 0x00), bytes_(c.size, fill_) {}
  void Write(uint64_t offset, uint64_t length, const Payload& p) {
    p.Generate(0, length, bytes_.data() + offset);
  }
  void ForgetZone(uint32_t z) {
    uint64_t s = config_.zone_start(z);
    std::fill(bytes_.begin() + s, bytes_.begin() + s + config_.zone_length(z), fill_);
  }
  bool Matches(uint64_t offset, const std::vector<uint8_t>& got) const {
    return std::equal(got.begin(), got.end(), bytes_.begin() + offset);
  }

 private:
  DeviceConfig config_;
  uint8_t fill_;
  std::vector<uint8_t> bytes_;
};

// Runs one operation. Returns its status; `read_out` gets read data.
ZoneStatus Apply(ZoneModel& m, const OpSpec& op, std::vector<uint8_t>* read_out,
                 uint64_t* written_at, uint64_t* written_len) {
  const DeviceConfig& c = m.config();
  const uint32_t z = op.zone % m.nr_zones();
  // pos % 16 == 15: use an address that is not a zone start (error paths).
  const uint64_t start = c.zone_start(z) + (op.pos % 16 == 15 ? kBs : 0);
  // Mostly short requests (zones are 4-16 blocks); pos % 8 == 7 keeps the
  // raw length (up to 19 blocks), which usually crosses the zone end.
  const uint64_t len = (op.pos % 8 == 7 ? op.blocks : 1 + op.blocks % 4) * kBs;
  const uint64_t anywhere = (op.pos * kBs) % c.size;
  const Payload data = PayloadOf(op);
  *written_len = 0;
  switch (op.kind) {
    case OpSpec::kWriteAtWp: {
      // At the wp of a sequential zone (any block of a conventional one),
      // clipped to what the zone can take so that most writes succeed and
      // zones stay open; pos % 8 == 0 writes exactly up to the capacity,
      // pos % 8 == 7 keeps the raw length (usually a boundary error).
      const uint64_t zs = c.zone_start(z);
      const uint64_t off = c.is_conventional(z) ? zs + (op.pos % 8) * kBs % c.zone_length(z)
                                                : m.internal_wp(z);
      const uint64_t limit = zs + (c.is_conventional(z) ? c.zone_length(z) : c.zone_capacity_of(z));
      uint64_t n = len;
      if (limit > off && op.pos % 8 == 0) n = limit - off;
      else if (limit > off && op.pos % 8 != 7) n = std::min(len, limit - off);
      *written_at = off;
      *written_len = n;
      return m.Write(off, n, data);
    }
    case OpSpec::kWriteAnywhere:
      *written_at = anywhere;
      *written_len = len;
      return m.Write(anywhere, len, data);
    case OpSpec::kAppend: {
      uint64_t at = 0;
      ZoneStatus st = m.Append(start, len, data, &at);
      *written_at = at;
      *written_len = len;
      return st;
    }
    case OpSpec::kRead: {
      read_out->assign(len, 0x5a);
      *written_at = anywhere;  // the read offset
      return m.Read(anywhere, len, read_out->data());
    }
    case OpSpec::kOpen: return m.Manage(ZoneAction::kOpen, start);
    case OpSpec::kClose: return m.Manage(ZoneAction::kClose, start);
    case OpSpec::kFinish: return m.Manage(ZoneAction::kFinish, start);
    case OpSpec::kReset: return m.Manage(ZoneAction::kReset, start);
    case OpSpec::kOffline: return m.Manage(ZoneAction::kOffline, start);
    case OpSpec::kOpenAll: return m.ManageAll(ZoneAction::kOpen);
    case OpSpec::kCloseAll: return m.ManageAll(ZoneAction::kClose);
    case OpSpec::kFinishAll: return m.ManageAll(ZoneAction::kFinish);
    case OpSpec::kResetAll: return m.ManageAll(ZoneAction::kReset);
    case OpSpec::kOfflineAll: return m.ManageAll(ZoneAction::kOffline);
    case OpSpec::kPowerCycle: m.PowerCycle(); return ZoneStatus::kOk;
    case OpSpec::kInjectReadOnly: return m.Inject(ZoneFault::kReadOnly, start);
    case OpSpec::kInjectOffline: return m.Inject(ZoneFault::kOffline, start);
    case OpSpec::kFlush: return m.Flush();
    case OpSpec::kChoice: {
      ImplicitCloseChoice choice;
      choice.kind = static_cast<ImplicitCloseChoice::Kind>(op.pos % 3);
      choice.zone = z;
      m.SetNextImplicitClose(choice);
      return ZoneStatus::kOk;
    }
    case OpSpec::kReport: {
      std::vector<ZoneReportEntry> out;
      bool partial = false;
      static const ReportFilter kFilters[] = {
          ReportFilter::kAll, ReportFilter::kEmpty, ReportFilter::kImplicitOpen,
          ReportFilter::kExplicitOpen, ReportFilter::kClosed, ReportFilter::kFull,
          ReportFilter::kReadOnly, ReportFilter::kOffline, ReportFilter::kNotWp};
      const ReportFilter f = kFilters[op.seed % 9];
      ZoneStatus st = m.Report(anywhere, op.blocks % 4, f, &out, &partial);
      if (st != ZoneStatus::kOk) return st;
      for (const auto& e : out)
        if (!condition_matches(e.cond, f)) return ZoneStatus::kMediaError;  // flagged below
      if (op.blocks % 4 != 0 && out.size() > op.blocks % 4) return ZoneStatus::kMediaError;
      if (partial && out.size() != op.blocks % 4) return ZoneStatus::kMediaError;
      return st;
    }
  }
  return ZoneStatus::kOk;
}

// The per-operation invariants; returns "" or what is wrong.
std::string CheckInvariants(const ZoneModel& m, const StateGraph& graph) {
  const DeviceConfig& c = m.config();
  const ZoneCounts counts = m.counts();
  std::vector<ZoneReportEntry> all;
  m.Report(0, 0, ReportFilter::kAll, &all);
  ZoneCounts recount;
  for (const auto& e : all) {
    if (e.cond == ZoneCondition::kImplicitOpen) ++recount.implicit_open;
    if (e.cond == ZoneCondition::kExplicitOpen) ++recount.explicit_open;
    if (e.cond == ZoneCondition::kClosed) ++recount.closed;
  }
  auto str = [](const ZoneCounts& k) {
    return "{io=" + std::to_string(k.implicit_open) + " eo=" + std::to_string(k.explicit_open) +
           " c=" + std::to_string(k.closed) + "}";
  };
  if (!(counts == recount)) return "counters " + str(counts) + " != recount " + str(recount);
  if (c.max_open_zones && counts.open() > c.max_open_zones)
    return "open " + std::to_string(counts.open()) + " > max_open " + std::to_string(c.max_open_zones);
  if (c.max_active_zones && counts.active() > c.max_active_zones)
    return "active " + std::to_string(counts.active()) + " > max_active " +
           std::to_string(c.max_active_zones);
  for (uint32_t z = 0; z < m.nr_zones(); ++z) {
    const uint64_t start = c.zone_start(z), cap_end = start + c.zone_capacity_of(z),
                   zone_end = start + c.zone_length(z), wp = m.internal_wp(z);
    const ZoneCondition cond = all[z].cond;
    bool ok = true;
    switch (cond) {
      case ZoneCondition::kNotWp: ok = c.is_conventional(z); break;
      case ZoneCondition::kEmpty: ok = wp == start && m.zone_data(z).empty(); break;
      case ZoneCondition::kImplicitOpen: ok = wp > start && wp < cap_end; break;
      case ZoneCondition::kExplicitOpen:
      case ZoneCondition::kClosed: ok = wp >= start && wp < cap_end; break;
      case ZoneCondition::kFull: ok = wp == cap_end || wp == zone_end; break;
      case ZoneCondition::kReadOnly: ok = wp >= start && wp <= zone_end; break;
      case ZoneCondition::kOffline: ok = wp >= start && wp <= zone_end && m.zone_data(z).empty(); break;
    }
    if (!ok)
      return "zone " + std::to_string(z) + " " + std::string(to_string(cond)) + " has wp " +
             std::to_string(wp) + " (start " + std::to_string(start) + ", cap end " +
             std::to_string(cap_end) + ", end " + std::to_string(zone_end) + ")";
    // Written data never lies at or past the wp of a zone with a valid wp.
    const auto& ext = m.zone_data(z).extents();
    if (!c.is_conventional(z) && !ext.empty() && cond != ZoneCondition::kFull &&
        cond != ZoneCondition::kReadOnly && ext.back().end() > wp)
      return "zone " + std::to_string(z) + " holds data past its wp";
  }
  for (const auto& [e, n] : m.coverage().counts())
    if (!HasEdge(graph, e)) return "recorded edge not in the graph: " + to_string(e);
  return "";
}

void ModelInvariantsProperty() {
  const DeviceConfig c = RandomConfig();
  const std::vector<OpSpec> ops = RandomOps();
  const StateGraph graph = BuildStateGraph(c.params);
  ZoneModel m(c), twin(c);
  Shadow shadow(c);
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpSpec& op = ops[i];
    const std::string where = "after op #" + std::to_string(i) + " " + Describe(op) + ": ";
    const Fingerprint before = Capture(m);
    std::vector<ZoneCondition> conds_before;
    for (const auto& e : before.zones) conds_before.push_back(e.cond);

    std::vector<uint8_t> got, twin_got;
    uint64_t at = 0, len = 0, twin_at = 0, twin_len = 0;
    const ZoneStatus st = Apply(m, op, &got, &at, &len);
    const ZoneStatus twin_st = Apply(twin, op, &twin_got, &twin_at, &twin_len);
    if (st == ZoneStatus::kMediaError) RC_FAIL(where + "report returned inconsistent entries");
    if (st != twin_st || got != twin_got || at != twin_at)
      RC_FAIL(where + "two models given the same sequence disagree (" +
              std::string(status_id(st)) + " vs " + std::string(status_id(twin_st)) + ")");

    // Failed operations change nothing, except an early implicit close and a
    // non-atomic open-all, which leaves the zones it opened before the limit.
    const bool partial_open_all = op.kind == OpSpec::kOpenAll && !c.params.open_all_atomic;
    // Linux's whole-device open/close/finish are one command per zone
    // (blkdev_zone_mgmt): the zones whose command succeeded keep the change.
    const bool per_zone_all = c.params.profile == Profile::kLinux &&
                              (op.kind == OpSpec::kOpenAll || op.kind == OpSpec::kCloseAll ||
                               op.kind == OpSpec::kFinishAll);
    if (st != ZoneStatus::kOk && !m.last_implicit_close() && !partial_open_all && !per_zone_all) {
      if (!(Capture(m) == before))
        RC_FAIL(where + "failed with " + std::string(status_id(st)) + " but changed state");
    }

    // Keep the shadow in step: successful writes, and zones that lost their data.
    if (st == ZoneStatus::kOk && len > 0 &&
        (op.kind == OpSpec::kWriteAtWp || op.kind == OpSpec::kWriteAnywhere ||
         op.kind == OpSpec::kAppend))
      shadow.Write(at, len, PayloadOf(op));
    for (uint32_t z = 0; z < m.nr_zones(); ++z) {
      const ZoneCondition now = m.zone(z).cond;
      if (now != conds_before[z] && (now == ZoneCondition::kEmpty || now == ZoneCondition::kOffline))
        shadow.ForgetZone(z);
    }
    if (op.kind == OpSpec::kRead && st == ZoneStatus::kOk && !shadow.Matches(at, got))
      RC_FAIL(where + "read data differs from what was written");

    if (op.kind == OpSpec::kPowerCycle && c.params.power_cycle == PowerCyclePolicy::kCloseOpenZones &&
        m.counts().open() != 0)
      RC_FAIL(where + "zones still open after a close_open power cycle");

    const std::string bad = CheckInvariants(m, graph);
    if (!bad.empty()) RC_FAIL(where + bad);
  }
  if (!(Capture(m) == Capture(twin))) RC_FAIL("two models given the same sequence end differently");
}

void ResetRestoresInitialState() {
  const DeviceConfig c = RandomConfig();
  const std::vector<OpSpec> ops = RandomOps();
  ZoneModel m(c);
  const ZoneModel fresh(c);
  std::vector<uint8_t> scratch;
  uint64_t at = 0, len = 0;
  for (const OpSpec& op : ops) Apply(m, op, &scratch, &at, &len);
  for (uint32_t z = c.conventional_zones; z < m.nr_zones(); ++z) {
    const ZoneCondition cond = m.zone(z).cond;
    const ZoneStatus st = m.Manage(ZoneAction::kReset, c.zone_start(z));
    const bool faulty = cond == ZoneCondition::kReadOnly || cond == ZoneCondition::kOffline;
    if (faulty) {
      RC_ASSERT(st == ZoneStatus::kInvalidZoneStateTransition);
      continue;
    }
    if (st != ZoneStatus::kOk)
      RC_FAIL("reset of zone " + std::to_string(z) + " in " + std::string(to_string(cond)) +
              " failed: " + std::string(status_id(st)));
    if (!(m.zone(z) == fresh.zone(z)) || m.internal_wp(z) != fresh.internal_wp(z) ||
        !m.zone_data(z).empty())
      RC_FAIL("zone " + std::to_string(z) + " after reset differs from a fresh zone");
  }
}

void PowerCycleClosesEverything() {
  DeviceConfig c = RandomConfig();
  const std::vector<OpSpec> ops = RandomOps();
  c.params.power_cycle = PowerCyclePolicy::kCloseOpenZones;
  ZoneModel m(c);
  std::vector<uint8_t> scratch;
  uint64_t at = 0, len = 0;
  for (const OpSpec& op : ops) Apply(m, op, &scratch, &at, &len);
  const Fingerprint before = Capture(m);
  m.PowerCycle();
  RC_ASSERT(m.counts().open() == 0u);
  for (uint32_t z = 0; z < m.nr_zones(); ++z) {
    // Written data and write pointers survive; only conditions change.
    RC_ASSERT(m.internal_wp(z) == before.wps[z]);
    RC_ASSERT(m.zone_data(z).extents() == before.data[z]);
    const ZoneCondition was = before.zones[z].cond, now = m.zone(z).cond;
    if (was == ZoneCondition::kFull || was == ZoneCondition::kReadOnly ||
        was == ZoneCondition::kOffline || was == ZoneCondition::kNotWp || was == ZoneCondition::kEmpty)
      RC_ASSERT(now == was);
    else
      RC_ASSERT(now == (m.internal_wp(z) > c.zone_start(z) ? ZoneCondition::kClosed
                                                            : ZoneCondition::kEmpty));
  }
}

}  // namespace
}  // namespace zonesim

int main() {
  // A fixed seed unless the caller chose one; the case count from the environment.
  unsigned long cases = 100;
  if (const char* long_mode = std::getenv("ZONESIM_LONG"); long_mode && std::string(long_mode) == "1")
    cases = zonesim::kLongCases;  // the long mode of the test command (properties/rc_setup.h)
  if (const char* env = std::getenv("ZONESIM_PROPERTY_CASES")) {
    char* end = nullptr;
    unsigned long n = std::strtoul(env, &end, 10);
    if (end == env || *end != '\0' || n == 0) {
      std::fprintf(stderr, "model_properties: ZONESIM_PROPERTY_CASES='%s' is not a positive number\n", env);
      return 2;
    }
    cases = n;
  }
  std::string params = std::getenv("RC_PARAMS") ? std::getenv("RC_PARAMS") : "";
  if (params.find("seed=") == std::string::npos) params += " seed=20240611";
  if (params.find("max_success=") == std::string::npos) params += " max_success=" + std::to_string(cases);
  setenv("RC_PARAMS", params.c_str(), 1);

  bool ok = true;
  ok &= rc::check("model invariants hold after every operation (counters, limits, wp, "
                  "no-op failures, graph edges, read data, determinism)",
                  zonesim::ModelInvariantsProperty);
  ok &= rc::check("reset returns a zone to its initial state", zonesim::ResetRestoresInitialState);
  ok &= rc::check("power cycle (close_open) leaves no open zone and keeps data",
                  zonesim::PowerCycleClosesEverything);
  if (!ok) {
    std::fprintf(stderr, "model_properties: FAILED (see the counterexample above)\n");
    return 1;
  }
  std::printf("model_properties: all properties passed (%lu cases each)\n", cases);
  return 0;
}
