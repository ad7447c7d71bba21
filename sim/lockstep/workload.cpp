#include "sim/lockstep/workload.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace zonesim {

namespace {

Operation Only(OpKind kind) {
  Operation op;
  op.kind = kind;
  return op;
}

}  // namespace

WorkloadGenerator::WorkloadGenerator(const DeviceConfig& config, const WorkloadOptions& options)
    : config_(config), options_(options), rng_(options.seed) {}

Payload WorkloadGenerator::NextPayload() {
  // Every write gets distinct data, so a read of stale or misplaced data shows.
  const uint64_t n = options_.seed * 1000003 + ++payload_counter_;
  // qemu-io's write can only say -P PATTERN: a fill byte that changes from
  // one write to the next (never 0, the fill of unwritten blocks).
  if (options_.qemu_io_dialect) return Payload::Fill(static_cast<uint8_t>(1 + n % 255));
  return Payload::Seeded(n);
}

uint64_t WorkloadGenerator::Blocks(uint64_t max_blocks) {
  if (max_blocks == 0) return 1;
  // Mostly small requests, sometimes the largest allowed.
  if (rng_.Chance(0.1)) return max_blocks;
  return rng_.Range(1, std::min<uint64_t>(max_blocks, options_.max_io_blocks));
}

uint32_t WorkloadGenerator::PickSequentialZone(const ZoneModel& model) {
  uint32_t n = model.nr_zones();
  uint32_t conv = config_.conventional_zones;
  if (conv >= n) return 0;
  // Favour the first few zones so zones fill up and limits are reached.
  uint32_t span = n - conv;
  if (rng_.Chance(0.6)) {
    span = std::min<uint32_t>(span, std::max<uint32_t>(4, config_.max_active_zones + 2));
    // The first few *healthy* zones: a READ ONLY or OFFLINE zone never comes
    // back, so counting it would shrink the busy set for the rest of the run
    // and turn its writes into zone_is_offline (issue 15 item 7).
    return FirstHealthy(model, conv, span);
  }
  // Anywhere: a faulty zone is drawn again up to twice, so faulty zones are
  // still addressed (their refusals are triples too) but no longer in
  // proportion to how many have piled up.
  uint32_t z = conv + static_cast<uint32_t>(rng_.Below(span));
  for (int again = 0; again < 2; ++again) {
    const ZoneCondition c = model.zone(z).cond;
    if (c != ZoneCondition::kReadOnly && c != ZoneCondition::kOffline) break;
    z = conv + static_cast<uint32_t>(rng_.Below(span));
  }
  return z;
}

uint32_t WorkloadGenerator::FirstHealthy(const ZoneModel& model, uint32_t conv, uint32_t span) {
  const uint32_t n = model.nr_zones();
  const uint32_t pick = static_cast<uint32_t>(rng_.Below(span));
  uint32_t seen = 0;
  for (uint32_t z = conv; z < n; ++z) {
    const ZoneCondition c = model.zone(z).cond;
    if (c == ZoneCondition::kReadOnly || c == ZoneCondition::kOffline) continue;
    if (seen++ == pick) return z;
  }
  return conv + pick;  // fewer healthy zones than the span: any of the first
}

uint32_t WorkloadGenerator::PickZoneIn(const ZoneModel& model, ZoneCondition wanted) {
  // A uniform pick among the zones in `wanted`, in index order, through the
  // model's index (no scan of every zone).
  const uint32_t matches = model.index().count(wanted);
  if (matches == 0) return PickSequentialZone(model);
  return model.index().nth(wanted, static_cast<uint32_t>(rng_.Below(matches)));
}

Operation WorkloadGenerator::Write(const ZoneModel& model) {
  const uint64_t bs = config_.block_size;
  Operation op;
  op.kind = OpKind::kWrite;
  op.payload = NextPayload();
  if (config_.conventional_zones > 0 && rng_.Chance(0.1)) {
    // Random write into a conventional zone (sometimes crossing into zone 1+).
    uint64_t conv_bytes = config_.zone_start(config_.conventional_zones);
    uint64_t blocks = Blocks(options_.max_io_blocks);
    uint64_t start_block = rng_.Below(conv_bytes / bs);
    op.offset = start_block * bs + (rng_.Chance(0.03) ? 1 : 0);  // sometimes unaligned
    op.length = blocks * bs;
    if (op.offset + op.length > config_.size) op.length = config_.size - op.offset;
    return op;
  }
  uint32_t z = PickSequentialZone(model);
  ZoneReportEntry e = model.zone(z);
  uint64_t wp = (e.cond == ZoneCondition::kFull || e.cond == ZoneCondition::kReadOnly ||
                 e.cond == ZoneCondition::kOffline)
                    ? e.start + e.capacity
                    : e.wp;
  uint64_t room = (e.start + e.capacity > wp) ? (e.start + e.capacity - wp) / bs : 0;
  uint64_t r = rng_.Below(100);
  op.offset = wp;
  // Filling a zone of gigabytes in one write would write gigabytes: zones that
  // large are filled by finish instead (the same random draws either way).
  const uint64_t fill_cap = uint64_t{options_.max_io_blocks} * 64;
  const bool fillable = room <= fill_cap;
  if (r < 70 || (r < 86 && !fillable)) {
    op.length = Blocks(std::min(room, fill_cap)) * bs;  // at the write pointer
  } else if (r < 80) {
    op.length = std::max<uint64_t>(room, 1) * bs;  // exactly fill the capacity
  } else if (r < 86) {
    op.length = (room + 1) * bs;  // cross the capacity by one block
  } else if (r < 93) {
    // Beside the write pointer: one block ahead or behind.
    op.offset = (wp > e.start && rng_.Chance(0.5)) ? wp - bs : wp + bs;
    op.length = bs;
  } else if (r < 95) {
    op.offset = e.start + e.capacity - bs;  // the last block of the capacity
    op.length = bs;
  } else if (r < 97) {
    op.offset = e.start + e.length - bs;  // across the end of the zone
    op.length = 2 * bs;
  } else if (r < 98) {
    op.offset = config_.size - bs;  // beyond the device end
    op.length = 2 * bs;
  } else {
    op.offset = wp + 1;  // unaligned
    op.length = bs;
  }
  if (op.offset >= config_.size) op.offset = config_.size - bs;
  return op;
}

Operation WorkloadGenerator::Append(const ZoneModel& model) {
  const uint64_t bs = config_.block_size;
  Operation op;
  op.kind = OpKind::kAppend;
  op.payload = NextPayload();
  if (options_.qemu_io_dialect) op.payload = Payload::Fill(kDefaultPattern);  // zap's only pattern
  uint32_t z = PickSequentialZone(model);
  if (config_.conventional_zones > 0 && rng_.Chance(0.03)) z = 0;  // conventional: refused
  op.offset = config_.zone_start(z);
  uint64_t max_blocks = std::max<uint64_t>(config_.max_append_bytes / bs, 1);
  ZoneReportEntry e = model.zone(z);
  uint64_t room = (e.wp >= e.start && e.wp < e.start + e.capacity) ? (e.start + e.capacity - e.wp) / bs : 0;
  uint64_t r = rng_.Below(100);
  if (r < 15 && room > 0 && room <= max_blocks) op.length = room * bs;  // exactly fill the zone
  else if (r < 75) op.length = Blocks(max_blocks) * bs;
  else if (r < 88) op.length = max_blocks * bs;  // at the size limit
  else if (r < 95) op.length = (max_blocks + 1) * bs;  // over the limit
  else op.offset += bs;  // not a zone start
  if (op.length == 0) op.length = bs;
  return op;
}

Operation WorkloadGenerator::ReadOp(const ZoneModel& model) {
  const uint64_t bs = config_.block_size;
  Operation op;
  op.kind = OpKind::kRead;
  uint32_t z = static_cast<uint32_t>(rng_.Below(model.nr_zones()));
  ZoneReportEntry e = model.zone(z);
  uint64_t r = rng_.Below(100);
  if (r < 70) {
    uint64_t written = (e.cond == ZoneCondition::kNotWp || e.wp == UINT64_MAX || e.wp < e.start)
                           ? e.length
                           : e.wp - e.start;
    if (e.cond == ZoneCondition::kFull) written = e.length;
    uint64_t blocks = std::max<uint64_t>(written / bs, 1);
    uint64_t first = rng_.Below(blocks);
    op.offset = e.start + first * bs;
    op.length = Blocks(blocks - first) * bs;
  } else if (r < 85) {
    // Across the end of the zone (into the next one or past the capacity).
    op.offset = e.start + e.length - bs;
    op.length = 2 * bs;
    if (op.offset + op.length > config_.size) op.length = bs;
  } else if (r < 95) {
    op.offset = e.start;
    op.length = e.length;  // the whole zone, beyond the write pointer too
    if (op.length > options_.max_io_blocks * bs * 8) op.length = options_.max_io_blocks * bs * 8;
  } else {
    op.offset = config_.size - bs;
    op.length = 2 * bs;  // beyond the device end
  }
  return op;
}

Operation WorkloadGenerator::Manage(const ZoneModel& model, OpKind kind) {
  Operation op;
  op.kind = kind;
  uint64_t r = rng_.Below(100);
  if (r < 8) {
    // Select all.
    op.offset = 0;
    op.length = config_.size;
    return op;
  }
  uint32_t z;
  if (r < 11 && config_.conventional_zones > 0) {
    z = 0;  // conventional: refused
  } else if (r < 80) {
    // Aim at a zone in a chosen condition, to cover every cell of the table,
    // weighted per action toward the conditions where it does something:
    // every (condition, action) pair keeps a weight, so every refusal still
    // happens, but a close of an EMPTY zone or anything aimed at an OFFLINE
    // zone no longer takes as many draws as a close of an open one.
    z = PickZoneIn(model, AimedCondition(kind));
  } else {
    z = PickSequentialZone(model);
  }
  op.offset = config_.zone_start(z);
  op.length = config_.zone_length(z);
  if (r >= 97) op.offset += config_.block_size;  // misaligned range: refused by the host
  return op;
}

ZoneCondition WorkloadGenerator::AimedCondition(OpKind kind) {
  // Order: EMPTY, IMP_OPEN, EXP_OPEN, CLOSED, FULL, READONLY, OFFLINE.
  static constexpr ZoneCondition kConds[] = {ZoneCondition::kEmpty,  ZoneCondition::kImplicitOpen,
                                             ZoneCondition::kExplicitOpen, ZoneCondition::kClosed,
                                             ZoneCondition::kFull,   ZoneCondition::kReadOnly,
                                             ZoneCondition::kOffline};
  static constexpr uint32_t kOpen[] = {4, 3, 1, 4, 1, 1, 1};
  static constexpr uint32_t kClose[] = {1, 4, 4, 1, 1, 1, 1};
  static constexpr uint32_t kFinish[] = {2, 3, 3, 3, 1, 1, 1};
  static constexpr uint32_t kReset[] = {1, 2, 2, 3, 4, 1, 1};
  static constexpr uint32_t kOffline[] = {1, 1, 1, 1, 1, 4, 1};
  const uint32_t* w = kind == OpKind::kOpen     ? kOpen
                      : kind == OpKind::kClose  ? kClose
                      : kind == OpKind::kFinish ? kFinish
                      : kind == OpKind::kReset  ? kReset
                                                : kOffline;
  uint32_t total = 0;
  for (size_t i = 0; i < std::size(kConds); ++i) total += w[i];
  uint64_t r = rng_.Below(total);
  for (size_t i = 0; i < std::size(kConds); ++i) {
    if (r < w[i]) return kConds[i];
    r -= w[i];
  }
  return ZoneCondition::kEmpty;
}

Operation WorkloadGenerator::Fault(const ZoneModel& model) {
  // Faults are absorbing (nothing leaves OFFLINE; only the ZNS Offline action
  // leaves READ ONLY), so they are spent carefully: a healthy zone is hit only
  // to take a fault edge the run has not covered yet, and never once half the
  // sequential zones are faulty; otherwise a fault hits an already faulty zone
  // (READ ONLY -> OFFLINE, and the no-op self loops).
  std::vector<uint32_t> faulty = model.index().members(ZoneCondition::kReadOnly);
  {
    std::vector<uint32_t> offline = model.index().members(ZoneCondition::kOffline);
    std::vector<uint32_t> both;
    std::merge(faulty.begin(), faulty.end(), offline.begin(), offline.end(), std::back_inserter(both));
    faulty = std::move(both);
  }
  struct Target {
    ZoneCondition cond;
    OpKind kind;
  };
  std::vector<Target> wanted;
  if (faulty.size() < config_.sequential_zones() / 2) {
    static constexpr ZoneCondition kHealthy[] = {ZoneCondition::kEmpty, ZoneCondition::kImplicitOpen,
                                                 ZoneCondition::kExplicitOpen, ZoneCondition::kClosed,
                                                 ZoneCondition::kFull};
    for (ZoneCondition c : kHealthy) {
      if (model.index().count(c) == 0) continue;
      if (model.coverage().Count({c, Trigger::kFaultReadOnly, ZoneCondition::kReadOnly}) == 0)
        wanted.push_back({c, OpKind::kInjectReadOnly});
      if (model.coverage().Count({c, Trigger::kFaultOffline, ZoneCondition::kOffline}) == 0)
        wanted.push_back({c, OpKind::kInjectOffline});
    }
  }
  Operation op;
  if (!wanted.empty()) {
    Target t = wanted[rng_.Below(wanted.size())];
    op.kind = t.kind;
    op.offset = config_.zone_start(PickZoneIn(model, t.cond));
    return op;
  }
  if (faulty.empty()) return Only(OpKind::kFlush);
  op.kind = rng_.Chance(0.5) ? OpKind::kInjectReadOnly : OpKind::kInjectOffline;
  op.offset = config_.zone_start(faulty[rng_.Below(faulty.size())]);
  return op;
}

namespace {

// The zones a reporting option selects, counted through the model's index
// (O(log zones) each, no scan of every zone): how many there are, the k-th in
// zone order, and how many lie at or after a zone.
class ReportMatches {
 public:
  ReportMatches(const ZoneModel& model, ReportFilter filter, uint32_t conventional)
      : model_(model), filter_(filter), conventional_(std::min(conventional, model.nr_zones())) {
    // A filter other than all and not_wp selects one condition of sequential zones.
    for (ZoneCondition c : kAllConditions)
      if (c != ZoneCondition::kNotWp && condition_matches(c, filter)) cond_ = c;
  }
  uint32_t total() const {
    if (filter_ == ReportFilter::kAll) return model_.nr_zones();
    if (filter_ == ReportFilter::kNotWp) return conventional_;
    return model_.index().count(cond_);
  }
  uint32_t nth(uint32_t k) const {
    if (filter_ == ReportFilter::kAll || filter_ == ReportFilter::kNotWp) return k;
    return model_.index().nth(cond_, k);
  }
  uint32_t from(uint32_t z) const {
    // The first k whose zone is at or after z: the number before z.
    uint32_t lo = 0, hi = total();
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      if (nth(mid) < z) lo = mid + 1;
      else hi = mid;
    }
    return total() - lo;
  }

 private:
  const ZoneModel& model_;
  ReportFilter filter_;
  uint32_t conventional_;
  ZoneCondition cond_ = ZoneCondition::kEmpty;
};

}  // namespace

Operation WorkloadGenerator::ReportOp(const ZoneModel& model) {
  // Every draw is made on every call, in this order, so the stream keeps its
  // shape whatever the model's state and the dialect.
  const uint64_t filter_draw = rng_.Below(2 * std::size(kReportFilters));
  const uint64_t aim = rng_.Below(100);
  const uint32_t small = static_cast<uint32_t>(rng_.Below(4));
  uint32_t z = static_cast<uint32_t>(rng_.Below(model.nr_zones()));
  const bool inside = rng_.Chance(0.1);

  Operation op;
  op.kind = OpKind::kReport;
  // Half the reports are unfiltered, as qemu-io's zrp (which has no filter).
  if (filter_draw < std::size(kReportFilters) && !options_.qemu_io_dialect)
    op.filter = kReportFilters[filter_draw];
  const ReportMatches matches(model, op.filter, config_.conventional_zones);
  const uint32_t total = matches.total();
  if (aim < 60 && total > 0) {
    // The edge: start where `leave` matching zones remain and ask for exactly
    // that many (the report must not be partial) or one fewer (it must be).
    const uint32_t leave = std::min(small + 1, total);
    z = matches.nth(total - leave);
    op.count = (aim < 30 || leave == 1) ? leave : leave - 1;
  } else if (aim < 75) {
    // More than remain: complete (a device-sized report only when small).
    const uint32_t remain = matches.from(z);
    op.count = remain < 64 ? remain + 1 : small + 1;
  } else if (aim < 97 || options_.qemu_io_dialect) {
    op.count = small;  // 0..3 from anywhere; 0 reports nothing
  } else {
    op.offset = config_.size;  // past the end: LBA out of range
    op.count = small + 1;
    return op;
  }
  op.offset = config_.zone_start(z);
  // The zone holding an offset inside it (qemu-io's zrp is only given starts).
  if (inside && !options_.qemu_io_dialect && config_.zone_length(z) > config_.block_size)
    op.offset += config_.block_size;
  return op;
}

Operation RandomPowerLoss(Rng& rng) {
  // The crash state travels in the operation (zoned/crash_spec.h), so a
  // shrunk reproducer replays the same one.
  Operation op = Only(OpKind::kPowerLoss);
  switch (rng.Below(4)) {
    case 0:
      op.crash.mode = CrashMode::kLoseAll;
      return op;
    case 1:
      op.crash.mode = CrashMode::kTorn;
      op.crash.sector = 512;
      break;
    case 2:
      op.crash.mode = CrashMode::kTorn;
      op.crash.sector = 4096;
      break;
    default:
      op.crash.mode = CrashMode::kReorder;
      break;
  }
  op.crash.seed = rng.Below(1000000);  // short in scripts, plenty of distinct crashes
  return op;
}

Operation PowerLossAt(uint64_t seed, uint64_t index) {
  Rng rng(seed * 0x9e3779b97f4a7c15ull + index);
  return RandomPowerLoss(rng);
}

Operation WorkloadGenerator::PowerLoss() { return RandomPowerLoss(rng_); }

Operation WorkloadGenerator::Next(const ZoneModel& model) {
  if (rng_.Chance(options_.power_cycle_rate)) return Only(OpKind::kPowerCycle);
  if (rng_.Chance(options_.power_loss_rate)) return PowerLoss();
  // An external implementation cannot be told to fail a zone (no inject).
  if (rng_.Chance(options_.fault_rate) && !options_.qemu_io_dialect) return Fault(model);
  uint64_t r = rng_.Below(1000);
  if (r < 380) return Write(model);
  if (r < 480) return config_.params.zone_append_supported || rng_.Chance(0.1) ? Append(model)
                                                                               : Write(model);
  if (r < 580) return ReadOp(model);
  if (r < 680) return Manage(model, OpKind::kOpen);
  if (r < 770) return Manage(model, OpKind::kClose);
  if (r < 840) return Manage(model, OpKind::kFinish);
  if (r < 940) return Manage(model, OpKind::kReset);
  if (r < 950 && config_.params.profile == Profile::kZns && !options_.qemu_io_dialect)
    return Manage(model, OpKind::kOffline);  // qemu-io has no zone offline command
  if (r < 975) return ReportOp(model);
  return Only(OpKind::kFlush);
}

}  // namespace zonesim
