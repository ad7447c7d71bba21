// ClusterAllocator: the refcount table and refcount blocks of a qcow2 image
// (qcow2.txt "Host cluster management"), used to allocate and free host
// clusters.
//
// Policy:
// - Allocation returns the LOWEST run of free clusters (refcount 0) of the
//   requested length, so clusters freed by Discard are reused and a file does
//   not grow under write/discard cycles. A "free hint" remembers the lowest
//   cluster that may be free, so sequential allocation does not rescan.
// - Reserved ranges (the zoned write-pointer table) are never handed out even
//   if a damaged refcount says they are free.
// - Refcount blocks are cached in memory and written through: every change is
//   written to the file before the call returns, so the cache never holds
//   state the file lacks, and the cache may be dropped at any time.
//
// Write ordering (crash safety; a crash may stop the sequence anywhere, and
// the worst outcome must be a leaked cluster, never a cluster in use with
// refcount 0):
// - Allocate() writes the new refcounts BEFORE returning, i.e. before the
//   caller writes the L1/L2 entry that will point at the clusters.
// - A missing refcount block is created self-describing: it is placed at the
//   first cluster of the range it covers (a range without a block is entirely
//   free), its own entry set to 1, written in full, and only then linked
//   from the refcount table.
// - Growing the refcount table writes the new blocks and the new table, then
//   flushes (a barrier), then points the header at the new table (one 12-byte
//   write of refcount_table_offset + refcount_table_clusters), and only then
//   frees the old table's clusters.
// - Release() is called by the image AFTER the L2/L1 entry that referenced
//   the clusters has been rewritten.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/env.h"
#include "common/status.h"

namespace zonesim::qcow2 {

class ClusterAllocator {
 public:
  ClusterAllocator(File* file, uint32_t cluster_bits, uint32_t refcount_order);

  // Reads and checks the refcount table (entries cluster aligned, reserved
  // bits clear, blocks inside the file). The caller has checked that the
  // table itself lies inside the file and is within QEMU's size limit.
  Status Load(uint64_t table_offset, uint32_t table_clusters, uint64_t file_size);

  Status GetRefcount(uint64_t cluster_index, uint64_t* value);
  // Allocates `n` contiguous free clusters with refcount 1 (written before
  // returning); *host_offset receives the byte offset of the first.
  Status Allocate(uint64_t n, uint64_t* host_offset);
  // Allocates the run of free clusters that starts at the lowest free
  // cluster, at most `max_n` long (*count receives its length, >= 1). Data
  // writes use this: it fills holes left by discards first, and never
  // rescans a hole that is too short for a longer request.
  Status AllocateUpTo(uint64_t max_n, uint64_t* host_offset, uint64_t* count);
  // Decrements the refcount of every host cluster that [offset, offset+length)
  // touches. Decrementing a zero refcount is reported as corruption.
  Status Release(uint64_t offset, uint64_t length);
  // Clusters [first, first + count) are never allocated.
  void Reserve(uint64_t first_cluster, uint64_t count);

  uint64_t table_offset() const { return table_offset_; }
  uint32_t table_clusters() const { return table_clusters_; }
  uint64_t entries_per_block() const { return entries_per_block_; }
  // Refcount block offsets (0 = none), for overlap checks.
  const std::vector<uint64_t>& table() const { return table_; }

 private:
  // Returns the cached block for table index `ti`, loading it; nullptr with
  // *status ok when the table has no block there (all refcounts 0).
  Status GetBlock(uint64_t ti, std::vector<uint8_t>** block);
  // Makes sure refcount block `ti` exists, creating it (and growing the
  // table) if needed.
  Status EnsureBlock(uint64_t ti);
  Status GrowTable(uint64_t needed_index);
  // Writes entries [first, last] of cached block `ti` to the file.
  Status WriteBlockEntries(uint64_t ti, uint64_t first, uint64_t last);
  Status SetRefcounts(uint64_t first_cluster, uint64_t count, uint64_t value);
  // The scan behind Allocate/AllocateUpTo: with `exact`, the lowest run of
  // exactly n free clusters; otherwise the run at the lowest free cluster.
  Status Find(uint64_t n, bool exact, uint64_t* first, uint64_t* count);
  bool IsReserved(uint64_t cluster) const;
  void TrimCache();

  File* file_;
  uint32_t cluster_bits_;
  uint64_t cluster_size_;
  uint32_t refcount_order_;
  uint64_t entries_per_block_;
  uint64_t table_offset_ = 0;
  uint32_t table_clusters_ = 0;
  std::vector<uint64_t> table_;
  std::unordered_map<uint64_t, std::vector<uint8_t>> blocks_;
  uint64_t free_hint_ = 0;  // every cluster below it has a non-zero refcount
  std::vector<std::pair<uint64_t, uint64_t>> reserved_;  // [first, end) cluster ranges
};

}  // namespace zonesim::qcow2
