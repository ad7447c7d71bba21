// Internal state of Qcow2Image, shared by qcow2_image.cpp (open, validation,
// write pointers), qcow2_create.cpp (create, header rewrite) and
// qcow2_io.cpp (guest reads, writes, discards through L1/L2).
//
// Caches: the L1 table lives in memory whole; L2 tables and refcount blocks
// are cached and written through (every change reaches the file before the
// request returns: entries that publish new clusters are held back until the
// request's barrier, see qcow2_io.cpp), so a cache can be dropped between
// requests without losing anything.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/env.h"
#include "qcow2/storage/cluster_allocator.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/storage/qcow2_validate.h"

namespace zonesim {

struct Qcow2Image::Impl {
  Env* env = nullptr;
  std::string path;
  std::unique_ptr<File> file;
  bool read_only = true;

  qcow2::Header header;
  std::vector<qcow2::HeaderExtension> extensions;  // as found, unknown ones included, in order
  uint64_t header_area_length = 0;                 // bytes of header + extensions at open

  uint32_t cluster_bits = 16;
  uint64_t cluster_size = 65536;
  uint64_t l2_entries = 8192;  // entries per L2 table

  std::vector<uint64_t> l1;  // decoded L1 table (l1_size entries)
  std::unique_ptr<qcow2::ClusterAllocator> alloc;
  std::unordered_map<uint64_t, std::vector<uint64_t>> l2_cache;  // by host offset

  std::optional<ZonedExtension> zoned;
  // The sequential zones whose write-pointer entry did not hold the zone
  // start when the table was validated at open (Qcow2Image::TakeWritePointersAtOpen).
  std::vector<WritePointerAtOpen> write_pointers_at_open;
  std::vector<std::string> warnings;

  uint64_t known_file_size = 0;  // refreshed when a read would pass it

  // Reused buffers, so steady-state I/O allocates nothing.
  std::vector<uint8_t> scratch;       // one cluster being assembled
  std::vector<uint8_t> staging;       // a piece of generated data on its way to the file
  std::vector<uint8_t> zeros;         // one cluster of zeros
  std::vector<uint8_t> compressed;    // compressed input
  std::vector<uint8_t> decompressed;  // the last decompressed cluster
  uint64_t decompressed_entry = 0;    // its L2 entry (0 = none cached)
  std::vector<uint8_t> entry_buf;     // encoded L2 entries
  std::vector<uint8_t> l2_raw;        // an L2 table being loaded

  // Crash ordering (qcow2_io.cpp): what a request may only write after a
  // barrier. Entries that publish new clusters (L2 entries, L1 entries of new
  // tables) wait until the clusters' refcounts and contents are durable;
  // references dropped wait until the entries that held them are durable
  // (refcount decrements). Commit() writes them at the end of each request
  // (and before the L2 cache forgets a table that has entries waiting).
  struct PendingWrite {
    uint64_t offset;
    uint64_t pos, len;  // in pending_bytes
  };
  std::vector<PendingWrite> pending_publish;
  std::vector<uint8_t> pending_bytes;
  std::vector<uint64_t> pending_release;  // L2 entries whose references go
  bool write_back = false;  // Qcow2Image::SetWriteBack: commit at Flush, not per request

  // ---- qcow2_io.cpp ----
  Status GetL2(uint64_t host, std::vector<uint64_t>** table);
  Status LookupEntry(uint64_t guest_cluster, uint64_t* entry);
  Status CheckEntry(uint64_t entry, uint64_t guest_cluster);
  Status Decompress(uint64_t entry, uint64_t guest_cluster);
  Status OldContent(uint64_t entry, uint64_t guest_cluster, uint8_t* out);
  Status EnsureL2(uint64_t l1_index, uint64_t* l2_host);
  // Writes entries [first, first + count) of `table`, the cached L2 table at l2_host.
  Status WriteL2Entries(uint64_t l2_host, const std::vector<uint64_t>& table, uint64_t first, uint64_t count);
  // The same entries, written after the request's barrier (Publish).
  Status PublishL2Entries(uint64_t l2_host, const std::vector<uint64_t>& table, uint64_t first, uint64_t count);
  Status ReleaseEntry(uint64_t entry);
  Status WriteInL2(uint64_t l2_host, uint64_t offset, uint64_t length, const WriteData& data);
  Status WriteNewRun(uint64_t l2_host, std::vector<uint64_t>& table, uint64_t g0, uint64_t g1, uint64_t begin,
                     uint64_t end, const WriteData& src);
  Status StoreData(uint64_t host, uint64_t length, const WriteData& data);
  Status DiscardInL2(uint64_t l1_index, uint64_t first_cluster, uint64_t end_cluster);
  Status DoRead(uint64_t offset, uint64_t length, uint8_t* out);
  Status DoWrite(uint64_t offset, uint64_t length, const WriteData& data);
  Status DoDiscard(uint64_t offset, uint64_t length);
  void Publish(uint64_t offset, uint64_t length, const uint8_t* bytes);
  // The barriers and what waits for them; `flush` ends with a file flush
  // (Qcow2Image::Flush) even when nothing waits.
  Status Commit(bool flush = false);
  // The L2 cache is about to drop every table.
  Status ClearL2Cache();

  // ---- qcow2_overlap.cpp ----
  // The metadata structure [b, e) overlaps, or nullptr.
  const char* MetadataAt(uint64_t host_begin, uint64_t host_end) const;
  // Corruption naming `what` and the structure if [b, e) overlaps metadata.
  Status CheckWriteTarget(uint64_t host_begin, uint64_t host_end, const std::string& what) const;
  // Read-write opens: every cluster in use has a refcount and one owner.
  Status CheckRefcountsForWriting();

  // ---- qcow2_image.cpp ----
  Status Load(bool read_only);
  Status LoadL1();
  Status LoadZoned(const qcow2::HeaderExtension& ext);
  Status CheckZonedmetaOwnership();
  std::vector<qcow2::FileRange> FixedMetadata() const;
  Status CheckRange(uint64_t offset, uint64_t length, const char* op) const;
};

// qcow2_create.cpp: the header cluster's content for `h` and `exts` (the
// feature name table is filled in by this function: the full table if it
// fits, else the incompatible bits only). Fails if it does not fit one cluster.
Status BuildHeaderArea(qcow2::Header h, std::vector<qcow2::HeaderExtension> exts, uint64_t cluster_size,
                       std::vector<uint8_t>* out);

}  // namespace zonesim
