#include "sim/exec/io_runner.h"

#include <algorithm>
#include <cstdarg>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "zoned/device_config.h"
#include "zoned/zone_status.h"
#include "zoned/script.h"
#include "sim/exec/op_outcome.h"

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

bool IoRunner::Execute(const Operation& op, std::ostream& out) {
  ++executed_;
  // The same call the lockstep checker makes; only the printing is qemu-io's.
  ApplyLimits limits;
  limits.max_request_bytes = kMaxScriptIoBytes;
  limits.max_read_bytes = kMaxScriptIoBytes;
  OpOutcome outcome = ApplyOperation(*device_, op, limits);
  const ZoneParams& params = device_->config().params;
  bool ok = PrintQemuIoOutcome(op, outcome, params.profile, out, params.errnos);
  if (!ok) ++failed_;
  return ok;
}

bool PrintQemuIoOutcome(const Operation& op, const OpOutcome& o, Profile profile, std::ostream& out,
                        ErrnoVocabulary errnos) {
  const std::string failed = std::string(qemu_io_name(op.kind)) + " failed: ";
  if (!o.refusal.empty()) {
    out << failed << o.refusal << "\n";
    return false;
  }
  if (!o.host_error.empty()) {
    out << failed << o.host_error << "\n";
    return false;
  }
  if (!o.device_error.empty()) {
    out << failed << o.device_error << "\n";
    return false;
  }
  if (o.status != ZoneStatus::kOk) {
    out << failed << describe(o.status, profile, zone_errno(o.status, errnos, op.kind == OpKind::kAppend)) << "\n";
    return false;
  }
  switch (op.kind) {
    case OpKind::kWrite:
      // print_report("wrote", ...): first line only (the second is timing).
      out << format("wrote %" PRId64 "/%" PRId64 " bytes at offset %" PRId64 "\n",
                    static_cast<int64_t>(op.length), static_cast<int64_t>(op.length),
                    static_cast<int64_t>(op.offset));
      return true;
    case OpKind::kAppend:
      if (op.print_sector)
        out << format("After zap done, the append sector is 0x%" PRIx64 "\n", to_sector(o.assigned));
      return true;
    case OpKind::kRead: {
      bool ok = true;
      // read_f -P: the whole request is compared; the message names the
      // request, not the first differing byte.
      if (op.verify && !matches(op.payload, o.data.data(), op.length)) {
        out << format("Pattern verification failed at offset %" PRId64 ", %" PRId64 " bytes\n",
                      static_cast<int64_t>(op.offset), static_cast<int64_t>(op.length));
        ok = false;
      }
      if (op.dump) dump_buffer(o.data.data(), op.offset, op.length, out);
      out << format("read %" PRId64 "/%" PRId64 " bytes at offset %" PRId64 "\n",
                    static_cast<int64_t>(op.length), static_cast<int64_t>(op.length),
                    static_cast<int64_t>(op.offset));
      return ok;
    }
    case OpKind::kReport:
      for (const ZoneReportEntry& z : o.report) {
        out << format("start: 0x%" PRIx64 ", len 0x%" PRIx64 ", cap 0x%" PRIx64 ", wptr 0x%" PRIx64
                      ", zcond:%u, [type: %u]\n",
                      to_sector(z.start), to_sector(z.length), to_sector(z.capacity), to_sector(z.wp),
                      static_cast<unsigned>(z.cond), static_cast<unsigned>(z.type));
      }
      // qemu-io's zrp has no reporting option, so an unfiltered report stays
      // byte for byte qemu-io's; a filtered one (zonesim's -o) also says how
      // many zones it returned and whether more matching zones follow.
      if (op.filter != ReportFilter::kAll)
        out << "zone report -o " << report_option_name(op.filter) << ": " << o.report.size()
            << (o.report.size() == 1 ? " zone" : " zones") << (o.partial ? ", partial (more match)\n" : ", complete\n");
      return true;
    default:
      return true;
  }
}

int RunOperations(Device* device, const std::vector<Operation>& ops, std::ostream& out) {
  IoRunner runner(device);
  for (const Operation& op : ops) runner.Execute(op, out);
  return runner.exit_status();
}

}  // namespace zonesim
