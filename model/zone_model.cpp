// ZoneModel core: construction, the single Transition() through which every
// condition change goes (counters, victim order, edge coverage), REPORT ZONES
// and inspection. The operations live in zone_model_io.cpp (read, write,
// append), zone_model_manage.cpp (open/close/finish/reset/offline, Select
// All), zone_model_resources.cpp (open/active limits, implicit close) and
// zone_model_events.cpp (power cycle, fault injection).
#include "model/zone_model.h"

#include <algorithm>
#include <limits>

namespace zonesim {

static_assert(sizeof(ZoneData) <= 8, "an unwritten zone's data must stay one pointer");

ZoneModel::ZoneModel(const DeviceConfig& config)
    // A limit the zones cannot reach is no limit (NormalisedLimits cites why).
    : config_(NormalisedLimits(config)), zones_(config.nr_zones()), first_seq_(config.conventional_zones) {
  for (uint32_t z = 0; z < zones_.size(); ++z) {
    zones_[z].wp = start_of(z);
    // Conventional zones are the first `conventional_zones` zones (ZBC-2 NOT
    // WRITE POINTER); every sequential zone starts EMPTY (ZNS 1.1 2.1.1.3).
    zones_[z].cond = config_.is_conventional(z) ? ZoneCondition::kNotWp : ZoneCondition::kEmpty;
  }
  index_.Init(first_seq_, static_cast<uint32_t>(zones_.size()));
  history_.Resize(static_cast<uint32_t>(zones_.size()));
  rr_cursor_ = first_seq_;  // null_blk null_init_zoned_dev: imp_close_zone_no = nr_conv
}

void ZoneModel::BeginOperation() {
  last_implicit_close_.reset();
  active_choice_ = next_choice_;
  next_choice_ = ImplicitCloseChoice{};
}

void ZoneModel::Transition(uint32_t z, ZoneCondition to, Trigger trigger) {
  if (!not_host_change_) Touch(z);
  ZoneState& s = zones_[z];
  const ZoneCondition from = s.cond;
  // An adopted power-loss state is not an edge of the state machine.
  if (!adopting_) coverage_.Record(Edge{from, trigger, to});

  // Counters: open = IO + EO, active = IO + EO + C (ZNS 1.1 2.1.1.4).
  auto count = [this](ZoneCondition c) -> uint32_t* {
    switch (c) {
      case ZoneCondition::kImplicitOpen: return &implicit_open_;
      case ZoneCondition::kExplicitOpen: return &explicit_open_;
      case ZoneCondition::kClosed: return &closed_;
      default: return nullptr;
    }
  };
  if (uint32_t* c = count(from)) --*c;
  if (uint32_t* c = count(to)) ++*c;
  index_.Move(z, from, to);

  // Victim order: only IMPLICIT OPEN zones may be implicitly closed (ZNS 1.1
  // 2.1.1.4: "zones in ZSIO"; EO zones are never closed by the device). A
  // zone's stamp is the time it entered IO (oldest) or its last write while
  // IO (least_recently_written): IO is only ever entered or kept by a write.
  const bool restamp =
      to == ZoneCondition::kImplicitOpen &&
      (from != ZoneCondition::kImplicitOpen ||
       config_.params.implicit_close == ImplicitClosePolicy::kLeastRecentlyWritten);
  if (from == ZoneCondition::kImplicitOpen && (to != from || restamp))
    victims_.erase(VictimKey(z));
  s.cond = to;
  if (!not_host_change_) {
    HistorySegment& seg = history_[z].segments.back();
    if (!seg.ended) seg.conds |= condition_bit(to);
  }
  if (restamp) {
    s.stamp = ++clock_;
    victims_.insert(VictimKey(z));
  }
}

ZoneReportEntry ZoneModel::Describe(uint32_t z) const {
  return DescribeState(z, zones_[z].cond, zones_[z].wp);
}

ZoneReportEntry ZoneModel::DescribeState(uint32_t z, ZoneCondition cond, uint64_t wp) const {
  ZoneReportEntry e;
  DescribeInto(z, cond, wp, e);
  return e;
}

// Fills the caller's entry in place: a report writes straight into its
// vector (returning the 40-byte struct by value stalled every load of it).
void ZoneModel::DescribeInto(uint32_t z, ZoneCondition cond, uint64_t wp, ZoneReportEntry& e) const {
  e.start = start_of(z);
  e.length = config_.zone_length(z);
  e.cond = cond;
  if (config_.is_conventional(z)) {
    // Conventional zones: the whole zone is writable, the wp is meaningless
    // and reported as the zone start (semantics contract, Report).
    e.type = ZoneType::kConventional;
    e.capacity = e.length;
    e.wp = e.start;
    return;
  }
  e.type = ZoneType::kSequentialWriteRequired;
  e.capacity = config_.zone_capacity_of(z);
  switch (cond) {
    case ZoneCondition::kFull:
      // The wp of a FULL zone is not valid in ZNS (2.1.1.3: "invalid write
      // pointer provides no information"); each implementation reports it
      // differently (zone-semantics.md 2.1, 1.1 QEMU item 5, null_blk delta 3).
      switch (config_.params.full_wp) {
        case FullWpReport::kAsWritten: e.wp = wp; break;
        case FullWpReport::kCapacityEnd: e.wp = e.start + e.capacity; break;
        case FullWpReport::kZoneEnd: e.wp = e.start + e.length; break;
        case FullWpReport::kAllOnes: e.wp = std::numeric_limits<uint64_t>::max(); break;
      }
      break;
    case ZoneCondition::kReadOnly:
    case ZoneCondition::kOffline:
      // null_blk null_set_zone_cond: wp = NULL_ZONE_INVALID_WP (all ones).
      e.wp = std::numeric_limits<uint64_t>::max();
      break;
    default:
      e.wp = wp;
      break;
  }
}

ZoneStatus ZoneModel::Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                             std::vector<ZoneReportEntry>* out, bool* partial) const {
  // ZNS 1.1 Figure 40 / ZBC-2 REPORT ZONES: a start beyond the device is LBA
  // Out of Range (ZBC IR 21/00).
  if (offset >= config_.size) return ZoneStatus::kLbaOutOfRange;
  std::vector<ZoneReportEntry> scratch;
  std::vector<ZoneReportEntry>& entries = out ? *out : scratch;
  entries.clear();
  bool more = false;
  const uint32_t first = config_.zone_index(offset), n = static_cast<uint32_t>(zones_.size());
  if (filter == ReportFilter::kAll)  // the lockstep checker's complete comparison: one allocation
    entries.reserve(max_zones != 0 ? std::min(max_zones, n - first) : n - first);
  // The zones the reporting option selects, in zone order: every zone, the
  // conventional ones (NOT_WP), or one condition's sequential zones taken
  // from the index, so a filtered report costs O(matches * log zones).
  const ZoneCondition want = filter_condition(filter);
  auto next = [&](uint32_t z) -> uint32_t {
    if (filter == ReportFilter::kAll) return z;
    if (filter == ReportFilter::kNotWp) {
      while (z < first_seq_ && zones_[z].cond != ZoneCondition::kNotWp) ++z;
      return z < first_seq_ ? z : n;
    }
    return index_.next(want, z);
  };
  for (uint32_t z = next(first); z < n; z = next(z + 1)) {
    if (max_zones != 0 && entries.size() == max_zones) {
      more = true;  // ZNS Partial Report / ZBC PARTIAL: a further match exists
      break;
    }
    const ZoneState& st = zones_[z];
    DescribeInto(z, st.cond, st.wp, entries.emplace_back());
  }
  if (partial) *partial = more;
  return ZoneStatus::kOk;
}

ZoneCounts ZoneModel::counts() const {
  ZoneCounts c;
  c.implicit_open = implicit_open_;
  c.explicit_open = explicit_open_;
  c.closed = closed_;
  return c;
}

ZoneReportEntry ZoneModel::zone(uint32_t index) const {
  return index < zones_.size() ? Describe(index) : ZoneReportEntry{};
}

uint32_t ZoneModel::nr_zones() const { return static_cast<uint32_t>(zones_.size()); }

uint64_t ZoneModel::internal_wp(uint32_t index) const {
  return index < zones_.size() ? zones_[index].wp : 0;
}

const ZoneData& ZoneModel::zone_data(uint32_t index) const {
  static const ZoneData kNone;
  return index < zones_.size() ? zones_[index].data : kNone;
}

std::optional<uint32_t> ZoneModel::last_implicit_close() const { return last_implicit_close_; }

void ZoneModel::ZonesNotInitial(std::vector<uint32_t>* out) const {
  out->clear();
  for (uint32_t z = 0; z < first_seq_; ++z)
    if (zones_[z].cond != ZoneCondition::kNotWp) out->push_back(z);
  const std::vector<uint32_t> seq = index_.non_empty();
  out->insert(out->end(), seq.begin(), seq.end());
}

const EdgeCoverage& ZoneModel::coverage() const { return coverage_; }

}  // namespace zonesim
