// WorkloadGenerator: a deterministic stream of operations from a seed, weighted
// toward the interesting edges of zone semantics: writes at and beside the
// write pointer, writes that exactly fill a zone's capacity or cross it,
// appends at the size limit, opens at the open limit, finish/close/reset of
// every condition, select-all forms, power cycles, injected faults, zone
// reports with every reporting option and limits ending exactly at the last
// matching zone, and error paths (unaligned, out of range, conventional zones).
//
// It reads the reference model's state to aim (e.g. at a write pointer), so the
// same seed and configuration always give the same sequence.
#pragma once

#include <cstdint>

#include "common/rng.h"
#include "model/zone_model.h"
#include "zoned/operation.h"

namespace zonesim {

struct WorkloadOptions {
  uint64_t seed = 1;
  double power_cycle_rate = 0.002;  // probability per operation
  double fault_rate = 0.0005;       // probability per operation of an injected RO/OFF zone
  // Probability per operation of a power loss (issue 15), its crash state
  // (lose all / torn 512 / torn 4K / reorder, with a seed) drawn from the
  // stream. 0 by default: the stream, and so every existing campaign, stays
  // as it was (Chance(0) draws nothing).
  double power_loss_rate = 0;
  uint32_t max_io_blocks = 64;      // largest write/read in logical blocks
  // Only what qemu-io can say (sim/devices/qemu_io_device.h): fill payloads,
  // appends of 0xcd, no injected faults, no zone offline. The random stream
  // is the same either way, so the operation sequence keeps its shape.
  bool qemu_io_dialect = false;
};

// A power loss with a crash state drawn from rng: every unsynced write lost,
// torn at 512 B or 4 KiB, or reordered, each a quarter of the time.
Operation RandomPowerLoss(Rng& rng);
// The power loss `--power-loss-at` puts at operation `index` of a run with
// `seed`: drawn from its own stream, so the rest of the run is unchanged.
Operation PowerLossAt(uint64_t seed, uint64_t index);

class WorkloadGenerator {
 public:
  WorkloadGenerator(const DeviceConfig& config, const WorkloadOptions& options);

  // The next operation, given the model's current state.
  Operation Next(const ZoneModel& model);

 private:
  uint32_t PickSequentialZone(const ZoneModel& model);
  uint32_t PickZoneIn(const ZoneModel& model, ZoneCondition wanted);
  uint32_t FirstHealthy(const ZoneModel& model, uint32_t conv, uint32_t span);
  ZoneCondition AimedCondition(OpKind kind);
  uint64_t Blocks(uint64_t max_blocks);
  Operation Write(const ZoneModel& model);
  Operation Append(const ZoneModel& model);
  Operation ReadOp(const ZoneModel& model);
  Operation Manage(const ZoneModel& model, OpKind kind);
  Operation Fault(const ZoneModel& model);
  Operation ReportOp(const ZoneModel& model);  // filters and limits at the end of the matches
  Operation PowerLoss();
  Payload NextPayload();

  DeviceConfig config_;
  WorkloadOptions options_;
  Rng rng_;
  uint64_t payload_counter_ = 0;
};

}  // namespace zonesim
