// CrashSpec: which crash state a power loss leaves behind (issue 15).
//
// A power loss is a power cycle in which the device may lose what it had not
// made durable. The spec says how the file layer under an image (or any device
// that can simulate it) picks what survives of the writes issued since the last
// sync; the checker never needs to know which one was picked: it accepts any
// state the model allows (model/zone_model_power_loss.cpp) and adopts it.
//
// It travels inside the Operation, so a script or a shrunk reproducer replays
// the same crash state: it is a function of the spec and of the writes, never
// of a random stream shared with other operations.
//
// Script syntax (zoned/script.cpp):
//   powerloss                   every unsynced write lost          (kLoseAll)
//   powerloss keepall           every unsynced write kept          (kKeepAll)
//   powerloss torn 512 SEED     any subset of unsynced sectors of 512 B (or 4K) kept, chosen by SEED
//   powerloss reorder SEED      the writes since the last sync persisted in an order
//                               permuted within a window, cut at a point chosen by SEED
//   powerloss keep 0,3,4        exactly these unsynced writes kept whole (indices in
//                               issue order since the last sync); `zonesim crash` prints these
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace zonesim {

enum class CrashMode : uint8_t { kLoseAll, kKeepAll, kTorn, kReorder, kKeep };

struct CrashSpec {
  CrashMode mode = CrashMode::kLoseAll;
  uint32_t sector = 512;       // kTorn: the atomic unit (512 or 4096)
  uint64_t seed = 0;           // kTorn, kReorder
  std::vector<uint32_t> keep;  // kKeep: ascending indices of the unsynced writes kept

  bool operator==(const CrashSpec&) const = default;
};

// The words after "powerloss" in a script line ("" for kLoseAll).
std::string FormatCrashSpec(const CrashSpec& spec);
// Parses those words; an error names what is wrong ("crash mode 'x' is not ...").
Status ParseCrashSpec(const std::vector<std::string_view>& words, CrashSpec* out);

}  // namespace zonesim
