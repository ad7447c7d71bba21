// How trace offsets become device offsets in `zonesim replay --map`.
//
//   identity     offsets as the trace has them. A trace from a disk larger
//                than the replayed device addresses beyond its end: those
//                events fail with lba_out_of_range (violations).
//   zone-rebase  the trace's address space is cut into zones of the DEVICE's
//                zone size; each distinct trace zone, in order of first use,
//                gets the next device zone (0, 1, 2, ...), and an offset keeps
//                its position inside its zone. So a trace that touches a few
//                zones scattered over a 20 TB disk replays on a small device
//                with the same per-zone write pattern. A request is mapped by
//                its first byte: one that crosses a trace zone boundary
//                crosses into the next DEVICE zone, which may hold another
//                trace zone (a write crossing zones is a violation either
//                way). Once every device zone is taken, requests to further
//                trace zones map beyond the device end (lba_out_of_range).
// Zone operations on every zone (operation.h kZoneRangeAll) and requests
// without an address (flush, power cycle) are never mapped.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "zoned/device_config.h"
#include "zoned/operation.h"

namespace zonesim {

enum class AddressMap : uint8_t { kIdentity, kZoneRebase };

std::string_view to_string(AddressMap m);  // "identity", "zone-rebase"
bool AddressMapFromString(std::string_view s, AddressMap* out);

// True when the operation addresses the device (has an offset to map).
bool HasAddress(const Operation& op);

class AddressMapper {
 public:
  AddressMapper(AddressMap mode, const DeviceConfig& config);

  Operation Map(const Operation& op);

  AddressMap mode() const { return mode_; }
  // zone-rebase: trace zones given a device zone, and requests to trace zones
  // that found none left.
  uint64_t zones_mapped() const { return zones_.size(); }
  uint64_t unmapped_requests() const { return unmapped_; }

 private:
  AddressMap mode_;
  uint64_t zone_size_;
  uint64_t device_size_;
  uint32_t nr_zones_;
  // Lookups only (never iterated), so the hash order cannot reach any output.
  // Bounded by the device's zone count.
  std::unordered_map<uint64_t, uint32_t> zones_;
  uint64_t unmapped_ = 0;
};

}  // namespace zonesim
