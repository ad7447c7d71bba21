#include "sim/replay/replay_map.h"

namespace zonesim {

std::string_view to_string(AddressMap m) {
  return m == AddressMap::kZoneRebase ? "zone-rebase" : "identity";
}

bool AddressMapFromString(std::string_view s, AddressMap* out) {
  if (s == "identity") *out = AddressMap::kIdentity;
  else if (s == "zone-rebase") *out = AddressMap::kZoneRebase;
  else return false;
  return true;
}

bool HasAddress(const Operation& op) {
  switch (op.kind) {
    case OpKind::kFlush:
    case OpKind::kPowerCycle:
    case OpKind::kPowerLoss:
      return false;
    default:
      return !(is_zone_management(op.kind) && op.length == kZoneRangeAll);
  }
}

AddressMapper::AddressMapper(AddressMap mode, const DeviceConfig& config)
    : mode_(mode), zone_size_(config.zone_size), device_size_(config.size), nr_zones_(config.nr_zones()) {}

Operation AddressMapper::Map(const Operation& op) {
  if (mode_ == AddressMap::kIdentity || !HasAddress(op) || zone_size_ == 0) return op;
  Operation out = op;
  const uint64_t trace_zone = op.offset / zone_size_;
  const uint64_t inside = op.offset % zone_size_;
  auto it = zones_.find(trace_zone);
  if (it == zones_.end() && zones_.size() < nr_zones_) {
    it = zones_.emplace(trace_zone, static_cast<uint32_t>(zones_.size())).first;
  }
  if (it == zones_.end()) {
    ++unmapped_;
    out.offset = device_size_ + inside;  // past the end: the device refuses it
    return out;
  }
  out.offset = uint64_t{it->second} * zone_size_ + inside;
  return out;
}

}  // namespace zonesim
