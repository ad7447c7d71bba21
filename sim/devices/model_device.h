// ModelDevice: the Device interface over the reference model (model/zone_model.h),
// so every driver (the io command, the demo, the lockstep checker, replay) can
// run on the model exactly as it runs on a qcow2 image.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/zone_model.h"
#include "zoned/device.h"

namespace zonesim {

class ModelDevice : public Device {
 public:
  // The configuration must have passed DeviceConfig::Validate() (ParseDeviceConfig does).
  explicit ModelDevice(const DeviceConfig& config) : model_(config) {}

  const DeviceConfig& config() const override { return model_.config(); }
  std::string name() const override { return "model"; }

  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) override;
  ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data) override;
  ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data,
                    uint64_t* assigned) override;
  ZoneStatus Flush() override;
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start) override;
  ZoneStatus ManageAll(ZoneAction action) override;
  bool ZonesNotInitial(std::vector<uint32_t>* out) override {
    model_.ZonesNotInitial(out);
    return true;
  }
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial) override;
  ZoneCounts Counts() override;
  // The model cannot fail to restart.
  Status PowerCycle() override;
  // The model keeps everything (one allowed state) and remembers the others
  // for the checker (ZoneModel::PowerLoss); the crash spec picks nothing here.
  Status PowerLoss(const CrashSpec& crash) override;
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start) override;
  // Nothing to persist or release: memory only.
  Status Close() override { return Status::Ok(); }

  // The model itself: its edge coverage, implicit-close choices, inspection.
  ZoneModel& model() { return model_; }
  const ZoneModel& model() const { return model_; }

 private:
  ZoneModel model_;
};

std::unique_ptr<Device> MakeModelDevice(const DeviceConfig& config);

// The model behind a device made by MakeModelDevice; nullptr for any other device.
ZoneModel* ModelOf(Device* device);

}  // namespace zonesim
