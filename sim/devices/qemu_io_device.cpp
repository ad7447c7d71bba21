#include "sim/devices/qemu_io_device.h"

#include <cinttypes>
#include <cstdio>

#include "sim/devices/qemu_io_protocol.h"
#include "zoned/zone_status.h"

namespace zonesim {

namespace {

std::string Format(const char* fmt, uint64_t a, uint64_t b) {
  char buf[96];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

const char* ManageCommand(ZoneAction a) {
  switch (a) {
    case ZoneAction::kOpen: return "zo";
    case ZoneAction::kClose: return "zc";
    case ZoneAction::kFinish: return "zf";
    case ZoneAction::kReset: return "zrs";
    default: return nullptr;  // Offline: qemu-io has no command for it
  }
}

// The first zone status whose Linux errno is err (zoned/zone_status.h's order).
std::optional<ZoneStatus> StatusForErrno(int err) {
  for (int i = 1; i < kZoneStatusCount; ++i) {
    ZoneStatus s = static_cast<ZoneStatus>(i);
    if (linux_errno(s) == err) return s;
  }
  return std::nullopt;
}

bool OnlyBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

}  // namespace

Status CheckQemuIoExpressible(const Operation& op) {
  switch (op.kind) {
    case OpKind::kWrite:
      if (op.payload.kind != Payload::Kind::kFill)
        return Status::InvalidArgument("write -S (seeded data) has no qemu-io form: use -P PATTERN");
      return Status::Ok();
    case OpKind::kAppend:
      if (op.payload != Payload::Fill(kDefaultPattern))
        return Status::InvalidArgument("qemu-io's zap always writes 0xcd: zap -P/-S has no qemu-io form");
      return Status::Ok();
    case OpKind::kRead:
      if (op.verify && op.payload.kind != Payload::Kind::kFill)
        return Status::InvalidArgument("read -S has no qemu-io form: use -P PATTERN");
      return Status::Ok();
    case OpKind::kReport:
      if (op.filter != ReportFilter::kAll)
        return Status::InvalidArgument("zrp -o " + std::string(report_option_name(op.filter)) +
                                       " has no qemu-io form: qemu-io's zrp has no reporting option (it reports every zone)");
      return Status::Ok();
    case OpKind::kOffline:
      return Status::InvalidArgument("zof (zone offline) has no qemu-io command");
    case OpKind::kDiscard:
      return Status::InvalidArgument("discard has no qemu-io zone form");
    case OpKind::kInjectReadOnly:
    case OpKind::kInjectOffline:
      return Status::InvalidArgument("inject is zonesim's own command: an external implementation cannot be told to fail a zone");
    default:
      return Status::Ok();
  }
}

Operation InQemuIoDialect(const Operation& op) {
  Operation r = op;
  if (op.kind == OpKind::kWrite && op.payload.kind == Payload::Kind::kSeeded)
    r.payload = Payload::Fill(static_cast<uint8_t>(1 + op.payload.value % 255));
  if (op.kind == OpKind::kAppend) r.payload = Payload::Fill(kDefaultPattern);
  if (op.kind == OpKind::kReport) r.filter = ReportFilter::kAll;  // zrp reports every zone
  return r;
}

Status QemuIoDevice::Open(const QemuIoOptions& options, const std::string& image, const DeviceConfig& config,
                          std::unique_ptr<QemuIoDevice>* out) {
  if (options.command.empty()) return Status::InvalidArgument("--qemu-io: empty command");
  std::unique_ptr<QemuIoDevice> d(new QemuIoDevice(options, image, config));
  Status s = d->Start();
  if (!s.ok()) return s;
  *out = std::move(d);
  return Status::Ok();
}

QemuIoDevice::~QemuIoDevice() = default;  // Subprocess kills a process still running

std::string QemuIoDevice::StderrTail() const {
  // The last three lines are what a developer needs to see first.
  std::string_view s = last_stderr_;
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  size_t cut = s.size();
  for (int lines = 0; lines < 3 && cut != std::string_view::npos && cut > 0; ++lines)
    cut = s.rfind('\n', cut - 1);
  std::string tail(cut == std::string_view::npos || cut == 0 ? s : s.substr(cut + 1));
  for (char& c : tail)
    if (c == '\n') c = '|';
  return tail.empty() ? "" : "; stderr: " + tail;
}

Status QemuIoDevice::Start() {
  std::vector<std::string> argv = options_.command;
  argv.push_back(image_);
  failure_ = Status::Ok();
  session_.clear();
  full_report_valid_ = false;
  Status s = Subprocess::Start(argv, &process_);
  if (!s.ok()) return Status::IoError("--qemu-io: " + s.message());
  std::string banner;
  Subprocess::ReadEnd end = process_->ReadUntil(kQemuIoPrompt, options_.timeout_ms, &banner);
  last_stderr_ = process_->TakeStderr();
  if (end == Subprocess::ReadEnd::kMarker) return Status::Ok();
  std::string why;
  if (end == Subprocess::ReadEnd::kTimeout) {
    why = "printed no prompt within " + std::to_string(options_.timeout_ms) + " ms";
    process_->Wait(0);
  } else {
    Subprocess::ExitStatus e = process_->Wait(options_.timeout_ms);
    last_stderr_ += process_->TakeStderr();
    why = "exited before its first prompt (" + e.Describe() + ")";
  }
  process_.reset();
  return Status::IoError("the implementation " + why + " on " + image_ + StderrTail());
}

ZoneStatus QemuIoDevice::Broken(std::string why) {
  if (failure_.ok()) failure_ = Status::IoError(std::move(why) + StderrTail());
  return ZoneStatus::kMediaError;
}

bool QemuIoDevice::Command(const std::string& line, std::string* answer) {
  if (!failure_.ok()) return false;
  if (!process_) {
    Broken("the implementation is not running");
    return false;
  }
  session_.push_back(line);
  if (line.rfind("zrp ", 0) != 0) full_report_valid_ = false;
  Status s = process_->Write(line + "\n");
  if (!s.ok()) {
    last_stderr_ = process_->TakeStderr();
    Subprocess::ExitStatus e = process_->Wait(options_.timeout_ms);
    Broken("'" + line + "': the implementation is gone (" + e.Describe() + ")");
    process_.reset();
    return false;
  }
  Subprocess::ReadEnd end = process_->ReadUntil(kQemuIoPrompt, options_.timeout_ms, answer);
  // qemu-io writes stderr before the next prompt, so all of it is in the pipe.
  last_stderr_ = process_->TakeStderr();
  if (end == Subprocess::ReadEnd::kMarker) return true;
  if (end == Subprocess::ReadEnd::kTimeout) {
    process_->Wait(0);
    process_.reset();
    Broken("'" + line + "': no answer within " + std::to_string(options_.timeout_ms) + " ms");
    return false;
  }
  Subprocess::ExitStatus e = process_->Wait(options_.timeout_ms);
  last_stderr_ += process_->TakeStderr();
  process_.reset();
  Broken("'" + line + "': the implementation " +
         (e.exited && e.code == 0 ? std::string("exited") : "died (" + e.Describe() + ")") +
         " before its next prompt");
  return false;
}

ZoneStatus QemuIoDevice::FailureStatus(const std::string& line, const std::string& answer) {
  std::optional<QemuIoFailure> f = FindFailure(answer);
  if (!f) return ZoneStatus::kOk;
  if (!f->err) return Broken("'" + line + "': unknown failure text '" + f->reason + "'");
  std::optional<ZoneStatus> st = StatusForErrno(*f->err);
  if (!st) return Broken("'" + line + "' failed with " + ErrnoName(*f->err) + ", which no zone status gives");
  return *st;
}

ZoneStatus QemuIoDevice::Write(uint64_t offset, uint64_t length, const Payload& data) {
  if (data.kind != Payload::Kind::kFill) return Broken("write -S (seeded data) has no qemu-io form");
  std::string line = "write -P 0x" + Format("%02" PRIx64, data.value & 0xff, 0) + Format(" %" PRIu64 " %" PRIu64, offset, length);
  std::string answer;
  if (!Command(line, &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus(line, answer);
  if (st != ZoneStatus::kOk) return st;
  if (!HasTransferLine(answer, "wrote", offset, length)) return Broken("'" + line + "': unparseable answer '" + answer + "'");
  return ZoneStatus::kOk;
}

ZoneStatus QemuIoDevice::Append(uint64_t zone_start, uint64_t length, const Payload& data, uint64_t* assigned) {
  if (data != Payload::Fill(kDefaultPattern)) return Broken("qemu-io's zap writes 0xcd only");
  // qemu-io counts -p among zap's 3 to 4 arguments: always send it.
  std::string line = Format("zap -p %" PRIu64 " %" PRIu64, zone_start, length);
  std::string answer;
  if (!Command(line, &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus(line, answer);
  if (st != ZoneStatus::kOk) return st;
  std::optional<uint64_t> at = ParseAppendSector(answer);
  if (!at) return Broken("'" + line + "': no append sector in the answer '" + answer + "'");
  *assigned = *at;
  return ZoneStatus::kOk;
}

ZoneStatus QemuIoDevice::Read(uint64_t offset, uint64_t length, uint8_t* out) {
  std::string line = Format("read -v %" PRIu64 " %" PRIu64, offset, length);
  std::string answer;
  if (!Command(line, &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus(line, answer);
  if (st != ZoneStatus::kOk) return st;
  if (!HasTransferLine(answer, "read", offset, length)) return Broken("'" + line + "': no 'read' line in the answer");
  Status s = ParseDump(answer, offset, length, out);
  if (!s.ok()) return Broken("'" + line + "': " + s.message());
  return ZoneStatus::kOk;
}

ZoneStatus QemuIoDevice::Flush() {
  std::string answer;
  if (!Command("flush", &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus("flush", answer);
  if (st == ZoneStatus::kOk && !OnlyBlank(answer)) return Broken("'flush': unexpected answer '" + answer + "'");
  return st;
}

ZoneStatus QemuIoDevice::Manage(ZoneAction action, uint64_t zone_start) {
  const char* cmd = ManageCommand(action);
  if (!cmd) return Broken("zone offline has no qemu-io command");
  uint64_t len = zone_start < config_.size ? config_.zone_length(config_.zone_index(zone_start)) : config_.zone_size;
  std::string line = std::string(cmd) + Format(" %" PRIu64 " %" PRIu64, zone_start, len);
  std::string answer;
  if (!Command(line, &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus(line, answer);
  if (st == ZoneStatus::kOk && !OnlyBlank(answer)) return Broken("'" + line + "': unexpected answer '" + answer + "'");
  return st;
}

ZoneStatus QemuIoDevice::ManageAll(ZoneAction action) {
  const char* cmd = ManageCommand(action);
  if (!cmd) return Broken("zone offline has no qemu-io command");
  // A range equal to the whole device is the all-zones form.
  std::string line = std::string(cmd) + Format(" %" PRIu64 " %" PRIu64, 0, config_.size);
  std::string answer;
  if (!Command(line, &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus(line, answer);
  if (st == ZoneStatus::kOk && !OnlyBlank(answer)) return Broken("'" + line + "': unexpected answer '" + answer + "'");
  return st;
}

ZoneStatus QemuIoDevice::Report(uint64_t offset, uint32_t max_zones, ReportFilter filter,
                                std::vector<ZoneReportEntry>* out, bool* partial) {
  out->clear();
  if (partial) *partial = false;
  // qemu-io's zrp has no reporting options: only the unfiltered report exists.
  if (filter != ReportFilter::kAll) return ZoneStatus::kNotSupported;
  const uint32_t first = offset < config_.size ? config_.zone_index(offset) : config_.nr_zones();
  const uint32_t left = config_.nr_zones() > first ? config_.nr_zones() - first : 0;
  const uint32_t nr = max_zones == 0 || max_zones > left ? (left == 0 ? 1 : left) : max_zones;
  std::string line = Format("zrp %" PRIu64 " %" PRIu64, offset, nr);
  std::string answer;
  if (!Command(line, &answer)) return ZoneStatus::kMediaError;
  ZoneStatus st = FailureStatus(line, answer);
  if (st != ZoneStatus::kOk) return st;
  Status s = ParseZoneReport(answer, out);
  if (!s.ok()) return Broken("'" + line + "': " + s.message());
  if (partial) *partial = max_zones != 0 && out->size() == max_zones && first + max_zones < config_.nr_zones();
  if (first == 0 && out->size() == config_.nr_zones()) {
    full_report_ = *out;
    full_report_valid_ = true;
  }
  return ZoneStatus::kOk;
}

ZoneCounts QemuIoDevice::Counts() {
  // qemu-io shows no counters: derive them from the conditions it reports.
  ZoneCounts c;
  if (!full_report_valid_) {
    std::vector<ZoneReportEntry> zones;
    bool partial = false;
    if (Report(0, 0, ReportFilter::kAll, &zones, &partial) != ZoneStatus::kOk) return c;
  }
  for (const ZoneReportEntry& z : full_report_) {
    if (z.cond == ZoneCondition::kImplicitOpen) ++c.implicit_open;
    if (z.cond == ZoneCondition::kExplicitOpen) ++c.explicit_open;
    if (z.cond == ZoneCondition::kClosed) ++c.closed;
  }
  return c;
}

Status QemuIoDevice::Quit() {
  if (!process_) return failure_;
  session_.push_back("quit");
  Status w = process_->Write("quit\n");
  process_->CloseStdin();
  std::string rest;
  process_->ReadUntil(kQemuIoPrompt, 0, &rest);
  Subprocess::ExitStatus e = process_->Wait(options_.timeout_ms);
  last_stderr_ = process_->TakeStderr();
  process_.reset();
  // qemu-io exits 1 after a session in which a command failed: that is not a
  // failure of the process. A signal or a hang is.
  if (e.timed_out || e.signal != 0 || (e.exited && e.code > 1))
    return Status::IoError("the implementation did not quit cleanly (" + e.Describe() + ")" + StderrTail());
  return Status::Ok();
}

Status QemuIoDevice::PowerCycle() {
  if (!failure_.ok()) return failure_;
  Status s = Quit();
  if (!s.ok()) {
    failure_ = s;
    return s;
  }
  s = Start();
  if (!s.ok()) failure_ = s;
  return s;
}

// The crash spec cannot reach into another process's page cache: whatever it
// asks, the file keeps every write the process issued (the keep-all state).
Status QemuIoDevice::PowerLoss(const CrashSpec&) {
  if (!failure_.ok()) return failure_;
  if (process_) {
    session_.push_back("# power loss: kill -9");
    Subprocess::ExitStatus e = process_->Kill();
    last_stderr_ = process_->TakeStderr();
    process_.reset();
    if (e.exited) {
      // It was gone before the signal: it died on its own, which is a failure of it.
      failure_ = Status::IoError("the implementation exited before the power loss (" + e.Describe() + ")" +
                                 StderrTail());
      return failure_;
    }
  }
  Status s = Start();
  if (!s.ok()) failure_ = s;
  return s;
}

ZoneStatus QemuIoDevice::Inject(ZoneFault, uint64_t) {
  return Broken("inject is zonesim's own command: an external implementation cannot be told to fail a zone");
}

Status QemuIoDevice::Close() {
  Status s = Quit();
  return failure_.ok() ? s : failure_;
}

}  // namespace zonesim
