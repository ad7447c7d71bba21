// Qcow2Image: a qcow2 version 3 image file (QEMU docs/interop/qcow2.txt) with
// the zoned extension of ../shared/spec/qcow2-zoned.md: header, header
// extensions (unknown ones preserved), L1/L2 tables, refcounts, cluster
// allocation and freeing, compressed (deflate) cluster reads, and the
// write-pointer table ("zonedmeta"). This layer stores bytes and write-pointer
// entries; it knows nothing of zone conditions or zone rules: those live in
// ZonedImage (qcow2/zoned/zoned_image.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/status.h"
#include "qcow2/storage/write_data.h"

namespace zonesim {

// Which revision of the zoned header extension an image carries
// (qcow2-zoned.md; the table in qcow2/README.md). "Latest" is the last posted
// text (series v8 to v10); kV11 and kV12 are the later work-in-progress layouts.
enum class ZonedLayout : uint8_t {
  kLatest,  // 56 bytes, u64 zone_size/zone_capacity (series v8 to v10)
  kV5,      // 48 bytes, u32 zone_size/zone_capacity (series v5, v6)
  kV11,     // 48 bytes, nr_zones first, no zonedmeta_size (about v11)
  kV12,     // 44 bytes (padded to 48), no max_append_bytes (after v11)
};

// The zoned header extension (magic 0x007a6264), decoded.
struct ZonedExtension {
  uint8_t zoned = 1;  // 1 = host-managed
  uint64_t zone_size = 0;
  uint64_t zone_capacity = 0;
  uint32_t conventional_zones = 0;
  uint32_t nr_zones = 0;
  uint32_t max_active_zones = 0;
  uint32_t max_open_zones = 0;
  uint32_t max_append_bytes = 0;
  uint64_t zonedmeta_size = 0;
  uint64_t zonedmeta_offset = 0;
  ZonedLayout layout = ZonedLayout::kLatest;
  bool operator==(const ZonedExtension&) const = default;
};

// Write-pointer entries of the v5 and latest (56-byte) layouts:
// little-endian on disk, as the one existing implementation writes them (host
// order on x86; the format text is silent), conventional zones flagged with
// bit 59. The later layouts (kV11, kV12) store them big-endian with the flag
// at bit 63.
inline constexpr bool kWritePointerLittleEndian = true;
inline constexpr uint64_t kConventionalZoneFlag = 1ull << 59;
inline constexpr uint64_t kConventionalZoneFlagV11 = 1ull << 63;

// True for the layouts after v10 (48-byte about-v11, 44-byte).
inline constexpr bool IsPostV10Layout(ZonedLayout l) { return l == ZonedLayout::kV11 || l == ZonedLayout::kV12; }
// How a layout stores its write-pointer entries.
inline constexpr bool EntriesBigEndian(ZonedLayout l) { return IsPostV10Layout(l) || !kWritePointerLittleEndian; }
inline constexpr uint64_t ConventionalFlag(ZonedLayout l) {
  return IsPostV10Layout(l) ? kConventionalZoneFlagV11 : kConventionalZoneFlag;
}
// Entry bits that hold neither the write pointer nor the flag (must be zero).
inline constexpr uint64_t EntryStrayBits(ZonedLayout l) { return IsPostV10Layout(l) ? 0 : 0xfull << 60; }

// A write-pointer entry as read at open: the zone and its decoded entry.
struct WritePointerAtOpen {
  uint32_t zone = 0;
  uint64_t entry = 0;
};

struct Qcow2CreateOptions {
  uint64_t virtual_size = 0;
  uint32_t cluster_size = 65536;  // 512 B .. 2 MiB, power of two
  // Present: create a zoned image (bit 5 + extension + zonedmeta table with
  // every entry at its zone start, conventional zones flagged).
  std::optional<ZonedExtension> zoned;  // zonedmeta_size/offset/nr_zones are computed
};

class Qcow2Image {
 public:
  ~Qcow2Image();
  Qcow2Image(const Qcow2Image&) = delete;
  Qcow2Image& operator=(const Qcow2Image&) = delete;

  // Creates a new image file. Refuses to overwrite unless `overwrite`; removes
  // the partial file on any error.
  static Status Create(Env* env, const std::string& path, const Qcow2CreateOptions& options,
                       bool overwrite);
  // Opens and validates (every rule of the spec page, every number checked
  // against the file size before use). read_only never writes to the file.
  // The file is locked the way QEMU locks it (common/env.h ImageLock): a
  // writer excludes every other writer and reader, a reader excludes writers;
  // force_share (read-only only: QEMU's -U) takes no exclusion at all. A
  // read-write open also refuses an image whose metadata overlaps or whose
  // refcounts miss a cluster in use (qcow2_overlap.h).
  static Status Open(Env* env, const std::string& path, bool read_only,
                     std::unique_ptr<Qcow2Image>* out, bool force_share = false);

  uint64_t virtual_size() const;
  uint32_t cluster_size() const;
  const std::optional<ZonedExtension>& zoned() const;
  // Non-fatal findings of Open (e.g. a zone_size that is not a power of two),
  // one line each, for a gate to report.
  const std::vector<std::string>& warnings() const;

  // Guest data, by virtual byte offset. Unallocated clusters read as zeros.
  Status Read(uint64_t offset, uint64_t length, uint8_t* out);
  // data: a buffer of `length` bytes, or a Payload generated straight into
  // the buffers that go to the file (write_data.h).
  Status Write(uint64_t offset, uint64_t length, const WriteData& data);
  // Deallocates the clusters wholly inside [offset, offset+length) (refcount
  // decrement, cluster reusable, reads return zeros); partial clusters at the
  // ends are zero-filled.
  Status Discard(uint64_t offset, uint64_t length);
  // Makes everything written so far durable.
  Status Flush();
  // Write-back (off by default): the entries that publish newly allocated
  // clusters wait in memory until the next Flush (as QEMU's L2 cache does),
  // which then costs one more file flush; without it every allocating write
  // costs one file flush of its own (the barrier before its entries, see
  // qcow2_io.cpp). Freed clusters are reused only after the next Flush.
  // Destroying the image flushes what waits.
  void SetWriteBack(bool on);

  // The write-pointer table (zoned images only): raw 64-bit entries, decoded
  // from their on-disk byte order.
  Status ReadWritePointers(std::vector<uint64_t>* entries);
  // The sequential zones whose entry did not hold the zone start when the
  // open read and validated the table, ascending, with their entries: what
  // recovery needs, without reading the table a second time or holding an
  // entry per zone (issue 14). Handed over once: empty afterwards.
  std::vector<WritePointerAtOpen> TakeWritePointersAtOpen();
  // Writes one entry to the file (not flushed).
  Status WriteWritePointer(uint32_t zone, uint64_t entry);
  // Writes entries [first, first + entries.size()) with one file write (not
  // flushed), e.g. resetting every zone at once.
  Status WriteWritePointers(uint32_t first, const std::vector<uint64_t>& entries);

  // Adds a zoned extension to a plain image (data kept): `zonesim create --from`.
  Status AddZonedExtension(const ZonedExtension& ext);

 private:
  Qcow2Image();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zonesim
