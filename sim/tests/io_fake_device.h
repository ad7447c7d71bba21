// FakeDevice: a scripted Device for testing the io runner without the model.
// It records every call as a line of text and answers with the status the test
// chose for that call (kOk unless listed in fail_on).
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "zoned/device.h"

namespace zonesim::testing {

class FakeDevice : public Device {
 public:
  explicit FakeDevice(const DeviceConfig& config) : config_(config) {}

  const DeviceConfig& config() const override { return config_; }
  std::string name() const override { return "fake"; }

  ZoneStatus Read(uint64_t offset, uint64_t length, uint8_t* out) override {
    ZoneStatus s = Call("read " + std::to_string(offset) + " " + std::to_string(length));
    if (s != ZoneStatus::kOk) return s;
    for (uint64_t i = 0; i < length; ++i)
      out[i] = read_data.empty() ? read_byte : read_data[i % read_data.size()];
    return s;
  }
  ZoneStatus Write(uint64_t offset, uint64_t length, const Payload& data) override {
    return Call("write " + std::to_string(offset) + " " + std::to_string(length) + " " +
                PayloadText(data));
  }
  ZoneStatus Append(uint64_t zone_start, uint64_t length, const Payload& data,
                    uint64_t* assigned) override {
    ZoneStatus s = Call("append " + std::to_string(zone_start) + " " + std::to_string(length) +
                        " " + PayloadText(data));
    if (s == ZoneStatus::kOk) *assigned = append_at;
    return s;
  }
  ZoneStatus Flush() override { return Call("flush"); }
  ZoneStatus Manage(ZoneAction action, uint64_t zone_start) override {
    return Call("manage " + std::string(to_string(action)) + " " + std::to_string(zone_start));
  }
  ZoneStatus ManageAll(ZoneAction action) override {
    return Call("manage_all " + std::string(to_string(action)));
  }
  ZoneStatus Report(uint64_t offset, uint32_t max_zones, ReportFilter, std::vector<ZoneReportEntry>* out,
                    bool* partial) override {
    ZoneStatus s = Call("report " + std::to_string(offset) + " " + std::to_string(max_zones));
    if (s != ZoneStatus::kOk) return s;
    *out = report;
    if (partial) *partial = false;
    return s;
  }
  ZoneCounts Counts() override { return {}; }
  Status Close() override { return Status::Ok(); }
  Status host_error() const override { return host_status; }
  Status PowerCycle() override {
    Call("powercycle");
    return power_status;
  }
  ZoneStatus Inject(ZoneFault fault, uint64_t zone_start) override {
    return Call(std::string("inject ") + (fault == ZoneFault::kReadOnly ? "readonly " : "offline ") +
                std::to_string(zone_start));
  }

  static std::string PayloadText(const Payload& p) {
    return (p.kind == Payload::Kind::kFill ? "fill:" : "seed:") + std::to_string(p.value);
  }

  std::vector<std::string> calls;
  std::map<std::string, ZoneStatus> fail_on;  // call text -> status to return
  uint8_t read_byte = 0;
  std::vector<uint8_t> read_data;  // when set, Read returns it (repeated) instead
  uint64_t append_at = 0;
  std::vector<ZoneReportEntry> report;
  Status power_status;
  Status host_status;  // what host_error() answers (after a kMediaError)

 private:
  ZoneStatus Call(const std::string& text) {
    calls.push_back(text);
    auto it = fail_on.find(text);
    return it == fail_on.end() ? ZoneStatus::kOk : it->second;
  }

  DeviceConfig config_;
};

// 8 zones of 1 MiB, the last 512 KiB long (size 7.5 MiB), linux profile.
inline DeviceConfig FakeConfig() {
  DeviceConfig c;
  c.size = 7 * (1ull << 20) + (512u << 10);
  c.zone_size = 1ull << 20;
  c.zone_capacity = 1ull << 20;
  c.params = profile_params(Profile::kLinux);
  return c;
}

}  // namespace zonesim::testing
