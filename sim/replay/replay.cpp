#include "sim/replay/replay.h"

#include "common/rng.h"
#include "sim/lockstep/workload.h"
#include "sim/replay/timestamp_span.h"

#include <algorithm>
#include <memory>

#include "zoned/zone_status.h"
#include "sim/devices/image_setup.h"
#include "sim/devices/lockstep_setup.h"
#include "sim/exec/op_outcome.h"
#include "sim/replay/replay_device.h"
#include "sim/replay/replay_selection.h"
#include "traces/fio_iolog_writer.h"
#include "zoned/script.h"
#include "traces/script_writer.h"
#include "traces/trace_open.h"

namespace zonesim {

namespace {

std::string DescribeDevice(const ReplayOptions& o, const ReplayResult& r) {
  if (!o.image_geometry_of.empty())
    return "geometry and limits of image " + o.image_geometry_of +
           " (replayed on a fresh image of that geometry; the file itself is not touched)";
  if (!r.sized_for_trace) return "as configured";
  const uint32_t n = r.config.nr_zones();
  return "sized for the trace (" + std::to_string(n) + (n == 1 ? " zone" : " zones") +
         (r.size_capped ? ", capped" : "") + ")";
}

// Streams the trace through the checker. One instance per replay.
class Replayer {
 public:
  Replayer(const ReplayOptions& o, ReplayResult* r, TraceFormat format, Device* device,
           ScriptWriter* script, FioIologWriter* iolog)
      : o_(o),
        r_(r),
        config_(r->config),
        format_(format),
        checker_(r->config, device, 16, o.full_compare_every),
        mapper_(o.map, r->config),
        violations_(o.quote_limit),
        script_(script),
        iolog_(iolog),
        touched_(r->config.nr_zones(), false) {
    StatusMatch match;
    match.errno_only = o.dut.external();
    match.vocabulary = o.errno_vocabulary;
    match.model_errnos = r->config.params.errnos;
    checker_.set_status_match(match);
    power_at_ = o.power_cycle_at;
    std::sort(power_at_.begin(), power_at_.end());
    power_at_.erase(std::unique(power_at_.begin(), power_at_.end()), power_at_.end());
    loss_at_ = o.power_loss_at;
    std::sort(loss_at_.begin(), loss_at_.end());
    loss_at_.erase(std::unique(loss_at_.begin(), loss_at_.end()), loss_at_.end());
  }

  Status Run(TraceReader* reader, IoStage stage, uint64_t total);

 private:
  // Runs op on both devices; false on divergence (or an output error in io_error_).
  bool Execute(const Operation& op, const TraceEvent& ev, uint64_t event_no);
  // The trace's request, rewritten where a zoned replay must (see replay.h).
  bool Handle(const Operation& op, const TraceEvent& ev, uint64_t event_no);
  Status WriteOutputs(const Operation& op);
  void Touch(const Operation& op);
  void Finish(TraceReader* reader, const ReplaySelector& selector);

  std::optional<uint32_t> SequentialZoneStartingAt(uint64_t offset) const {
    if (offset >= config_.size) return std::nullopt;
    uint32_t z = config_.zone_index(offset);
    if (config_.zone_start(z) != offset || config_.is_conventional(z)) return std::nullopt;
    return z;
  }
  Operation ResetOf(uint32_t z) const {
    Operation reset;
    reset.kind = OpKind::kReset;
    reset.offset = config_.zone_start(z);
    reset.length = config_.zone_length(z);
    return reset;
  }

  const ReplayOptions& o_;
  ReplayResult* r_;
  const DeviceConfig& config_;
  TraceFormat format_;
  LockstepChecker checker_;
  AddressMapper mapper_;
  ViolationLog violations_;
  ScriptWriter* script_;
  FioIologWriter* iolog_;
  Status io_error_;
  std::vector<bool> touched_;
  std::vector<uint64_t> power_at_;
  size_t next_power_ = 0;
  std::vector<uint64_t> loss_at_;
  size_t next_loss_ = 0;
  Rng loss_rng_{o_.seed};
  bool have_time_ = false;
  TimestampSpan times_;
};

Status Replayer::WriteOutputs(const Operation& op) {
  // op's zone ranges are already explicit (Execute resolved them).
  const Operation& resolved = op;
  if (script_) {
    Status s = script_->Write(resolved);
    if (!s.ok()) return s;
  }
  if (iolog_) {
    Status s = iolog_->Write(resolved);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

void Replayer::Touch(const Operation& op) {
  if (!HasAddress(op) || op.offset >= config_.size) return;
  ZoneSpan span = ZonesTouched(op, config_);
  if (span.all) return;
  for (uint32_t z = span.first; z <= span.last && z < touched_.size(); ++z) touched_[z] = true;
}

bool Replayer::Execute(const Operation& traced, const TraceEvent& ev, uint64_t event_no) {
  // Traces name zone ranges without a length (zoned/operation.h); the devices
  // take ranges literally, as qemu-io does.
  Operation op = ResolveZoneRange(traced, config_);
  if (o_.dut.external()) op = InQemuIoDialect(op);
  Status s = WriteOutputs(op);
  if (!s.ok()) {
    io_error_ = s;
    return false;
  }
  if (!checker_.Step(op)) {
    r_->divergence_event = QuoteEvent(ev, event_no);
    r_->divergence_event->operation = FormatScriptLine(traced);  // as the trace named it
    return false;
  }
  Touch(op);
  const std::string& host_error = checker_.last_host_error();
  if (host_error.empty() && checker_.last_model_status() == ZoneStatus::kOk) return true;

  std::string kind;
  const Operation& resolved = op;
  if (!host_error.empty()) {
    // ManageZoneRange: EIO past the end (QEMU blk_check_byte_request),
    // EINVAL for a misaligned range (Linux blkdev_zone_mgmt).
    const bool beyond = resolved.offset >= config_.size || resolved.length > config_.size - resolved.offset;
    kind = beyond ? std::string(status_id(ZoneStatus::kLbaOutOfRange)) : std::string(kMisalignedZoneRange);
  } else {
    kind = std::string(status_id(checker_.last_model_status()));
  }
  std::optional<uint32_t> zone;
  if (HasAddress(op) && op.offset < config_.size) zone = config_.zone_index(op.offset);
  violations_.Add(kind, zone, ev, event_no, FormatScriptLine(traced));
  return true;
}

bool Replayer::Handle(const Operation& op, const TraceEvent& ev, uint64_t event_no) {
  if (op.kind == OpKind::kDiscard) {
    // fio zbd.c zbd_do_io_u_trim: fio in zonemode=zbd runs a trim at a
    // sequential zone's start as a zone reset; its logs show such a trim of
    // one whole zone for each reset fio did on purpose.
    std::optional<uint32_t> z = SequentialZoneStartingAt(op.offset);
    if (format_ == TraceFormat::kFioIolog && z && op.length == config_.zone_length(*z)) {
      Operation reset = ResetOf(*z);
      r_->trims_as_resets.Add(ev, event_no, FormatScriptLine(reset));
      return Execute(reset, ev, event_no);
    }
    // Any other discard is outside the zone model (it moves no write pointer;
    // neither the model nor the qcow2 emulation implements one): a violation
    // of its own kind, not run.
    std::optional<uint32_t> zone;
    if (op.offset < config_.size) zone = config_.zone_index(op.offset);
    violations_.Add(kDiscardOnZonedDevice, zone, ev, event_no, "");
    return true;
  }
  if (op.kind == OpKind::kWrite && op.length == 0 && format_ == TraceFormat::kBlkparseText) {
    // blkparse prints no sector for a request without data at the queue and
    // issue stages ("Q W [proc]"): the zone of a v7 zone reset is unknown.
    r_->zero_writes_skipped.Add(ev, event_no, "");
    return true;
  }
  if (op.kind == OpKind::kWrite && op.length == 0 && format_ == TraceFormat::kBlktrace) {
    // blktrace v7 records REQ_OP_ZONE_RESET as a write of no data at the zone
    // start (no zone categories before the v8 record).
    if (std::optional<uint32_t> z = SequentialZoneStartingAt(op.offset)) {
      Operation reset = ResetOf(*z);
      r_->zero_writes_as_resets.Add(ev, event_no, FormatScriptLine(reset));
      return Execute(reset, ev, event_no);
    }
  }
  if (op.kind == OpKind::kWrite && op.length > 0) {
    if (std::optional<uint32_t> z = SequentialZoneStartingAt(op.offset)) {
      const ZoneCondition c = checker_.model().zone(*z).cond;
      const bool written = c == ZoneCondition::kImplicitOpen || c == ZoneCondition::kExplicitOpen ||
                           c == ZoneCondition::kClosed || c == ZoneCondition::kFull;
      if (written && o_.infer_resets) {
        Operation reset = ResetOf(*z);
        r_->implied_resets.Add(ev, event_no, FormatScriptLine(reset));
        if (!Execute(reset, ev, event_no)) return false;
      } else if (written) {
        r_->rewinds.Add(ev, event_no, FormatScriptLine(op));
      }
    }
  }
  return Execute(op, ev, event_no);
}

Status Replayer::Run(TraceReader* reader, IoStage stage, uint64_t total) {
  ReplaySelector selector(reader->format(), stage);
  TraceEvent ev;
  uint64_t event_no = 0;
  uint64_t reported = UINT64_MAX;  // the last count shown, so the end is not shown twice
  for (;;) {
    bool eof = false;
    Status s = reader->Next(&ev, &eof);
    if (!s.ok()) return s;
    if (eof) break;
    ++r_->records;
    if (selector.Classify(ev) != ReplaySelector::Verdict::kIo) continue;
    ++event_no;
    ++r_->io_event_kinds[std::string(to_string(ev.op.kind))];
    if (ev.has_timestamp) {
      have_time_ = true;
      times_.Add(ev.timestamp_ns);
    }
    bool go_on = Handle(mapper_.Map(ev.op), ev, event_no);
    if (go_on) {
      bool cycle = o_.power_cycle_every != 0 && event_no % o_.power_cycle_every == 0;
      while (next_power_ < power_at_.size() && power_at_[next_power_] <= event_no) {
        cycle |= power_at_[next_power_] == event_no;
        ++next_power_;
      }
      if (cycle) {
        Operation pc;
        pc.kind = OpKind::kPowerCycle;
        ++r_->power_cycles;
        go_on = Execute(pc, ev, event_no);
      }
    }
    if (go_on) {
      bool loss = loss_rng_.Chance(o_.power_loss_rate);
      while (next_loss_ < loss_at_.size() && loss_at_[next_loss_] <= event_no) {
        loss |= loss_at_[next_loss_] == event_no;
        ++next_loss_;
      }
      if (loss) {
        ++r_->power_losses;
        go_on = Execute(PowerLossAt(o_.seed, event_no), ev, event_no);
      }
    }
    if (o_.progress && (event_no % std::max<uint64_t>(o_.progress_every, 1) == 0 || !go_on)) {
      o_.progress(event_no, total);
      reported = event_no;
    }
    if (!go_on) break;
  }
  if (!io_error_.ok()) return io_error_;
  if (o_.progress && reported != event_no) o_.progress(event_no, total);
  r_->io_events = event_no;
  Finish(reader, selector);
  return Status::Ok();
}

void Replayer::Finish(TraceReader* reader, const ReplaySelector& selector) {
  ReplayResult& r = *r_;
  r.device_name = selector.device();
  r.skipped_not_io = selector.not_io();
  r.skipped_other_stage = selector.other_stage();
  r.skipped_other_device = selector.other_device();
  r.skipped_actions = selector.skipped_actions();
  for (const std::string& w : PartialCaptureWarnings(o_.traces)) r.warnings.push_back(w);
  for (const std::string& w : reader->warnings().list()) r.warnings.push_back(w);
  r.warnings_dropped = reader->warnings().dropped();
  r.has_timestamps = have_time_;
  r.duration_ns = have_time_ ? times_.duration_ns() : 0;
  if (std::string w = times_.Warning(); !w.empty()) r.warnings.push_back(w);

  checker_.Finish();  // the complete comparison at the end
  r.ops_run = checker_.steps();
  r.op_counts = checker_.op_counts();
  r.status_counts = checker_.status_counts();
  r.host_refusals = checker_.host_refusals();
  r.choices_adopted = checker_.choices_adopted();
  r.states_adopted = checker_.states_adopted();
  r.adopted_samples = checker_.adopted_samples();
  r.coverage_summary = Summarize(BuildStateGraph(config_.params), checker_.model().coverage());
  r.zones_touched = static_cast<uint64_t>(std::count(touched_.begin(), touched_.end(), true));
  r.rebased_zones = mapper_.zones_mapped();
  r.rebase_overflow = mapper_.unmapped_requests();

  r.violations = violations_.total();
  r.violations_by_kind = violations_.by_kind();
  r.violations_by_zone = violations_.by_zone();
  r.violations_without_zone = violations_.without_zone();
  r.quoted = std::move(violations_.quotes());
  if (checker_.divergence()) {
    r.divergence = checker_.divergence();
    r.divergence_text = LockstepChecker::FormatDivergence(*r.divergence, config_);
  }
  std::vector<QuotedEvent*> quotes;
  for (QuotedEvent& q : r.quoted) quotes.push_back(&q);
  for (RewriteCount* c : {&r.trims_as_resets, &r.zero_writes_as_resets, &r.zero_writes_skipped,
                          &r.implied_resets, &r.rewinds})
    if (c->first) quotes.push_back(&*c->first);
  if (r.divergence_event) quotes.push_back(&*r.divergence_event);
  FillQuotedLines(quotes);
}

}  // namespace

Status RunReplay(const ReplayOptions& o, ReplayResult* result) {
  ReplayResult& r = *result;
  r = ReplayResult{};
  if (o.traces.empty()) return Status::InvalidArgument("no trace given");
  if (!(o.time_scale > 0)) return Status::InvalidArgument("--time-scale must be greater than 0");
  r.time_scale = o.time_scale;
  r.map = o.map;
  r.infer_resets = o.infer_resets;

  TraceOpenOptions open_options;
  open_options.format = o.format;

  // The stage: queue events, else issue, else complete (traces/io_selection.h).
  IoStage stage = o.events;
  if (stage == IoStage::kAuto) {
    std::unique_ptr<TraceReader> probe;
    Status s = OpenTrace(o.traces, open_options, &probe);
    if (!s.ok()) return s;
    s = DetectIoStage(probe.get(), &stage);
    if (!s.ok()) return s;
  }
  r.stage = stage;

  // The device's geometry (all but a size still to choose).
  uint32_t cluster_size = o.cluster_size;
  ZonedLayout layout = ZonedLayout::kLatest;
  DeviceConfig config = o.config;
  if (!o.image_geometry_of.empty()) {
    ImageGeometry g;
    Status s = ReadImageGeometry(o.image_geometry_of, o.config.params, &g);
    if (!s.ok()) return s;
    config = g.config;
    cluster_size = g.cluster_size;
    layout = g.layout;
  } else {
    FitDefaultAppendLimit(&config);
  }
  if (config.zone_size == 0) return Status::InvalidArgument("zone_size must be greater than 0");

  TraceSurvey survey;
  Status s = SurveyTrace(o.traces, open_options, stage, o.map, config.zone_size, &survey);
  if (!s.ok()) return s;
  r.format = survey.format;
  if (config.size == 0) {
    config.size = SizeForTrace(survey, o.map, config.zone_size, uint64_t{config.conventional_zones} + 1,
                               &r.size_capped);
    r.sized_for_trace = true;
  }
  s = config.Validate();
  if (!s.ok()) return Status::InvalidArgument("device: " + s.message());
  r.config = config;
  r.device_source = DescribeDevice(o, r);

  TempDir temp;
  if (!temp.ok()) return Status::IoError("cannot create a temporary directory");
  std::unique_ptr<Device> device;
  s = CreateDeviceUnderTest(o.dut, config, temp.path() + "/replay.qcow2", cluster_size, layout,
                            /*overwrite=*/false, &device);
  if (!s.ok()) return s;

  std::unique_ptr<ScriptWriter> script;
  if (!o.write_script.empty()) {
    ScriptWriterOptions so;
    so.zone_size = config.zone_size;
    so.device_size = config.size;
    // The device the operations ran on, so the script replays the same way.
    so.comment = "written by zonesim replay; run it again with: zonesim replay --config '" +
                 FormatDeviceConfig(config) + "' " + o.write_script;
    s = ScriptWriter::Create(o.write_script, so, &script);
    if (!s.ok()) return s;
  }
  std::unique_ptr<FioIologWriter> iolog;
  if (!o.write_iolog.empty()) {
    FioIologWriterOptions fo;
    fo.zone_size = config.zone_size;
    s = FioIologWriter::Create(o.write_iolog, fo, &iolog);
    if (!s.ok()) return s;
  }

  std::unique_ptr<TraceReader> reader;
  s = OpenTrace(o.traces, open_options, &reader);
  if (!s.ok()) return s;
  {
    Replayer replayer(o, &r, survey.format, device.get(), script.get(), iolog.get());
    s = replayer.Run(reader.get(), stage, survey.io_events);
    if (!s.ok()) return s;
  }
  s = device->Close();  // before its directory goes
  device.reset();
  // An external implementation that fails to quit is a finding; zonesim's own
  // image that cannot be persisted is a failed replay.
  if (!s.ok() && !o.dut.external()) return s;
  if (!s.ok()) r.close_error = s.ToString();
  if (r.size_capped)
    r.warnings.push_back("the trace addresses more than " + std::to_string(kMaxAutoZones) +
                         " zones: the device sized for it stops there and later zones are "
                         "lba_out_of_range (try --map zone-rebase, or --config size=)");
  if (r.rebase_overflow)
    r.warnings.push_back("zone-rebase: the trace uses more zones than the device has; " +
                         std::to_string(r.rebase_overflow) + " requests to further zones were mapped past the end");
  if (script) {
    r.script_lines = script->written();
    s = script->Close();
    if (!s.ok()) return s;
  }
  if (iolog) {
    r.iolog_lines = iolog->written();
    r.iolog_skipped = iolog->skipped();
    s = iolog->Close();
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace zonesim
