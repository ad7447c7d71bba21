// ZoneModel power loss: which states the zones may come back in when power is
// lost without a clean shutdown (issue 15), and adopting the one a device shows.
//
// The rules, with their sources:
//
// 1. What a completed Flush covers is durable: NVMe Base 2.0 §7.1 (Flush
//    commits the volatile write cache "and metadata" to non-volatile media);
//    SBC SYNCHRONIZE CACHE for ZBC; qcow2-zoned.md: "the stored write pointer
//    only advances over data that is durable". So per zone the recovered
//    write pointer is at least the write pointer as of the last completed
//    flush (the durable wp) and at most the write pointer before the loss.
// 2. Writes since the flush may be lost, at logical-block granularity (the
//    atomic unit a device guarantees; NVMe AWUPF is at least one block): the
//    recovered write pointer is a block boundary, the data below it exactly
//    what was written there (no hole, no stale bytes: a sequential zone only
//    appends, so a recovered wp is a prefix of its writes), and above it reads
//    return what reads above a write pointer return (ZoneModel::Read: the
//    fill, or an error with restricted reads).
// 3. Zone states and write pointers are persistent and come back as after any
//    power cycle (ZNS 1.1 §2.1.1.3: open zones CLOSED, EMPTY when wp = ZSLBA),
//    per ZoneParams::power_cycle.
// 4. Zone management since the flush (reset, finish, open, close, offline):
//    the standards do not say whether a completed Zone Management Send / RESET
//    WRITE POINTER is durable before the next flush, so it is the parameter
//    ZoneParams::manage_durability: `completion` (the qcow2 zoned format:
//    "finish and reset flush it themselves") or `next_flush` (either outcome
//    allowed: the zone may come back as it was before the command, with any
//    prefix of the writes before it).
// 5. A conventional zone has no write pointer: each block written since the
//    flush may come back as any version it held since then.
// 6. Injected faults (READ ONLY, OFFLINE) are device events that survive
//    power loss; the model takes the zone's state at the fault as durable.
#include <algorithm>
#include <cstring>

#include "common/hex.h"
#include "model/zone_model.h"

namespace zonesim {

namespace {

// data cut at `end`: what a prefix of a sequential zone's writes leaves.
ZoneData Truncated(const ZoneData& data, uint64_t end) {
  ZoneData out;
  for (const Extent& e : data.extents()) {
    if (e.offset >= end) break;
    out.Write(e.offset, std::min(e.end(), end) - e.offset, e.payload, e.payload_offset);
  }
  return out;
}

bool has_valid_wp(ZoneCondition c) {
  return c == ZoneCondition::kEmpty || c == ZoneCondition::kImplicitOpen ||
         c == ZoneCondition::kExplicitOpen || c == ZoneCondition::kClosed;
}

}  // namespace

ZoneHistory& ZoneModel::Touch(uint32_t z) {
  auto [hp, inserted] = history_.try_emplace(z);
  ZoneHistory& h = *hp;
  if (inserted) {
    const ZoneState& s = zones_[z];
    if (config_.is_conventional(z)) h.flushed_data = s.data;
    HistorySegment seg;
    seg.from = {s.wp, s.cond};
    seg.conds = condition_bit(s.cond);
    h.segments.reserve(2);  // a reset or finish adds the second: one allocation, not two
    h.segments.push_back(std::move(seg));
  }
  return h;
}

void ZoneModel::EndSegment(uint32_t z) {
  HistorySegment& seg = Touch(z).segments.back();
  seg.end_wp = zones_[z].wp;
  seg.end_data = zones_[z].data;
  seg.ended = true;
}

void ZoneModel::BeginSegment(uint32_t z) {
  HistorySegment seg;
  seg.from = {zones_[z].wp, zones_[z].cond};
  seg.conds = condition_bit(zones_[z].cond);
  history_[z].segments.push_back(std::move(seg));
}

void ZoneModel::RecordConventionalWrite(uint32_t z, const Extent& e) {
  Touch(z).writes.push_back(e);
}

std::pair<ZoneCondition, uint64_t> ZoneModel::AfterPowerCycle(uint32_t z, ZoneCondition cond,
                                                               uint64_t wp) const {
  using C = ZoneCondition;
  // The same rules as PowerCycle() (zone_model_events.cpp), for one state.
  if (config_.is_conventional(z) || cond == C::kReadOnly || cond == C::kOffline) return {cond, wp};
  switch (config_.params.power_cycle) {
    case PowerCyclePolicy::kCloseOpenZones:
      if (cond == C::kImplicitOpen || cond == C::kExplicitOpen || cond == C::kClosed)
        return {wp != start_of(z) ? C::kClosed : C::kEmpty, wp};
      return {cond, wp};
    case PowerCyclePolicy::kKeep:
      return {cond, wp};
    case PowerCyclePolicy::kWipeToEmpty:
      return {C::kEmpty, start_of(z)};
    case PowerCyclePolicy::kAllFull:
      return {C::kFull, cap_end(z)};
  }
  return {cond, wp};
}

std::vector<uint32_t> ZoneModel::AllowedSegments(const ZoneHistory& h) const {
  // Rule 4: with `completion` every reset / finish / offline is durable, so
  // only the last segment (after the last of them) can come back.
  const uint32_t n = static_cast<uint32_t>(h.segments.size());
  if (config_.params.manage_durability == ManageDurability::kCompletion) return {n - 1};
  std::vector<uint32_t> all(n);
  for (uint32_t i = 0; i < n; ++i) all[i] = i;
  return all;
}

void ZoneModel::PowerLoss() {
  std::map<uint32_t, ZoneHistory> at_loss = history_.TakeByZone();
  for (auto& [z, h] : at_loss) {
    HistorySegment& seg = h.segments.back();
    if (seg.ended) continue;
    seg.end_wp = zones_[z].wp;
    seg.end_data = zones_[z].data;
    seg.ended = true;
  }
  PowerCycle();  // keeps everything: one allowed state (clears history_ and loss_)
  loss_ = std::move(at_loss);
}

std::vector<uint32_t> ZoneModel::PowerLossZones() const {
  std::vector<uint32_t> zones;
  zones.reserve(loss_.size());
  for (const auto& entry : loss_) zones.push_back(entry.first);
  return zones;
}

uint64_t ZoneModel::PowerLossReadEnd(uint32_t z) const {
  const uint64_t zone_end = start_of(z) + config_.zone_length(z);
  auto it = loss_.find(z);
  if (it == loss_.end() || config_.is_conventional(z)) return zone_end;
  uint64_t end = start_of(z);
  for (const HistorySegment& seg : it->second.segments) end = std::max({end, seg.from.wp, seg.end_wp});
  return std::min(end, zone_end);
}

std::vector<RecoveredState> ZoneModel::PowerLossStates(uint32_t z,
                                                       const ZoneReportEntry& entry) const {
  using C = ZoneCondition;
  std::vector<RecoveredState> out;
  auto it = loss_.find(z);
  if (it == loss_.end() || config_.is_conventional(z)) return out;
  const ZoneHistory& h = it->second;
  std::vector<uint32_t> allowed = AllowedSegments(h);
  for (auto si = allowed.rbegin(); si != allowed.rend(); ++si) {  // newest first
    const HistorySegment& seg = h.segments[*si];
    const uint64_t lo = seg.from.wp, hi = seg.end_wp;
    // Candidate states before the power-cycle rules: (condition, wp).
    std::vector<std::pair<C, uint64_t>> pre;
    if (entry.cond != C::kFull && entry.cond != C::kReadOnly && entry.cond != C::kOffline &&
        entry.wp > lo && entry.wp <= hi && entry.wp % config_.block_size == 0 &&
        entry.wp < cap_end(z)) {
      // Some blocks of the segment's writes kept: the zone was written (IO)
      // or in a condition it held during the segment.
      for (C c : {C::kImplicitOpen, C::kExplicitOpen, C::kClosed})
        if (c == C::kImplicitOpen || (seg.conds & condition_bit(c))) pre.push_back({c, entry.wp});
    }
    // hi first: keeping everything is the newest state of the segment.
    if (cap_end(z) > lo && cap_end(z) <= hi) pre.push_back({C::kFull, cap_end(z)});
    // None of the segment's writes kept: its start, in any condition it held there.
    pre.push_back({seg.from.cond, lo});
    for (C c : {C::kEmpty, C::kImplicitOpen, C::kExplicitOpen, C::kClosed})
      if ((seg.conds & condition_bit(c)) && c != seg.from.cond && seg.from.cond != C::kFull &&
          (c != C::kEmpty || lo == start_of(z)))
        pre.push_back({c, lo});
    for (const auto& [c, w] : pre) {
      auto [rc, rw] = AfterPowerCycle(z, c, w);
      if (!(DescribeState(z, rc, rw) == entry)) continue;
      bool seen = false;
      for (const RecoveredState& r : out) seen |= r.segment == *si && r.wp == w && r.cond == rc;
      if (!seen) out.push_back({*si, w, rc});
    }
  }
  return out;
}

std::string ZoneModel::PowerLossRefusal(uint32_t z, const ZoneReportEntry& entry) const {
  auto it = loss_.find(z);
  const std::string zone = "zone " + std::to_string(z);
  if (it == loss_.end()) return zone + " was not changed since the last flush";
  const ZoneHistory& h = it->second;
  std::vector<uint32_t> allowed = AllowedSegments(h);
  uint64_t durable = UINT64_MAX, before = 0;
  for (uint32_t i : allowed) {
    durable = std::min(durable, h.segments[i].from.wp);
    before = std::max({before, h.segments[i].from.wp, h.segments[i].end_wp});
  }
  const std::string bounds = " (durable wp " + Hex(durable) + ", wp before the loss " + Hex(before) +
                             ", manage_durability=" +
                             std::string(to_string(config_.params.manage_durability)) + ")";
  if (has_valid_wp(entry.cond)) {
    if (entry.wp % config_.block_size != 0)
      return "write pointer not at a logical-block boundary (" + zone + ": wp " + Hex(entry.wp) + ")";
    if (entry.wp < durable)
      return "flushed data lost (" + zone + ": wp " + Hex(entry.wp) + " below the durable wp " +
             Hex(durable) + ")";
    if (entry.wp > before)
      return "data exposed past what was written (" + zone + ": wp " + Hex(entry.wp) +
             " past the write pointer before the loss " + Hex(before) + ")";
  }
  return "zone state not allowed after a power loss (" + zone + ": " + std::string(to_string(entry.cond)) +
         " wp " + Hex(entry.wp) + ")" + bounds;
}

bool ZoneModel::AdoptPowerLossState(uint32_t z, const RecoveredState& state) {
  auto it = loss_.find(z);
  if (it == loss_.end() || state.segment >= it->second.segments.size()) return false;
  const std::vector<HistorySegment>& segs = it->second.segments;
  const HistorySegment& seg = segs[state.segment];
  auto [cond, wp] = AfterPowerCycle(z, state.cond, state.wp);
  ZoneState& s = zones_[z];
  s.wp = wp;
  s.data = cond == ZoneCondition::kOffline ? ZoneData() : Truncated(seg.end_data, std::min(state.wp, wp));
  if (s.cond != cond) {
    not_host_change_ = adopting_ = true;
    Transition(z, cond, Trigger::kPowerCycle);
    not_host_change_ = adopting_ = false;
    RebuildVictimOrder();
  }
  return !(state.segment + 1 == segs.size() && state.wp == seg.end_wp);
}

std::string ZoneModel::AdoptConventionalData(uint32_t z, const uint8_t* bytes, uint64_t* lost) {
  auto it = loss_.find(z);
  if (it == loss_.end() || !config_.is_conventional(z)) return "";
  const ZoneHistory& h = it->second;
  const uint64_t bs = config_.block_size, start = start_of(z);
  // The blocks written since the flush, ascending.
  std::vector<uint64_t> blocks;
  for (const Extent& w : h.writes)
    for (uint64_t b = w.offset; b < w.end(); b += bs) blocks.push_back(b);
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  ZoneData adopted = h.flushed_data;
  std::vector<uint8_t> expect(bs);
  const uint8_t fill = config_.params.read_fill == ReadFill::kOnes ? 0xFF : 0x00;
  for (uint64_t b : blocks) {
    const uint8_t* got = bytes + (b - start);
    bool found = false, newest = true;
    for (auto w = h.writes.rbegin(); w != h.writes.rend() && !found; ++w) {
      if (b < w->offset || b >= w->end()) continue;
      const uint64_t at = w->payload_offset + (b - w->offset);
      w->payload.Generate(at, bs, expect.data());
      if (std::memcmp(expect.data(), got, bs) == 0) {
        adopted.Write(b, bs, w->payload, at);
        found = true;
        if (!newest) ++*lost;
      }
      newest = false;
    }
    if (found) continue;
    std::memset(expect.data(), fill, bs);
    h.flushed_data.Read(b, bs, expect.data());
    if (std::memcmp(expect.data(), got, bs) != 0)
      return "torn or stale data (zone " + std::to_string(z) + ": the block at " + Hex(b) +
             " holds neither the data as of the last flush nor any write since)";
    ++*lost;  // already in `adopted`: the flushed version
  }
  zones_[z].data = std::move(adopted);
  return "";
}

void ZoneModel::EndPowerLoss() { loss_.clear(); }

}  // namespace zonesim
