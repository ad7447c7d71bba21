#include "sim/devices/model_device.h"

namespace zonesim {

ZoneStatus ModelDevice::Read(uint64_t offset, uint64_t length, uint8_t* out) {
  return model_.Read(offset, length, out);
}

ZoneStatus ModelDevice::Write(uint64_t offset, uint64_t length, const Payload& data) {
  return model_.Write(offset, length, data);
}

ZoneStatus ModelDevice::Append(uint64_t zone_start, uint64_t length, const Payload& data,
                               uint64_t* assigned) {
  return model_.Append(zone_start, length, data, assigned);
}

ZoneStatus ModelDevice::Flush() { return model_.Flush(); }

ZoneStatus ModelDevice::Manage(ZoneAction action, uint64_t zone_start) {
  return model_.Manage(action, zone_start);
}

ZoneStatus ModelDevice::ManageAll(ZoneAction action) { return model_.ManageAll(action); }

ZoneStatus ModelDevice::Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                               std::vector<ZoneReportEntry>* out, bool* partial) {
  return model_.Report(offset, max_zones, filter, out, partial);
}

ZoneCounts ModelDevice::Counts() { return model_.counts(); }

Status ModelDevice::PowerCycle() {
  model_.PowerCycle();
  return Status::Ok();
}

Status ModelDevice::PowerLoss(const CrashSpec& crash) {
  (void)crash;
  model_.PowerLoss();
  return Status::Ok();
}

ZoneStatus ModelDevice::Inject(ZoneFault fault, uint64_t zone_start) {
  return model_.Inject(fault, zone_start);
}

std::unique_ptr<Device> MakeModelDevice(const DeviceConfig& config) {
  return std::make_unique<ModelDevice>(config);
}

ZoneModel* ModelOf(Device* device) {
  auto* m = dynamic_cast<ModelDevice*>(device);
  return m ? &m->model() : nullptr;
}

}  // namespace zonesim
