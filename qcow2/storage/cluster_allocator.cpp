#include "qcow2/storage/cluster_allocator.h"

#include <algorithm>
#include <string>

#include "common/hex.h"
#include "qcow2/storage/qcow2_format.h"

namespace zonesim::qcow2 {

namespace {
// Cached refcount blocks beyond this many bytes are dropped (all of them: the
// cache is write-through, so dropping loses nothing).
constexpr uint64_t kBlockCacheBytes = 32ull << 20;

}  // namespace

ClusterAllocator::ClusterAllocator(File* file, uint32_t cluster_bits, uint32_t refcount_order)
    : file_(file),
      cluster_bits_(cluster_bits),
      cluster_size_(1ull << cluster_bits),
      refcount_order_(refcount_order),
      entries_per_block_((1ull << cluster_bits) * 8 >> refcount_order),
      // Cluster 0 is the header whatever a damaged refcount says, and a
      // refcount table entry of 0 means "no block": never allocate it (a block
      // placed there was recreated forever; found by fuzz_qcow2_open).
      reserved_{{0, 1}} {}

Status ClusterAllocator::Load(uint64_t table_offset, uint32_t table_clusters, uint64_t file_size) {
  table_offset_ = table_offset;
  table_clusters_ = table_clusters;
  const uint64_t bytes = uint64_t{table_clusters} * cluster_size_;
  std::vector<uint8_t> raw(bytes);
  Status s = file_->Read(table_offset, bytes, raw.data());
  if (!s.ok()) return s;
  table_.assign(bytes / 8, 0);
  for (uint64_t i = 0; i < table_.size(); ++i) {
    uint64_t e = LoadBE64(raw.data() + i * 8);
    if (e == 0) continue;
    if (e & 511) {
      return Status::Corruption("refcount table entry " + std::to_string(i) + " (" + Hex(e) +
                                ") has reserved bits 0-8 set");
    }
    if (e & (cluster_size_ - 1)) {
      return Status::Corruption("refcount table entry " + std::to_string(i) + ": refcount block offset " + Hex(e) +
                                " is not aligned to the cluster size " + std::to_string(cluster_size_));
    }
    if (e >= file_size || file_size - e < cluster_size_) {
      return Status::Corruption("refcount table entry " + std::to_string(i) + ": refcount block at offset " +
                                std::to_string(e) + " lies beyond the end of the file (size " +
                                std::to_string(file_size) + ")");
    }
    table_[i] = e;
  }
  blocks_.clear();
  free_hint_ = 0;
  return Status::Ok();
}

void ClusterAllocator::Reserve(uint64_t first_cluster, uint64_t count) {
  if (count > 0) reserved_.emplace_back(first_cluster, first_cluster + count);
}

bool ClusterAllocator::IsReserved(uint64_t cluster) const {
  for (const auto& [b, e] : reserved_) {
    if (cluster >= b && cluster < e) return true;
  }
  return false;
}

void ClusterAllocator::TrimCache() {
  if ((blocks_.size() + 1) * cluster_size_ > kBlockCacheBytes) blocks_.clear();
}

Status ClusterAllocator::GetBlock(uint64_t ti, std::vector<uint8_t>** block) {
  *block = nullptr;
  if (ti >= table_.size() || table_[ti] == 0) return Status::Ok();
  auto it = blocks_.find(ti);
  if (it != blocks_.end()) {
    *block = &it->second;
    return Status::Ok();
  }
  TrimCache();
  std::vector<uint8_t> data(cluster_size_);
  Status s = file_->Read(table_[ti], cluster_size_, data.data());
  if (!s.ok()) return s;
  auto [pos, inserted] = blocks_.emplace(ti, std::move(data));
  (void)inserted;
  *block = &pos->second;
  return Status::Ok();
}

Status ClusterAllocator::GetRefcount(uint64_t cluster, uint64_t* value) {
  std::vector<uint8_t>* block = nullptr;
  Status s = GetBlock(cluster / entries_per_block_, &block);
  if (!s.ok()) return s;
  *value = block ? GetRefcountEntry(block->data(), cluster % entries_per_block_, refcount_order_) : 0;
  return Status::Ok();
}

Status ClusterAllocator::WriteBlockEntries(uint64_t ti, uint64_t first, uint64_t last) {
  const uint32_t bits = 1u << refcount_order_;
  const uint64_t byte_begin = first * bits / 8;
  const uint64_t byte_end = ((last + 1) * bits + 7) / 8;
  const std::vector<uint8_t>& block = blocks_.at(ti);
  Status s = file_->Write(table_[ti] + byte_begin, byte_end - byte_begin, block.data() + byte_begin);
  // The cached block already holds the change: if the file did not take it,
  // drop the cached copy so the file stays the only truth.
  if (!s.ok()) blocks_.erase(ti);
  return s;
}

Status ClusterAllocator::SetRefcounts(uint64_t first_cluster, uint64_t count, uint64_t value) {
  uint64_t c = first_cluster;
  const uint64_t end = first_cluster + count;
  while (c < end) {
    const uint64_t ti = c / entries_per_block_;
    std::vector<uint8_t>* block = nullptr;
    Status s = GetBlock(ti, &block);
    if (!s.ok()) return s;
    if (!block) return Status::Corruption("cluster " + std::to_string(c) + " has no refcount block");
    const uint64_t first = c % entries_per_block_;
    const uint64_t last = std::min<uint64_t>(entries_per_block_ - 1, first + (end - c) - 1);
    for (uint64_t i = first; i <= last; ++i) SetRefcountEntry(block->data(), i, refcount_order_, value);
    s = WriteBlockEntries(ti, first, last);
    if (!s.ok()) return s;
    c += last - first + 1;
  }
  return Status::Ok();
}

Status ClusterAllocator::Find(uint64_t n, bool exact, uint64_t* first, uint64_t* count) {
  if (n == 0) return Status::InvalidArgument("allocation of zero clusters");
  uint64_t c = free_hint_;
  uint64_t first_free = UINT64_MAX;
  uint64_t run_start = c;
  uint64_t run_len = 0;
  bool done = false;
  while (!done) {
    if (c >= (kMaxHostOffset >> cluster_bits_)) {
      if (!exact && run_len > 0) break;
      return Status::IoError("image is full: qcow2 host offsets end at 2^56 bytes (cluster " + std::to_string(c) + ")");
    }
    const uint64_t ti = c / entries_per_block_;
    if (ti >= table_.size() || table_[ti] == 0) {
      Status s = EnsureBlock(ti);
      if (!s.ok()) return s;
      continue;  // re-examine c: the new block (or table) may sit on it
    }
    std::vector<uint8_t>* block = nullptr;
    Status s = GetBlock(ti, &block);
    if (!s.ok()) return s;
    const uint8_t* data = block->data();
    for (uint64_t i = c % entries_per_block_; i < entries_per_block_; ++i, ++c) {
      if (GetRefcountEntry(data, i, refcount_order_) == 0 && !IsReserved(c)) {
        if (first_free == UINT64_MAX) first_free = c;
        if (run_len == 0) run_start = c;
        if (++run_len == n) {
          done = true;
          break;
        }
      } else if (run_len > 0) {
        if (!exact) {
          done = true;
          break;
        }
        run_len = 0;
      }
    }
  }
  // Every cluster below first_free is in use; so is the run once allocated.
  free_hint_ = first_free == run_start ? run_start + run_len : first_free;
  *first = run_start;
  *count = run_len;
  return Status::Ok();
}

Status ClusterAllocator::Allocate(uint64_t n, uint64_t* host_offset) {
  uint64_t first = 0, count = 0;
  Status s = Find(n, /*exact=*/true, &first, &count);
  if (!s.ok()) return s;
  s = SetRefcounts(first, count, 1);
  if (!s.ok()) {
    free_hint_ = std::min(free_hint_, first);
    return s;
  }
  *host_offset = first << cluster_bits_;
  return Status::Ok();
}

Status ClusterAllocator::AllocateUpTo(uint64_t max_n, uint64_t* host_offset, uint64_t* count) {
  uint64_t first = 0;
  Status s = Find(max_n, /*exact=*/false, &first, count);
  if (!s.ok()) return s;
  s = SetRefcounts(first, *count, 1);
  if (!s.ok()) {
    free_hint_ = std::min(free_hint_, first);
    return s;
  }
  *host_offset = first << cluster_bits_;
  return Status::Ok();
}

Status ClusterAllocator::Release(uint64_t offset, uint64_t length) {
  if (length == 0) return Status::Ok();
  uint64_t c = offset >> cluster_bits_;
  const uint64_t end = ((offset + length - 1) >> cluster_bits_) + 1;
  while (c < end) {
    const uint64_t ti = c / entries_per_block_;
    std::vector<uint8_t>* block = nullptr;
    Status s = GetBlock(ti, &block);
    if (!s.ok()) return s;
    if (!block) {
      return Status::Corruption("freeing host cluster at offset " + std::to_string(c << cluster_bits_) +
                                " whose refcount block is missing (refcount 0)");
    }
    const uint64_t first = c % entries_per_block_;
    const uint64_t last = std::min<uint64_t>(entries_per_block_ - 1, first + (end - c) - 1);
    for (uint64_t i = first; i <= last; ++i, ++c) {
      uint64_t v = GetRefcountEntry(block->data(), i, refcount_order_);
      if (v == 0) {
        return Status::Corruption("freeing host cluster at offset " + std::to_string(c << cluster_bits_) +
                                  " whose refcount is already 0");
      }
      SetRefcountEntry(block->data(), i, refcount_order_, v - 1);
      if (v == 1) free_hint_ = std::min(free_hint_, c);
    }
    s = WriteBlockEntries(ti, first, last);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ClusterAllocator::EnsureBlock(uint64_t ti) {
  if (ti < table_.size() && table_[ti] != 0) return Status::Ok();
  if (ti >= table_.size()) {
    Status s = GrowTable(ti);
    if (!s.ok()) return s;
    if (table_[ti] != 0) return Status::Ok();
  }
  // A range without a block is entirely free: put the block on its first
  // (unreserved) cluster, describing itself.
  uint64_t b = ti * entries_per_block_;
  while (IsReserved(b) && b < (ti + 1) * entries_per_block_) ++b;
  if (b >= (ti + 1) * entries_per_block_ || b >= (kMaxHostOffset >> cluster_bits_)) {
    return Status::IoError("no cluster available for refcount block " + std::to_string(ti));
  }
  std::vector<uint8_t> block(cluster_size_, 0);
  SetRefcountEntry(block.data(), b - ti * entries_per_block_, refcount_order_, 1);
  Status s = file_->Write(b << cluster_bits_, cluster_size_, block.data());
  if (!s.ok()) return s;
  // Barrier: the refcount table must never point at a block that is not on disk.
  s = file_->Flush();
  if (!s.ok()) return s;
  uint8_t entry[8];
  StoreBE64(entry, b << cluster_bits_);
  s = file_->Write(table_offset_ + ti * 8, 8, entry);
  if (!s.ok()) return s;
  table_[ti] = b << cluster_bits_;
  TrimCache();
  blocks_[ti] = std::move(block);
  return Status::Ok();
}

Status ClusterAllocator::GrowTable(uint64_t needed_index) {
  const uint64_t per_cluster = cluster_size_ / 8;
  const uint64_t E = entries_per_block_;
  uint64_t file_size = 0;
  Status s = file_->Size(&file_size);
  if (!s.ok()) return s;
  const uint64_t file_clusters = (file_size + cluster_size_ - 1) >> cluster_bits_;
  // The new table and the blocks describing it go to the first cluster that
  // no existing block covers (and that is past the end of the file).
  const uint64_t P = std::max<uint64_t>(table_.size() * E, file_clusters);
  uint64_t new_n = std::max<uint64_t>(needed_index + 1, table_.size() * 2);
  uint64_t new_clusters = 0, nb = 0;
  for (;;) {
    new_n = (new_n + per_cluster - 1) / per_cluster * per_cluster;
    new_clusters = new_n / per_cluster;
    if (new_clusters * cluster_size_ > kMaxRefcountTableBytes) {
      return Status::NotSupported("refcount table would grow to " + std::to_string(new_clusters * cluster_size_) +
                                  " bytes, beyond QEMU's limit of " + std::to_string(kMaxRefcountTableBytes));
    }
    // nb blocks placed after the table must cover [P, P + new_clusters + nb).
    nb = 0;
    for (;;) {
      uint64_t last = P + new_clusters + nb - 1;
      uint64_t need = last / E - P / E + 1;
      if (need == nb) break;
      nb = need;
    }
    uint64_t last_index = (P + new_clusters + nb - 1) / E;
    if (last_index < new_n) break;
    new_n = last_index + 1;
  }
  if ((P + new_clusters + nb) >= (kMaxHostOffset >> cluster_bits_)) {
    return Status::IoError("image is full: no room for a larger refcount table below 2^56 bytes");
  }
  std::vector<uint64_t> new_table = table_;
  new_table.resize(new_n, 0);
  const uint64_t first_bi = P / E;
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> new_blocks;
  for (uint64_t k = 0; k < nb; ++k) {
    const uint64_t bi = first_bi + k;
    std::vector<uint8_t> block(cluster_size_, 0);
    const uint64_t lo = std::max(P, bi * E);
    const uint64_t hi = std::min(P + new_clusters + nb, (bi + 1) * E);
    for (uint64_t c = lo; c < hi; ++c) SetRefcountEntry(block.data(), c - bi * E, refcount_order_, 1);
    const uint64_t where = (P + new_clusters + k) << cluster_bits_;
    s = file_->Write(where, cluster_size_, block.data());
    if (!s.ok()) return s;
    new_table[bi] = where;
    new_blocks.emplace_back(bi, std::move(block));
  }
  std::vector<uint8_t> raw(new_clusters * cluster_size_, 0);
  for (uint64_t i = 0; i < new_n; ++i) StoreBE64(raw.data() + i * 8, new_table[i]);
  s = file_->Write(P << cluster_bits_, raw.size(), raw.data());
  if (!s.ok()) return s;
  // Barrier: the header must never point at a table that is not on disk.
  s = file_->Flush();
  if (!s.ok()) return s;
  uint8_t field[12];
  StoreBE64(field, P << cluster_bits_);
  StoreBE32(field + 8, static_cast<uint32_t>(new_clusters));
  s = file_->Write(kRefcountTableOffsetField, sizeof field, field);
  if (!s.ok()) return s;
  const uint64_t old_offset = table_offset_;
  const uint64_t old_bytes = uint64_t{table_clusters_} * cluster_size_;
  table_ = std::move(new_table);
  table_offset_ = P << cluster_bits_;
  table_clusters_ = static_cast<uint32_t>(new_clusters);
  for (auto& [bi, block] : new_blocks) {
    TrimCache();
    blocks_[bi] = std::move(block);
  }
  // The old table is garbage now; freeing it may only leak on a crash, once
  // the header that points away from it is durable (barrier).
  s = file_->Flush();
  if (!s.ok()) return s;
  return Release(old_offset, old_bytes);
}

}  // namespace zonesim::qcow2
