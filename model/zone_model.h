// ZoneModel: the executable reference semantics of a zoned block device.
//
// A plain value type (copyable; a copy is an independent device) holding the
// configuration and per-zone state, with one function per operation returning a
// ZoneStatus. No I/O, no clocks, no randomness. Every rule cites the standard
// text it comes from (NVMe ZNS 1.1, T10 ZBC-2) or the implementation behaviour
// a profile follows (null_blk, QEMU), see ../shared/spec/zone-semantics.md.
//
// Offsets and lengths are bytes; they must be multiples of the logical block
// size. Data is remembered as Payload extents, so reads can be checked exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/device_config.h"
#include "model/edge_coverage.h"
#include "model/payload.h"
#include "model/zone_status.h"
#include "model/zone_report.h"
#include "model/zone_types.h"

namespace zonesim {

// How the next operation that needs an implicit close must resolve it, when the
// profile leaves the choice to the device (ImplicitClosePolicy kAny/kAnyVictim).
// Used by the lockstep checker to adopt the choice the device under test made.
struct ImplicitCloseChoice {
  enum class Kind : uint8_t { kFollowPolicy, kCloseZone, kFail };
  Kind kind = Kind::kFollowPolicy;
  uint32_t zone = 0;  // with kCloseZone
};

class ZoneModel {
 public:
  // The configuration must have passed DeviceConfig::Validate().
  explicit ZoneModel(const DeviceConfig& config);

  const DeviceConfig& config() const { return config_; }

  // Data operations.
  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) const;
  ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data);
  // Zone append to the zone starting at zone_start; *assigned gets the byte
  // offset where the data landed.
  ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data, uint64_t* assigned);
  ZoneStatus Flush();

  // Zone management: one zone (zone_start must be a zone start) or Select All.
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start);
  ZoneStatus ManageAll(ZoneAction action);

  // REPORT ZONES from the zone containing offset, at most max_zones entries
  // (0 = no limit) that match the filter. *partial (optional) is set when more
  // matching zones exist past the last one returned.
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial = nullptr) const;

  // Power loss and restart, per ZoneParams::power_cycle.
  void PowerCycle();
  // Device-internal events (fault injection). Conventional zones refuse.
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start);

  // Inspection.
  ZoneCounts counts() const;
  ZoneReportEntry zone(uint32_t index) const;
  uint32_t nr_zones() const;

  // Choices left to the device: zones the next implicit close may pick (in the
  // order the configured policy would pick them) and whether failing instead is
  // allowed. The next operation that needs an implicit close follows `choice`.
  std::vector<uint32_t> ImplicitCloseCandidates() const;
  bool ImplicitCloseMayFail() const;
  void SetNextImplicitClose(const ImplicitCloseChoice& choice);
  // Whether the last operation performed an implicit close, and of which zone.
  std::optional<uint32_t> last_implicit_close() const;

  const EdgeCoverage& coverage() const;

 private:
  DeviceConfig config_;
  // Per-zone state, counters, open-zone bookkeeping and coverage: private
  // members are the model's own business (see zone_model.cpp).
};

}  // namespace zonesim
