#include "sim/io_runner.h"

#include <algorithm>
#include <cstdarg>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "model/device_config.h"
#include "model/zone_status.h"
#include "traces/script.h"

namespace zonesim {

namespace {

// Host-side errno texts (glibc strerror), fixed so output never depends on the locale.
constexpr std::string_view kEINVAL = "Invalid argument";
constexpr std::string_view kEIO = "Input/output error";

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return std::string(buf, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

// qemu-io's dump_buffer: "%08lx:  ", 16 bytes as "%02x ", a space, then the
// bytes as characters (isalnum in the C locale, else '.').
void dump_buffer(const uint8_t* buf, uint64_t offset, uint64_t len, std::ostream& out) {
  for (uint64_t i = 0; i < len; i += 16) {
    std::string line = format("%08" PRIx64 ":  ", offset + i);
    uint64_t n = std::min<uint64_t>(16, len - i);
    for (uint64_t j = 0; j < n; ++j) line += format("%02x ", buf[i + j]);
    line += ' ';
    for (uint64_t j = 0; j < n; ++j) {
      uint8_t c = buf[i + j];
      bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      line += alnum ? static_cast<char>(c) : '.';
    }
    line += '\n';
    out << line;
  }
}

bool matches(const Payload& p, const uint8_t* data, uint64_t len) {
  uint8_t expect[4096];
  for (uint64_t done = 0; done < len;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(sizeof expect, len - done));
    p.Generate(done, n, expect);
    if (std::memcmp(expect, data + done, n) != 0) return false;
    done += n;
  }
  return true;
}

}  // namespace

uint64_t to_sector(uint64_t bytes) {
  // QEMU: static inline int64_t tosector(int64_t bytes) { return bytes >> BDRV_SECTOR_BITS; }
  return static_cast<uint64_t>(static_cast<int64_t>(bytes) >> 9);
}

std::string_view failure_name(OpKind k) {
  switch (k) {
    case OpKind::kRead: return "read";
    case OpKind::kWrite: return "write";
    case OpKind::kAppend: return "zone append";
    case OpKind::kFlush: return "flush";
    case OpKind::kDiscard: return "discard";
    case OpKind::kOpen: return "zone open";
    case OpKind::kClose: return "zone close";
    case OpKind::kFinish: return "zone finish";
    case OpKind::kReset: return "zone reset";
    case OpKind::kOffline: return "zone offline";
    case OpKind::kReport: return "zone report";
    case OpKind::kPowerCycle: return "powercycle";
    case OpKind::kInjectReadOnly:
    case OpKind::kInjectOffline: return "inject";
  }
  return "command";
}

ZoneRangeResult ManageZoneRange(Device& device, ZoneAction action, uint64_t offset, uint64_t length) {
  const DeviceConfig& c = device.config();
  ZoneRangeResult r;
  // QEMU block/block-backend.c blk_check_byte_request: out of range -> -EIO.
  if (offset > c.size || length > c.size - offset) {
    r.host_error = kEIO;
    return r;
  }
  // Linux block/blk-zoned.c blkdev_zone_mgmt (and QEMU file-posix
  // raw_co_zone_mgmt): empty range, a start that is not a zone start, or a
  // length that is not whole zones unless it ends at the device end -> -EINVAL.
  bool reaches_end = offset + length == c.size;
  if (length == 0 || offset % c.zone_size != 0 || (length % c.zone_size != 0 && !reaches_end)) {
    r.host_error = kEINVAL;
    return r;
  }
  if (offset == 0 && length == c.size) {
    r.status = device.ManageAll(action);
    return r;
  }
  for (uint64_t start = offset; start < offset + length; start += c.zone_size) {
    r.status = device.Manage(action, start);
    if (r.status != ZoneStatus::kOk) break;
  }
  return r;
}

std::string IoRunner::Reason(ZoneStatus s) const {
  return describe(s, device_->config().params.profile);
}

bool IoRunner::Execute(const Operation& op, std::ostream& out) {
  ++executed_;
  bool ok = Run(op, out);
  if (!ok) ++failed_;
  return ok;
}

bool IoRunner::Run(const Operation& op, std::ostream& out) {
  std::string failed = std::string(failure_name(op.kind)) + " failed: ";
  switch (op.kind) {
    case OpKind::kRead:
      return RunRead(op, out);
    case OpKind::kReport:
      return RunReport(op, out);
    case OpKind::kWrite: {
      if (op.length > kMaxScriptIoBytes) {
        out << failed << "length " << op.length << " exceeds the maximum " << kMaxScriptIoBytes << "\n";
        return false;
      }
      ZoneStatus s = device_->Write(op.offset, op.length, op.payload);
      if (s != ZoneStatus::kOk) {
        out << failed << Reason(s) << "\n";
        return false;
      }
      // print_report("wrote", ...): first line only (the second is timing).
      out << format("wrote %" PRId64 "/%" PRId64 " bytes at offset %" PRId64 "\n",
                    static_cast<int64_t>(op.length), static_cast<int64_t>(op.length),
                    static_cast<int64_t>(op.offset));
      return true;
    }
    case OpKind::kAppend: {
      if (op.length > kMaxScriptIoBytes) {
        out << failed << "length " << op.length << " exceeds the maximum " << kMaxScriptIoBytes << "\n";
        return false;
      }
      uint64_t assigned = 0;
      ZoneStatus s = device_->Append(op.offset, op.length, op.payload, &assigned);
      if (s != ZoneStatus::kOk) {
        out << failed << Reason(s) << "\n";
        return false;
      }
      if (op.print_sector)
        out << format("After zap done, the append sector is 0x%" PRIx64 "\n", to_sector(assigned));
      return true;
    }
    case OpKind::kFlush: {
      ZoneStatus s = device_->Flush();
      if (s != ZoneStatus::kOk) {
        out << failed << Reason(s) << "\n";
        return false;
      }
      return true;
    }
    case OpKind::kDiscard:
      // The Device interface has no discard: a zoned device resets zones instead.
      out << failed << Reason(ZoneStatus::kNotSupported) << "\n";
      return false;
    case OpKind::kOpen:
    case OpKind::kClose:
    case OpKind::kFinish:
    case OpKind::kReset:
    case OpKind::kOffline: {
      ZoneRangeResult r = ManageZoneRange(*device_, zone_action_of(op.kind), op.offset, op.length);
      if (!r.host_error.empty()) {
        out << failed << r.host_error << "\n";
        return false;
      }
      if (r.status != ZoneStatus::kOk) {
        out << failed << Reason(r.status) << "\n";
        return false;
      }
      return true;
    }
    case OpKind::kPowerCycle: {
      Status s = device_->PowerCycle();
      if (!s.ok()) {
        out << failed << s.ToString() << "\n";
        return false;
      }
      return true;
    }
    case OpKind::kInjectReadOnly:
    case OpKind::kInjectOffline: {
      ZoneFault f = op.kind == OpKind::kInjectReadOnly ? ZoneFault::kReadOnly : ZoneFault::kOffline;
      ZoneStatus s = device_->Inject(f, op.offset);
      if (s != ZoneStatus::kOk) {
        out << failed << Reason(s) << "\n";
        return false;
      }
      return true;
    }
  }
  out << failed << "unknown operation\n";
  return false;
}

bool IoRunner::RunRead(const Operation& op, std::ostream& out) {
  if (op.length > kMaxScriptIoBytes) {
    out << "read failed: length " << op.length << " exceeds the maximum " << kMaxScriptIoBytes << "\n";
    return false;
  }
  std::vector<uint8_t> buf(static_cast<size_t>(op.length));
  ZoneStatus s = device_->Read(op.offset, op.length, buf.data());
  if (s != ZoneStatus::kOk) {
    out << "read failed: " << Reason(s) << "\n";
    return false;
  }
  bool ok = true;
  // read_f -P: the whole request is compared; the message names the request,
  // not the first differing byte.
  if (op.verify && !matches(op.payload, buf.data(), op.length)) {
    out << format("Pattern verification failed at offset %" PRId64 ", %" PRId64 " bytes\n",
                  static_cast<int64_t>(op.offset), static_cast<int64_t>(op.length));
    ok = false;
  }
  if (op.dump) dump_buffer(buf.data(), op.offset, op.length, out);
  out << format("read %" PRId64 "/%" PRId64 " bytes at offset %" PRId64 "\n",
                static_cast<int64_t>(op.length), static_cast<int64_t>(op.length),
                static_cast<int64_t>(op.offset));
  return ok;
}

bool IoRunner::RunReport(const Operation& op, std::ostream& out) {
  // zone_report_f allocates NR descriptors; NR = 0 reports nothing.
  if (op.count == 0) return true;
  std::vector<ZoneReportEntry> zones;
  bool partial = false;
  ZoneStatus s = device_->Report(op.offset, op.count, ReportFilter::kAll, &zones, &partial);
  if (s != ZoneStatus::kOk) {
    out << "zone report failed: " << Reason(s) << "\n";
    return false;
  }
  for (const ZoneReportEntry& z : zones) {
    out << format("start: 0x%" PRIx64 ", len 0x%" PRIx64 ", cap 0x%" PRIx64 ", wptr 0x%" PRIx64
                  ", zcond:%u, [type: %u]\n",
                  to_sector(z.start), to_sector(z.length), to_sector(z.capacity), to_sector(z.wp),
                  static_cast<unsigned>(z.cond), static_cast<unsigned>(z.type));
  }
  return true;
}

int RunOperations(Device* device, const std::vector<Operation>& ops, std::ostream& out) {
  IoRunner runner(device);
  for (const Operation& op : ops) runner.Execute(op, out);
  return runner.exit_status();
}

}  // namespace zonesim
