// Guest I/O through the L1/L2 cluster map: reads, writes (allocating data
// clusters and L2 tables through the refcount table) and discards.
//
// Write ordering (crash safety). A crash may keep any subset of the writes
// issued since the last file flush (a page cache and a disk reorder them), so
// an order that matters is enforced with a barrier (a file flush), at most
// two per request, as QEMU's qcow2 cache dependencies do (block/qcow2-cache.c:
// the refcount cache is flushed before an L2 table that depends on it):
//   1. refcounts of newly allocated clusters (ClusterAllocator::Allocate
//      writes them before returning; a new refcount block is itself flushed
//      before the refcount table points at it);
//   2. the contents of the new clusters (guest data, or a zeroed L2 table);
//   -- barrier --
//   3. the L2 entries (and L1 entries) that publish them (Publish, Commit);
//   -- barrier -- (only if 4 has work)
//   4. refcount decrements of clusters the old entries referenced (copy-on-
//      write of compressed clusters, discards: their L2 entries are cleared
//      first, then the barrier, then the decrements).
// Whatever subset of a step survives, the image's worst flaw is a leaked
// cluster (refcount above the references), never a reference to a cluster
// with refcount 0 or to a table that is not there.
// Rewriting data inside an already allocated cluster (COPIED flag, refcount
// one) is a plain overwrite: no metadata changes.
#include <algorithm>
#include <cstring>

#include "common/hex.h"
#include "qcow2/storage/compressed_cluster.h"
#include "qcow2/storage/qcow2_image_impl.h"

namespace zonesim {

using namespace qcow2;

namespace {

constexpr uint64_t kL2CacheBytes = 64ull << 20;

bool IsCompressed(uint64_t e) { return (e & kOflagCompressed) != 0; }
// A standard entry whose cluster holds data to read (not unallocated, not the zero flag).
bool HasData(uint64_t e) { return !IsCompressed(e) && (e & kOffsetMask) != 0 && !(e & kOflagZero); }
// Data may be written in place: allocated, refcount exactly one, not zero-flagged.
bool InPlace(uint64_t e) { return HasData(e) && (e & kOflagCopied); }

}  // namespace

Status Qcow2Image::Impl::GetL2(uint64_t host, std::vector<uint64_t>** table) {
  auto it = l2_cache.find(host);
  if (it != l2_cache.end()) {
    *table = &it->second;
    return Status::Ok();
  }
  if ((l2_cache.size() + 1) * cluster_size > kL2CacheBytes) {
    Status s = ClearL2Cache();
    if (!s.ok()) return s;
  }
  std::vector<uint8_t>& raw = l2_raw;
  raw.resize(cluster_size);
  Status s = file->Read(host, cluster_size, raw.data());
  if (!s.ok()) return s;
  std::vector<uint64_t> t;
  t.reserve(l2_entries);  // not zero-filled first: an open may load hundreds of tables
  for (uint64_t i = 0; i < l2_entries; ++i) t.push_back(LoadBE64(raw.data() + i * 8));
  *table = &l2_cache.emplace(host, std::move(t)).first->second;
  return Status::Ok();
}

void Qcow2Image::Impl::Publish(uint64_t offset, uint64_t length, const uint8_t* bytes) {
  const uint64_t pos = pending_bytes.size();
  pending_bytes.insert(pending_bytes.end(), bytes, bytes + length);
  pending_publish.push_back(PendingWrite{offset, pos, length});
}

Status Qcow2Image::Impl::Commit(bool flush) {
  if (pending_publish.empty() && pending_release.empty()) return flush ? file->Flush() : Status::Ok();
  Status s = file->Flush();  // barrier: refcounts and contents (and cleared entries) before the entries
  for (size_t i = 0; s.ok() && i < pending_publish.size(); ++i) {
    const PendingWrite& w = pending_publish[i];
    s = file->Write(w.offset, w.len, pending_bytes.data() + w.pos);
  }
  const bool published = !pending_publish.empty();
  pending_publish.clear();
  pending_bytes.clear();
  if (!s.ok()) {
    // The cached tables and L1 hold entries the file may lack: reread them.
    l2_cache.clear();
    Status r = LoadL1();
    pending_release.clear();  // leaked rather than freed while maybe referenced
    return r.ok() ? s : r;
  }
  if (!pending_release.empty()) {
    // Barrier: the entries that dropped the references before the decrements.
    if (published) s = file->Flush();
    for (size_t i = 0; s.ok() && i < pending_release.size(); ++i) s = ReleaseEntry(pending_release[i]);
    pending_release.clear();
    if (!s.ok()) return s;
  }
  return flush ? file->Flush() : Status::Ok();
}

Status Qcow2Image::Impl::ClearL2Cache() {
  Status s = Commit();  // entries waiting for a barrier live in the cache only
  l2_cache.clear();
  return s;
}

Status Qcow2Image::Impl::LookupEntry(uint64_t g, uint64_t* entry) {
  *entry = 0;
  const uint64_t l1i = g / l2_entries;
  if (l1i >= l1.size()) return Status::Ok();
  const uint64_t host = l1[l1i] & kOffsetMask;
  if (host == 0) return Status::Ok();
  std::vector<uint64_t>* t = nullptr;
  Status s = GetL2(host, &t);
  if (!s.ok()) return s;
  *entry = (*t)[g % l2_entries];
  return CheckEntry(*entry, g);
}

Status Qcow2Image::Impl::CheckEntry(uint64_t e, uint64_t g) {
  if (e == 0) return Status::Ok();
  const uint64_t guest = g << cluster_bits;
  if (IsCompressed(e)) {
    if (e & kOflagCopied) {
      return Status::Corruption("L2 entry for guest offset " + std::to_string(guest) + " (" + Hex(e) +
                                ") is compressed but has the COPIED flag");
    }
    CompressedDescriptor d = DecodeCompressed(e, cluster_bits);
    if (d.host_offset < cluster_size) {
      return Status::Corruption("compressed cluster for guest offset " + std::to_string(guest) +
                                " points into the header cluster (host offset " + std::to_string(d.host_offset) + ")");
    }
    return Status::Ok();
  }
  if (e & kL2StandardReservedMask) {
    return Status::Corruption("L2 entry for guest offset " + std::to_string(guest) + " (" + Hex(e) +
                              ") has reserved bits set");
  }
  const uint64_t host = e & kOffsetMask;
  if (host & (cluster_size - 1)) {
    return Status::Corruption("L2 entry for guest offset " + std::to_string(guest) + ": host offset " +
                              std::to_string(host) + " is not cluster aligned");
  }
  if (host == 0 && (e & kOflagCopied)) {
    return Status::Corruption("L2 entry for guest offset " + std::to_string(guest) + " (" + Hex(e) +
                              ") has the COPIED flag but no host offset");
  }
  return Status::Ok();
}

Status Qcow2Image::Impl::Decompress(uint64_t e, uint64_t g) {
  if (decompressed_entry == e && e != 0) return Status::Ok();
  decompressed_entry = 0;
  CompressedDescriptor d = DecodeCompressed(e, cluster_bits);
  uint64_t want = d.length();
  if (d.host_offset + want > known_file_size) {
    Status s = file->Size(&known_file_size);
    if (!s.ok()) return s;
  }
  if (d.host_offset >= known_file_size) {
    return Status::Corruption("compressed cluster for guest offset " + std::to_string(g << cluster_bits) +
                              " starts at host offset " + std::to_string(d.host_offset) +
                              ", beyond the end of the file (size " + std::to_string(known_file_size) + ")");
  }
  // The last sector may extend past the end of the file; decompression stops
  // at a full cluster anyway.
  want = std::min(want, known_file_size - d.host_offset);
  compressed.resize(want);
  Status s = file->Read(d.host_offset, want, compressed.data());
  if (!s.ok()) return s;
  decompressed.resize(cluster_size);
  s = InflateCluster(compressed.data(), want, decompressed.data(), cluster_size);
  if (!s.ok()) {
    return Status::Corruption("guest offset " + std::to_string(g << cluster_bits) + ": " + s.message());
  }
  decompressed_entry = e;
  return Status::Ok();
}

Status Qcow2Image::Impl::DoRead(uint64_t off, uint64_t len, uint8_t* out) {
  // Contiguous host ranges are read with one call.
  uint64_t run_host = 0, run_len = 0;
  uint8_t* run_out = nullptr;
  auto flush_run = [&]() -> Status {
    if (run_len == 0) return Status::Ok();
    Status s = file->Read(run_host, run_len, run_out);
    run_len = 0;
    return s;
  };
  while (len > 0) {
    const uint64_t g = off >> cluster_bits;
    const uint64_t in = off & (cluster_size - 1);
    const uint64_t n = std::min(len, cluster_size - in);
    uint64_t e = 0;
    Status s = LookupEntry(g, &e);
    if (!s.ok()) return s;
    if (HasData(e)) {
      const uint64_t host = (e & kOffsetMask) + in;
      if (run_len > 0 && run_host + run_len == host) {
        run_len += n;
      } else {
        s = flush_run();
        if (!s.ok()) return s;
        run_host = host;
        run_len = n;
        run_out = out;
      }
    } else {
      s = flush_run();
      if (!s.ok()) return s;
      if (IsCompressed(e)) {
        s = Decompress(e, g);
        if (!s.ok()) return s;
        std::memcpy(out, decompressed.data() + in, n);
      } else {
        std::memset(out, 0, n);  // unallocated, or the zero flag
      }
    }
    off += n;
    out += n;
    len -= n;
  }
  return flush_run();
}

Status Qcow2Image::Impl::WriteL2Entries(uint64_t l2_host, const std::vector<uint64_t>& table, uint64_t first,
                                        uint64_t count) {
  entry_buf.resize(count * 8);
  for (uint64_t i = 0; i < count; ++i) StoreBE64(entry_buf.data() + i * 8, table[first + i]);
  Status s = file->Write(l2_host + first * 8, count * 8, entry_buf.data());
  // The cached table already holds the new entries: if the file did not take
  // them, forget the cached copy so it is reread as the file has it.
  if (!s.ok()) l2_cache.erase(l2_host);
  return s;
}

Status Qcow2Image::Impl::PublishL2Entries(uint64_t l2_host, const std::vector<uint64_t>& table, uint64_t first,
                                          uint64_t count) {
  entry_buf.resize(count * 8);
  for (uint64_t i = 0; i < count; ++i) StoreBE64(entry_buf.data() + i * 8, table[first + i]);
  Publish(l2_host + first * 8, count * 8, entry_buf.data());
  return Status::Ok();
}

Status Qcow2Image::Impl::ReleaseEntry(uint64_t e) {
  if (IsCompressed(e)) {
    CompressedDescriptor d = DecodeCompressed(e, cluster_bits);
    if (decompressed_entry == e) decompressed_entry = 0;
    return alloc->Release(d.range_begin(), d.range_end() - d.range_begin());
  }
  const uint64_t host = e & kOffsetMask;
  if (host == 0) return Status::Ok();
  return alloc->Release(host, cluster_size);
}

Status Qcow2Image::Impl::EnsureL2(uint64_t l1i, uint64_t* l2_host) {
  const uint64_t e = l1[l1i];
  const uint64_t host = e & kOffsetMask;
  uint8_t raw[8];
  if (host != 0) {
    if (!(e & kOflagCopied)) {
      // Refcount other than one: shared with a snapshot. Only a missing flag
      // (refcount one) can be repaired without touching the data clusters.
      uint64_t rc = 0;
      Status s = alloc->GetRefcount(host >> cluster_bits, &rc);
      if (!s.ok()) return s;
      if (rc != 1) {
        return Status::NotSupported("L2 table at host offset " + std::to_string(host) + " has refcount " +
                                    std::to_string(rc) + " (shared by an internal snapshot); cannot write to it");
      }
      StoreBE64(raw, host | kOflagCopied);
      s = file->Write(header.l1_table_offset + l1i * 8, 8, raw);
      if (!s.ok()) return s;
      l1[l1i] = host | kOflagCopied;
    }
    *l2_host = host;
    return Status::Ok();
  }
  uint64_t fresh = 0;
  Status s = alloc->Allocate(1, &fresh);  // 1. refcount
  if (!s.ok()) return s;
  s = CheckWriteTarget(fresh, fresh + cluster_size, "a new L2 table");
  if (!s.ok()) return s;
  s = file->Write(fresh, cluster_size, zeros.data());  // 2. an empty L2 table
  if (!s.ok()) return s;
  if ((l2_cache.size() + 1) * cluster_size > kL2CacheBytes) {
    s = ClearL2Cache();
    if (!s.ok()) return s;
  }
  l2_cache[fresh] = std::vector<uint64_t>(l2_entries, 0);
  StoreBE64(raw, fresh | kOflagCopied);  // 3. publish in L1, after the barrier
  Publish(header.l1_table_offset + l1i * 8, 8, raw);
  l1[l1i] = fresh | kOflagCopied;
  *l2_host = fresh;
  return Status::Ok();
}

Status Qcow2Image::Impl::OldContent(uint64_t e, uint64_t g, uint8_t* out) {
  if (IsCompressed(e)) {
    Status s = Decompress(e, g);
    if (!s.ok()) return s;
    std::memcpy(out, decompressed.data(), cluster_size);
    return Status::Ok();
  }
  if (HasData(e)) return file->Read(e & kOffsetMask, cluster_size, out);
  std::memset(out, 0, cluster_size);  // fresh clusters are zero-filled
  return Status::Ok();
}

// Writes the first `length` bytes of data at host offset `host`: straight
// from the caller's buffer, or generated piece by piece into `staging` (1 MiB
// at most, so a large generated write never exists whole in memory).
Status Qcow2Image::Impl::StoreData(uint64_t host, uint64_t length, const WriteData& data) {
  if (data.bytes() != nullptr) return file->Write(host, length, data.bytes());
  constexpr uint64_t kPiece = 1 << 20;
  staging.resize(std::min(length, kPiece));
  for (uint64_t done = 0; done < length;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(staging.size(), length - done));
    data.CopyTo(done, n, staging.data());
    Status s = file->Write(host + done, n, staging.data());
    if (!s.ok()) return s;
    done += n;
  }
  return Status::Ok();
}

// Clusters [g0, g1) of L2 table `table` (cached, at l2_host) get new host
// clusters holding guest bytes [begin, end) from src (src starts at guest
// byte `begin`); clusters only partly covered keep their old content around
// the new bytes. The host clusters come from the lowest free run; if it is
// shorter than the request, the request is served in several runs.
Status Qcow2Image::Impl::WriteNewRun(uint64_t l2_host, std::vector<uint64_t>& table, uint64_t g0, uint64_t g1,
                                     uint64_t begin, uint64_t end, const WriteData& src) {
  while (g0 < g1) {
    uint64_t host = 0, n = 0;
    Status s = alloc->AllocateUpTo(g1 - g0, &host, &n);  // 1. refcounts
    if (!s.ok()) return s;
    const uint64_t ga = g0, gb = g0 + n;
    const uint64_t rb = std::max(begin, ga << cluster_bits);
    const uint64_t re = std::min(end, gb << cluster_bits);
    s = CheckWriteTarget(host, host + (n << cluster_bits), "newly allocated guest data");
    if (!s.ok()) return s;
    // 2. data. Only the first and the last cluster can be partial; their new
    // bytes go straight into the cluster being assembled.
    uint64_t full_first = ga, full_end = gb;
    auto write_partial = [&](uint64_t g) -> Status {
      const uint64_t cb = g << cluster_bits;
      const uint64_t lo = std::max(rb, cb), hi = std::min(re, cb + cluster_size);
      Status st = OldContent(table[g % l2_entries], g, scratch.data());
      if (!st.ok()) return st;
      src.CopyTo(lo - begin, hi - lo, scratch.data() + (lo - cb));
      return file->Write(host + ((g - ga) << cluster_bits), cluster_size, scratch.data());
    };
    if (rb > (ga << cluster_bits) || re < ((ga + 1) << cluster_bits)) {
      s = write_partial(ga);
      if (!s.ok()) return s;
      full_first = ga + 1;
    }
    if (gb - 1 >= full_first && re < (gb << cluster_bits)) {
      s = write_partial(gb - 1);
      if (!s.ok()) return s;
      full_end = gb - 1;
    }
    if (full_end > full_first) {
      const uint64_t gbyte = full_first << cluster_bits;
      s = StoreData(host + ((full_first - ga) << cluster_bits), (full_end - full_first) << cluster_bits,
                    src.Skip(gbyte - begin));
      if (!s.ok()) return s;
    }
    // 3. publish (after the barrier), 4. drop references the old entries held (after another).
    const uint64_t first = ga % l2_entries;
    for (uint64_t i = 0; i < n; ++i) {
      if (table[first + i] != 0) pending_release.push_back(table[first + i]);
      table[first + i] = (host + (i << cluster_bits)) | kOflagCopied;
    }
    s = PublishL2Entries(l2_host, table, first, n);
    if (!s.ok()) return s;
    g0 = gb;
  }
  return Status::Ok();
}

// Guest bytes [off, off + len) inside the range of one L2 table: run by run
// (clusters written in place at consecutive host offsets, or clusters that
// need new ones), with the table looked up once for all of them. Nothing
// called from here loads another L2 table or clears the cache (a failed
// WriteL2Entries drops this table, and the write stops there), so the
// reference stays valid throughout.
Status Qcow2Image::Impl::WriteInL2(uint64_t l2_host, uint64_t off, uint64_t len, const WriteData& data) {
  std::vector<uint64_t>* t = nullptr;
  Status s = GetL2(l2_host, &t);
  if (!s.ok()) return s;
  std::vector<uint64_t>& table = *t;
  const uint64_t last = (off + len - 1) >> cluster_bits;
  uint64_t g = off >> cluster_bits;
  while (g <= last) {
    const uint64_t e = table[g % l2_entries];
    s = CheckEntry(e, g);
    if (!s.ok()) return s;
    const bool in_place = InPlace(e);
    uint64_t run_end = g + 1;
    while (run_end <= last) {
      const uint64_t next = table[run_end % l2_entries];
      if (CheckEntry(next, run_end).ok() == false) break;
      if (in_place) {
        if (!InPlace(next) || (next & kOffsetMask) != (e & kOffsetMask) + ((run_end - g) << cluster_bits)) break;
      } else if (InPlace(next)) {
        break;
      }
      ++run_end;
    }
    const uint64_t rb = std::max(off, g << cluster_bits);
    const uint64_t re = std::min(off + len, run_end << cluster_bits);
    const WriteData src = data.Skip(rb - off);
    if (in_place) {
      const uint64_t host = e & kOffsetMask;
      // A damaged L2 entry must not make guest data overwrite the image's own tables.
      s = CheckWriteTarget(host, host + ((run_end - g) << cluster_bits),
                           "guest data for offset " + std::to_string(g << cluster_bits));
      if (!s.ok()) return s;
      s = StoreData(host + (rb - (g << cluster_bits)), re - rb, src);
    } else {
      s = WriteNewRun(l2_host, table, g, run_end, rb, re, src);
    }
    if (!s.ok()) return s;
    g = run_end;
  }
  return Status::Ok();
}

Status Qcow2Image::Impl::DoWrite(uint64_t off, uint64_t len, const WriteData& data) {
  const uint64_t table_span = l2_entries << cluster_bits;  // guest bytes one L2 table maps
  uint64_t done = 0;
  while (len > 0) {
    const uint64_t l1i = off / table_span;
    const uint64_t n = std::min(len, (l1i + 1) * table_span - off);
    uint64_t l2_host = 0;
    Status s = EnsureL2(l1i, &l2_host);
    if (!s.ok()) return s;
    s = WriteInL2(l2_host, off, n, data.Skip(done));
    if (!s.ok()) return s;
    off += n;
    done += n;
    len -= n;
  }
  return Status::Ok();
}

// Whole clusters [first, end) of L2 table l1_index become unallocated.
Status Qcow2Image::Impl::DiscardInL2(uint64_t l1i, uint64_t first, uint64_t end) {
  if ((l1[l1i] & kOffsetMask) == 0) return Status::Ok();  // nothing allocated here
  uint64_t l2_host = 0;
  Status s = EnsureL2(l1i, &l2_host);
  if (!s.ok()) return s;
  std::vector<uint64_t>* t = nullptr;
  s = GetL2(l2_host, &t);
  if (!s.ok()) return s;
  std::vector<uint64_t> old;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint64_t g = first; g < end; ++g) {
    uint64_t& slot = (*t)[g % l2_entries];
    if (slot == 0) continue;
    s = CheckEntry(slot, g);
    if (!s.ok()) return s;
    old.push_back(slot);
    slot = 0;
    lo = std::min(lo, g % l2_entries);
    hi = g % l2_entries;
  }
  if (old.empty()) return Status::Ok();
  s = WriteL2Entries(l2_host, *t, lo, hi - lo + 1);  // unpublish now
  if (!s.ok()) return s;
  // Free after the barrier in Commit: a decrement that reached the disk before
  // the cleared entries would leave them referencing free clusters.
#ifndef ZONESIM_MUTANT_RESET_LEAKS
  pending_release.insert(pending_release.end(), old.begin(), old.end());
#else
  // A deliberately broken build (cmake -DZONESIM_MUTANT=reset_leaks): a zone
  // reset (any discard) clears the L2 entries but never decrements the
  // refcounts: every reset leaks the zone's clusters.
#endif
  return Status::Ok();
}

Status Qcow2Image::Impl::DoDiscard(uint64_t off, uint64_t len) {
  // Partial clusters at the ends are zero-filled (only if they hold data:
  // an unallocated or zero-flagged cluster already reads as zeros).
  auto zero_partial = [&](uint64_t o, uint64_t n) -> Status {
    uint64_t e = 0;
    Status s = LookupEntry(o >> cluster_bits, &e);
    if (!s.ok()) return s;
    if (!HasData(e) && !IsCompressed(e)) return Status::Ok();
    return DoWrite(o, n, zeros.data());
  };
  const uint64_t head_end = std::min(off + len, (off + cluster_size - 1) & ~(cluster_size - 1));
  if (off & (cluster_size - 1)) {
    Status s = zero_partial(off, head_end - off);
    if (!s.ok()) return s;
    len -= head_end - off;
    off = head_end;
  }
  const uint64_t whole_end = off + (len & ~(cluster_size - 1));
  uint64_t g = off >> cluster_bits;
  const uint64_t g_end = whole_end >> cluster_bits;
  while (g < g_end) {
    const uint64_t l1i = g / l2_entries;
    const uint64_t stop = std::min(g_end, (l1i + 1) * l2_entries);
    if (l1i < l1.size()) {
      Status s = DiscardInL2(l1i, g, stop);
      if (!s.ok()) return s;
    }
    g = stop;
  }
  if (whole_end < off + len) return zero_partial(whole_end, off + len - whole_end);
  return Status::Ok();
}

}  // namespace zonesim
