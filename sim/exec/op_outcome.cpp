#include "sim/exec/op_outcome.h"

#include <cstdio>
#include <string>

#include "sim/exec/io_runner.h"

namespace zonesim {

std::string OpOutcome::Summary() const {
  if (!device_error.empty()) return "device error: " + device_error;
  if (!host_error.empty()) return "host: " + host_error;
  if (!refusal.empty()) return "refused: " + refusal;
  std::string out(status_id(status));
  if (status == ZoneStatus::kOk && assigned != 0) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " assigned=0x%llx", static_cast<unsigned long long>(assigned));
    out += buf;
  }
  return out;
}

OpOutcome ApplyOperation(Device& device, const Operation& op, const ApplyLimits& limits) {
  OpOutcome out;
  ApplyOperationInto(device, op, &out, limits);
  return out;
}

void ApplyOperationInto(Device& device, const Operation& op, OpOutcome* reused, const ApplyLimits& limits) {
  std::vector<uint8_t> data = std::move(reused->data);
  std::vector<ZoneReportEntry> report = std::move(reused->report);
  *reused = OpOutcome{};
  data.clear();
  report.clear();
  reused->data = std::move(data);
  reused->report = std::move(report);
  OpOutcome& out = *reused;
  bool carries_data = op.kind == OpKind::kRead || op.kind == OpKind::kWrite || op.kind == OpKind::kAppend;
  if (carries_data && op.length > limits.max_request_bytes) {
    out.refusal = "length " + std::to_string(op.length) + " exceeds the maximum " +
                  std::to_string(limits.max_request_bytes);
    return;
  }
  switch (op.kind) {
    case OpKind::kRead:
      if (op.length > limits.max_read_bytes) {
        out.status = ZoneStatus::kInvalidField;
        break;
      }
      if (limits.status_only_reads) {
        out.status = device.Read(op.offset, op.length, nullptr);
        break;
      }
      out.data.resize(op.length);
      out.status = device.Read(op.offset, op.length, out.data.data());
      if (out.status != ZoneStatus::kOk) out.data.clear();
      break;
    case OpKind::kWrite:
      out.status = device.Write(op.offset, op.length, op.payload);
      break;
    case OpKind::kAppend:
      out.status = device.Append(op.offset, op.length, op.payload, &out.assigned);
      if (out.status != ZoneStatus::kOk) out.assigned = 0;
      break;
    case OpKind::kFlush:
      out.status = device.Flush();
      break;
    case OpKind::kDiscard:
      // A zoned device has no discard; replay maps trims before they get here.
      out.status = ZoneStatus::kNotSupported;
      break;
    case OpKind::kOpen:
    case OpKind::kClose:
    case OpKind::kFinish:
    case OpKind::kReset:
    case OpKind::kOffline: {
      ZoneRangeResult r = ManageZoneRange(device, zone_action_of(op.kind), op.offset, op.length);
      out.host_error = std::string(r.host_error);
      out.status = r.status;
      break;
    }
    case OpKind::kReport:
      if (op.count == 0) break;  // zone_report_f allocates NR descriptors: none
      out.status = device.Report(op.offset, op.count, op.filter, &out.report, &out.partial);
      break;
    case OpKind::kPowerCycle: {
      Status s = device.PowerCycle();
      if (!s.ok()) out.device_error = s.ToString();
      break;
    }
    case OpKind::kPowerLoss: {
      Status s = device.PowerLoss(op.crash);
      if (!s.ok()) out.device_error = s.ToString();
      break;
    }
    case OpKind::kInjectReadOnly:
      out.status = device.Inject(ZoneFault::kReadOnly, op.offset);
      break;
    case OpKind::kInjectOffline:
      out.status = device.Inject(ZoneFault::kOffline, op.offset);
      break;
  }
  // A media error may stand for a failure of the device's host: carry its
  // cause (call, path, offset, errno text) to whoever prints the outcome.
  if (out.status == ZoneStatus::kMediaError && out.device_error.empty()) {
    Status host = device.host_error();
    if (!host.ok()) out.device_error = host.message();
  }
}

ZoneSpan ZonesTouched(const Operation& in, const DeviceConfig& config) {
  const Operation op = ResolveZoneRange(in, config);
  ZoneSpan s;
  uint32_t last_zone = config.nr_zones() - 1;
  auto clamp = [&](uint64_t off) {
    uint32_t z = off >= config.size ? last_zone : config.zone_index(off);
    return z;
  };
  switch (op.kind) {
    case OpKind::kPowerCycle:
    case OpKind::kPowerLoss:
    case OpKind::kFlush:
      s.all = true;
      return s;
    case OpKind::kReport:
      s.first = clamp(op.offset);
      s.last = last_zone;
      return s;
    default:
      break;
  }
  if (is_zone_management(op.kind) && op.offset == 0 && op.length == config.size) {
    s.all = true;
    return s;
  }
  s.first = clamp(op.offset);
  uint64_t end = op.length == 0 ? op.offset : op.offset + op.length - 1;
  if (end < op.offset) end = config.size - 1;  // overflow
  s.last = clamp(end);
  return s;
}

}  // namespace zonesim
