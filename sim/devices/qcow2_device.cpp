// Qcow2Device: the Device interface over ZonedImage (qcow2/zoned/zoned_image.h).
//
// A simulator power cycle is a clean one: the image is closed (dirty write
// pointers persisted, everything flushed) and reopened, which runs
// open-to-closed recovery; that IS the close_open policy. The other policies
// are applied on top after the reopen (keep: restore the previous open/closed
// conditions; wipe: reset every zone; all_full: fill every zone). READ ONLY and
// OFFLINE zones exist only in memory, so the adapter notes them before the
// power cycle and injects them again afterwards (ZNS 1.1 2.1.1.3: RO and OFF
// persist across resets).
#include "sim/devices/qcow2_device.h"

#include <algorithm>
#include <map>

#include "common/crash_env.h"
#include "qcow2/zoned/zoned_image.h"

namespace zonesim {

namespace {

class Qcow2Device final : public Device {
 public:
  Qcow2Device(std::unique_ptr<CrashEnv> env, std::string path, ZoneParams params, ImageOpenMode mode,
              std::unique_ptr<ZonedImage> image)
      : env_(std::move(env)), path_(std::move(path)), params_(params), mode_(mode), image_(std::move(image)) {}

  const DeviceConfig& config() const override { return image_->config(); }
  std::string name() const override { return "qcow2:" + path_; }

  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) override {
    return image_->Read(offset, length, out);
  }

  ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data) override {
    return image_->Write(offset, length, data);
  }

  ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data,
                    uint64_t* assigned) override {
    return image_->Append(zone_start, length, data, assigned);
  }

  ZoneStatus Flush() override { return image_->Flush(); }
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start) override {
    return image_->Manage(action, zone_start);
  }
  ZoneStatus ManageAll(ZoneAction action) override { return image_->ManageAll(action); }
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                    std::vector<ZoneReportEntry>* out, bool* partial) override {
    return image_->Report(offset, max_zones, filter, out, partial);
  }
  bool ZonesNotInitial(std::vector<uint32_t>* out) override {
    if (image_ == nullptr) return false;
    image_->table().ZonesNotInitial(out);
    return true;
  }
  ZoneCounts Counts() override { return image_->Counts(); }
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start) override {
    // A zone that goes READ ONLY or OFFLINE is frozen as it is: the model
    // treats the fault, and the zone's contents at that moment, as durable
    // (model/zone_model_power_loss.cpp), so the simulated device commits
    // what it holds first; a later power loss cannot take it back.
    const ZoneStatus flushed = image_->Flush();
    if (flushed != ZoneStatus::kOk) return flushed;
    return image_->Inject(fault, zone_start);
  }

  Status PowerCycle() override;
  Status PowerLoss(const CrashSpec& crash) override;
  Status UnsyncedWrites(std::vector<std::string>* out) const override {
    *out = env_->DescribeWrites();
    return Status::Ok();
  }
  Status host_error() const override { return image_->last_error(); }
  Status Close() override { return image_->Close(); }

 private:
  struct Was {
    uint32_t zone;
    ZoneCondition cond;
    uint64_t wp;
  };
  using Before = std::vector<Was>;
  Before Remember() const;
  // The common tail of PowerCycle and PowerLoss, on the reopened image.
  Status ApplyPolicy(const Before& before, bool lost);

  std::unique_ptr<CrashEnv> env_;  // every file operation of the image goes through it
  std::string path_;
  ZoneParams params_;
  ImageOpenMode mode_;
  std::unique_ptr<ZonedImage> image_;
};

Status OpenZoned(Env* env, const std::string& path, const ZoneParams& params, ImageOpenMode mode,
                 std::unique_ptr<ZonedImage>* out) {
  if (mode.read_only) return ZonedImage::OpenReadOnly(env, path, params, out, mode.force_share);
  if (mode.force_share) return Status::InvalidArgument(path + ": force-share (-U) needs a read-only open");
  return ZonedImage::Open(env, path, params, out);
}

CrashChoice ToChoice(const CrashSpec& spec) {
  CrashChoice c;
  switch (spec.mode) {
    case CrashMode::kLoseAll: c.mode = CrashChoice::Mode::kLoseAll; break;
    case CrashMode::kKeepAll: c.mode = CrashChoice::Mode::kKeepAll; break;
    case CrashMode::kTorn: c.mode = CrashChoice::Mode::kTorn; break;
    case CrashMode::kReorder: c.mode = CrashChoice::Mode::kReorder; break;
    case CrashMode::kKeep: c.mode = CrashChoice::Mode::kKeep; break;
  }
  c.sector = spec.sector;
  c.seed = spec.seed;
  c.keep = spec.keep;
  return c;
}

// What the zones were before: RO/OFF must come back, and `keep` restores
// the open and closed conditions too. Only zones that are not EMPTY can be
// any of those, so only they are remembered (O(zones touched), issue 14).
Qcow2Device::Before Qcow2Device::Remember() const {
  Before before;
  for (uint32_t z : image_->table().non_empty())
    before.push_back(Was{z, image_->table()[z].cond, image_->table()[z].wp});
  return before;
}

Status Qcow2Device::PowerCycle() {
  const Before before = Remember();
  // On failure the old (closed) image stays in place, so every later
  // operation fails with kMediaError instead of touching a null image.
  Status s = image_->Close();
  if (!s.ok()) return s;
  std::unique_ptr<ZonedImage> reopened;
  s = OpenZoned(env_.get(), path_, params_, mode_, &reopened);
  if (!s.ok()) return s;
  image_ = std::move(reopened);
  return ApplyPolicy(before, /*lost=*/false);
}

// The power goes: the image is dropped without persisting anything (the
// fenced Env refuses its closing flush and write-pointer writes; its file
// handles and locks are released), the file layer is left in the crash state
// `crash` picks, and the reopen runs open-to-closed recovery on whatever
// survived.
Status Qcow2Device::PowerLoss(const CrashSpec& crash) {
  if (mode_.read_only) return PowerCycle();  // nothing unsynced to lose
  const Before before = Remember();
  env_->Fence();
  (void)image_->Close();  // fails by design: nothing reaches the file
  Status s = env_->PowerLoss(ToChoice(crash));
  if (!s.ok()) return Status::IoError(path_ + ": power loss: " + s.message());
  std::unique_ptr<ZonedImage> reopened;
  s = OpenZoned(env_.get(), path_, params_, mode_, &reopened);
  if (!s.ok()) {
    const std::string msg = path_ + ": reopen after power loss: " + s.message();
    return s.code() == Status::Code::kCorruption ? Status::Corruption(msg) : Status::IoError(msg);
  }
  image_ = std::move(reopened);
  return ApplyPolicy(before, /*lost=*/true);
}

Status Qcow2Device::ApplyPolicy(const Before& before, bool lost) {
  Status s;
  const DeviceConfig& c = image_->config();
  auto faulty = [](ZoneCondition was) {
    return was == ZoneCondition::kReadOnly || was == ZoneCondition::kOffline;
  };
  // The zones wipe/all_full touch: not RO/OFF (all_full fills EMPTY ones too).
  std::vector<uint32_t> sequential_alive;
  if (params_.power_cycle == PowerCyclePolicy::kAllFull) {
    size_t next = 0;
    for (uint32_t z = c.conventional_zones; z < c.nr_zones(); ++z) {
      while (next < before.size() && before[next].zone < z) ++next;
      if (next < before.size() && before[next].zone == z && faulty(before[next].cond)) continue;
      sequential_alive.push_back(z);
    }
  } else {
    for (const auto& [z, was, wp] : before)
      if (!faulty(was)) sequential_alive.push_back(z);
  }
  auto check = [&](ZoneStatus zs, const char* what) {
    if (zs == ZoneStatus::kOk) return Status::Ok();
    std::string why = image_->last_error().ok() ? std::string(status_id(zs))
                                                : image_->last_error().message();
    return Status::IoError(path_ + ": power cycle (" + what + "): " + why);
  };
  switch (params_.power_cycle) {
    case PowerCyclePolicy::kCloseOpenZones:
      break;  // open-to-closed recovery did it
    case PowerCyclePolicy::kKeep:
      // Index order: the implicit-close history is cleared anyway.
      for (const auto& [z, was, wp] : before) {
        if (!is_active(was)) continue;
        // After a loss, a zone whose write pointer moved back (or that came
        // back FULL) is as recovery found it; the others are as after a clean cycle.
        if (lost && image_->table()[z].wp != wp) continue;
        s = check(image_->RestoreCondition(z, was), "restore condition");
        if (!s.ok()) return s;
      }
      break;
    case PowerCyclePolicy::kWipeToEmpty:
      s = check(image_->ResetZones(sequential_alive), "wipe");
      if (!s.ok()) return s;
      break;
    case PowerCyclePolicy::kAllFull:
      s = check(image_->ForceFull(sequential_alive), "all full");
      if (!s.ok()) return s;
      break;
  }
  for (const auto& [z, was, wp] : before) {
    if (was == ZoneCondition::kReadOnly)
      s = check(image_->Inject(ZoneFault::kReadOnly, c.zone_start(z)), "read-only zone");
    else if (was == ZoneCondition::kOffline)
      s = check(image_->Inject(ZoneFault::kOffline, c.zone_start(z)), "offline zone");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

std::unique_ptr<Device> OpenImageDevice(Env* env, const std::string& path, const ZoneParams& params,
                                        Status* status, ImageOpenMode mode) {
  auto crash_env = std::make_unique<CrashEnv>(env);
  std::unique_ptr<ZonedImage> image;
  Status s = OpenZoned(crash_env.get(), path, params, mode, &image);
  if (status != nullptr) *status = s;
  if (!s.ok()) return nullptr;
  return std::make_unique<Qcow2Device>(std::move(crash_env), path, params, mode, std::move(image));
}

}  // namespace zonesim
