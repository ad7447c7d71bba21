// Validation of a qcow2 image at open time, and of the options at create time.
// Every number read from the file is checked against the file size (or a
// fixed limit) before it is used to size a buffer or compute an offset, so a
// crafted image cannot make the reader allocate gigabytes, loop, or read out
// of bounds. Every message names the field and the values involved.
#pragma once

#include <algorithm>
#include <bit>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim::qcow2 {

// A byte range of the image file holding metadata, for overlap checks.
struct FileRange {
  uint64_t begin = 0;
  uint64_t end = 0;  // exclusive
  const char* what = "";
  bool Overlaps(uint64_t b, uint64_t e) const { return b < end && begin < e; }
};

// One broken rule, as the opener and `zonesim check` both see it. The rules
// are written once, as functions that report every violation to a sink; the
// opener's Validate* functions stop at the first non-warning violation and
// turn it into a Status, the checker collects them all.
struct RuleViolation {
  const char* id = "";  // stable identifier, e.g. "zoned.nr_zones_mismatch"
  Status::Code code = Status::Code::kCorruption;  // what the opener refuses with
  std::string message;  // one line naming the field and the values
  bool warning = false;  // non-fatal: the opener keeps going
  std::vector<std::pair<std::string, uint64_t>> values;  // the offending values, by field name
};
// Receives violations in rule order; returns false to stop the rules.
using RuleSink = std::function<bool(RuleViolation)>;

// L1 entries the virtual size needs (ceil(size / bytes covered by one L2 table)).
uint64_t L1EntriesNeeded(uint64_t virtual_size, uint32_t cluster_bits);

// Header fields: version, cluster_bits, header_length, sizes and offsets of
// the L1 and refcount tables and the snapshot table, against file_size and
// QEMU's limits; unsupported features (backing file, encryption, external
// data file, zstd, extended L2) as NotSupported. Feature bits are checked by
// CheckFeatureBits once the feature name table is known.
Status ValidateHeader(const Header& h, uint64_t file_size);
// The rules behind ValidateHeader, all of them: after a violation that makes
// later rules meaningless (an unknown version, a cluster_bits out of range)
// the rules stop by themselves; otherwise they go on while the sink agrees.
void HeaderRules(const Header& h, uint64_t file_size, const RuleSink& sink);

// Incompatible bits: unknown ones are refused, naming the bit and (if the
// image's feature name table has one) its name; the dirty and corrupt bits
// refuse read-write opens.
Status CheckFeatureBits(const Header& h, const std::vector<FeatureName>& names, bool read_only);

// Each extension type at most once; a bitmaps extension needs autoclear bit 0
// to be trusted (not an error); encryption / data-file extensions are refused
// with their features.
Status CheckExtensions(const std::vector<HeaderExtension>& exts);
void ExtensionRules(const std::vector<HeaderExtension>& exts, const RuleSink& sink);

// The zoned extension's values against the image (qcow2-zoned.md "Rules a
// valid image obeys"). `raw` is the extension data (for the reserved bytes).
// Non-fatal findings (zone_size not a power of two) go to *warnings.
Status ValidateZonedExtension(const ZonedExtension& z, const std::vector<uint8_t>& raw, uint64_t virtual_size,
                              uint32_t cluster_bits, uint64_t file_size, const std::vector<FileRange>& metadata,
                              std::vector<std::string>* warnings);
// The rules behind ValidateZonedExtension. Rules that depend on a broken field
// (everything after an unknown zone model; the zone count after zone_size 0;
// the limits after conventional_zones >= nr_zones) are skipped.
void ZonedExtensionRules(const ZonedExtension& z, const std::vector<uint8_t>& raw, uint64_t virtual_size,
                         uint32_t cluster_bits, uint64_t file_size, const std::vector<FileRange>& metadata,
                         const RuleSink& sink);

// Write-pointer entries [first, first + n) of the table.
Status ValidateWritePointers(const ZonedExtension& z, uint64_t virtual_size, uint32_t first, const uint64_t* entries,
                             uint32_t n);
// What WritePointerRules would say about an entry (nothing; an error), in a
// few inline compares without building a message: the callers that judge
// every entry of a large table (every open, `check`) call the rules only for
// the entries that need one.
class WritePointerShortcut {
 public:
  WritePointerShortcut(const ZonedExtension& z, uint64_t virtual_size)
      : zone_size_(z.zone_size),
        virtual_size_(virtual_size),
        flag_(ConventionalFlag(z.layout)),
        stray_(EntryStrayBits(z.layout)),
        conventional_(z.conventional_zones) {}
  // No error and no warning.
  bool clean(uint64_t zone, uint64_t e) const {
    return !broken(zone, e) && (zone >= conventional_ || (e & ~flag_) == zone * zone_size_);
  }
  // At least one error (a warning alone is not one).
  bool broken(uint64_t zone, uint64_t e) const {
    if ((e & stray_) != 0) return true;
    if ((zone < conventional_) != ((e & flag_) != 0)) return true;
    const uint64_t start = zone * zone_size_;
    const uint64_t len = start < virtual_size_ ? std::min(zone_size_, virtual_size_ - start) : 0;
    const uint64_t wp = e & ~flag_;
    if (wp < start || wp - start > len) return true;
    return wp % 512 != 0 && wp != start + len;
  }

  // The entry of nearly every zone of a large image: a sequential zone at its
  // start, which no rule objects to (no stray or flag bit, inside the zone,
  // 512-aligned). One compare for most entries of a million-zone table.
  bool at_start(uint64_t zone, uint64_t e) const {
    return e == zone * zone_size_ && zone >= conventional_ && (e & (stray_ | flag_ | 511)) == 0;
  }
  // Whether at_start holds for the start of every zone in [first, last]: then
  // an entry of those zones equal to its zone start needs no other test (the
  // starts grow with the zone, so none has a bit the largest lacks above it).
  bool starts_clean(uint64_t first, uint64_t last) const {
    if (first > last || first < conventional_ || zone_size_ % 512 != 0) return false;
    if (last != 0 && zone_size_ > UINT64_MAX / last) return false;
    const uint64_t high = stray_ | flag_;
    return high == 0 || last * zone_size_ < (uint64_t{1} << std::countr_zero(high));
  }

 private:
  uint64_t zone_size_, virtual_size_, flag_, stray_, conventional_;
};
// The rules for entry `entry` of zone `zone`. Beyond what the opener refuses,
// a conventional zone's entry that is inside its zone but not at its start
// is a warning (the spec says it holds its start; no reader uses the value).
void WritePointerRules(const ZonedExtension& z, uint64_t virtual_size, uint64_t zone, uint64_t entry,
                       const RuleSink& sink);

// Create-time options: fills nr_zones and zonedmeta_size, normalises a limit
// equal to the number of sequential zones to 0, and checks every rule (the
// errors name both values of a bad combination).
Status PrepareZonedOptions(uint64_t virtual_size, ZonedExtension* z);

}  // namespace zonesim::qcow2
