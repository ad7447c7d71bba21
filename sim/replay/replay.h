// Trace replay (`zonesim replay`): a captured workload (blktrace, blkparse
// text, fio iolog, zonesim script) streamed through the lockstep checker, on
// the reference model and on a fresh zoned qcow2 image at once.
//
// Two kinds of findings, kept apart:
//   violations   the workload broke a zone rule: the MODEL refused the
//                operation (a write not at the write pointer, past the
//                device end, a discard on a zoned device...). Findings about
//                the trace, not failures of zonesim.
//   divergence   the image answered differently from the model: a bug in
//                the image code (or the model). The replay stops there.
//
// Rewrites the replay makes, each counted and reported:
//   - fio with zonemode=zbd logs none of the zone resets it performs itself,
//     except a `trim` of exactly one whole zone at its start, which fio
//     executes as a zone reset (fio zbd.c zbd_do_io_u_trim): in fio logs such
//     a trim is replayed as a reset. Any other discard is a violation of its
//     own kind (discard_on_zoned_device) and is not executed.
//   - blktrace v7 has no zone-management records: the kernel traces
//     REQ_OP_ZONE_RESET as a write of zero bytes at the zone start. In binary
//     blktrace traces a zero-length write at a zone start is replayed as a
//     reset of that zone (a zero-length write elsewhere runs as it is and
//     fails). blkparse's text prints no sector for such a request at the
//     queue and issue stages, so in blkparse text they are skipped (counted).
//   - a write to the start of a non-empty sequential zone (a workload that
//     reset the zone without the reset being logged) is, by default, run as
//     it is: a violation. With infer_resets a reset of the zone is inserted
//     before it.
//
// Constant memory: the trace is streamed (never held); the replay keeps
// counters, the first few quotes, and what the model and image hold.
// Passes over the trace: stage detection when asked for (stops at the first
// queue event of a normal capture), a survey (progress total, device, extent;
// it also finds malformed input before any image exists), then the replay.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "zoned/device_config.h"
#include "model/state_graph.h"
#include "sim/devices/device_under_test.h"
#include "sim/lockstep/lockstep.h"
#include "sim/replay/replay_findings.h"
#include "sim/replay/replay_map.h"
#include "traces/io_selection.h"
#include "traces/trace_reader.h"

namespace zonesim {

struct ReplayOptions {
  std::vector<std::string> traces;  // files; a blktrace NAME prefix expands to NAME.blktrace.N
  TraceFormat format = TraceFormat::kAuto;
  IoStage events = IoStage::kAuto;  // queue, falling back to issue, then complete

  // The device: config (size 0 = sized for the trace, max_append_bytes 0 = a
  // default that fits the zone capacity), or geometry from image_geometry_of.
  DeviceConfig config;
  std::string image_geometry_of;  // an existing zoned image, read-only
  uint32_t cluster_size = 65536;  // of the fresh image (an --image's own when given)

  AddressMap map = AddressMap::kIdentity;
  double time_scale = 1.0;  // zonesim is not timed: scales only the reported duration
  std::vector<uint64_t> power_cycle_at;  // after these I/O event numbers (1-based)
  uint64_t power_cycle_every = 0;        // after every N I/O events
  // Power losses (issue 15): after these I/O event numbers (1-based), and
  // after each I/O event with probability power_loss_rate; their crash
  // states (and the rate's draws) come from `seed`.
  std::vector<uint64_t> power_loss_at;
  double power_loss_rate = 0;
  uint64_t seed = 1;
  bool infer_resets = false;
  size_t quote_limit = 10;
  // Compare every zone after every N-th operation (and at every power cycle
  // and the end); 0: DefaultFullCompareInterval (sim/lockstep/lockstep.h).
  uint64_t full_compare_every = 0;

  // The implementation under test (sim/devices/device_under_test.h): zonesim's
  // own qcow2 layer, or an external qemu-io process. An external one gets
  // every write as a fill byte derived from the trace's data seed, and
  // appends as qemu-io's 0xcd; its statuses are compared as errnos.
  DeviceUnderTest dut;
  ErrnoComparison errno_vocabulary = ErrnoComparison::kExact;

  std::string write_script;  // the operations as run, as a zonesim io script
  std::string write_iolog;   // ... as a fio version 2 iolog

  // Called every progress_every I/O events and at the end.
  std::function<void(uint64_t done, uint64_t total)> progress;
  uint64_t progress_every = 10000;
};

struct ReplayResult {
  // The trace.
  TraceFormat format = TraceFormat::kAuto;
  IoStage stage = IoStage::kQueue;
  std::string device_name;  // which device of the capture was replayed ("259,0", a fio file)
  uint64_t records = 0;     // every record read
  uint64_t io_events = 0;   // records replayed as I/O events
  std::map<std::string, uint64_t> io_event_kinds;  // by the trace's request kind
  uint64_t skipped_not_io = 0, skipped_other_stage = 0, skipped_other_device = 0;
  std::map<std::string, uint64_t> skipped_actions;
  std::vector<std::string> warnings;  // the reader's, then the replay's
  uint64_t warnings_dropped = 0;
  bool has_timestamps = false;
  uint64_t duration_ns = 0;  // last - first timestamp of the I/O events
  double time_scale = 1.0;

  // The device.
  DeviceConfig config;
  std::string device_source;  // how the device was chosen, one line
  bool sized_for_trace = false;
  bool size_capped = false;
  AddressMap map = AddressMap::kIdentity;
  uint64_t rebased_zones = 0, rebase_overflow = 0;

  // What ran.
  uint64_t ops_run = 0;
  std::map<OpKind, uint64_t> op_counts;
  std::map<ZoneStatus, uint64_t> status_counts;
  uint64_t host_refusals = 0;
  uint64_t choices_adopted = 0;
  std::vector<AdoptedChoice> adopted_samples;
  RewriteCount trims_as_resets;        // fio whole-zone trims
  RewriteCount zero_writes_as_resets;  // blktrace v7 zone resets
  RewriteCount zero_writes_skipped;    // blkparse text: no sector printed for them
  RewriteCount implied_resets;         // infer_resets: inserted before a write
  RewriteCount rewinds;                // !infer_resets: writes to a non-empty zone's start
  bool infer_resets = false;
  uint64_t power_cycles = 0;
  uint64_t power_losses = 0;    // power losses inserted
  uint64_t states_adopted = 0;  // zones that came back having lost what the model allowed
  uint64_t zones_touched = 0;
  CoverageSummary coverage_summary;

  // Findings.
  uint64_t violations = 0;
  std::map<std::string, uint64_t> violations_by_kind;
  std::map<uint32_t, uint64_t> violations_by_zone;
  uint64_t violations_without_zone = 0;  // beyond the device
  std::vector<QuotedEvent> quoted;

  std::optional<Divergence> divergence;
  std::string divergence_text;  // LockstepChecker::FormatDivergence
  std::string close_error;      // the device under test failed to close (a finding)
  std::optional<QuotedEvent> divergence_event;  // the trace record being replayed

  // Outputs.
  uint64_t script_lines = 0;
  uint64_t iolog_lines = 0, iolog_skipped = 0;
};

// Bad options, unreadable or malformed traces, images that cannot be made:
// a non-ok Status (Corruption names the file and record or line). A
// divergence is a successful run with result->divergence set.
Status RunReplay(const ReplayOptions& options, ReplayResult* result);

}  // namespace zonesim
