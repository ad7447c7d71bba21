// Never write over the image's own metadata (QEMU's overlap checks,
// block/qcow2-refcount.c qcow2_check_metadata_overlap, and its refusal of
// images whose refcounts are wrong). Two defences:
//
// 1. At a read-write open, every cluster the tables use (header, L1, refcount
//    table and blocks, L2 tables, data, the write-pointer table) must have a
//    non-zero refcount and belong to one structure only. Otherwise the
//    allocator could hand out a cluster in use (a refcount-0 L1 or L2 table,
//    another zone's data) and the next write would overwrite it, or guest data
//    would land on a table (an L2 entry pointing at an L2 table or a refcount
//    block). Such an image is refused for writing; it still opens read-only.
// 2. Before each data write and each new L2 table, the target host range is
//    checked against the live metadata (fixed structures, refcount blocks,
//    active L2 tables), so a damage the open did not see still cannot make a
//    write destroy metadata.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "qcow2/storage/qcow2_image_impl.h"

namespace zonesim {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

constexpr const char* kRefuseAdvice =
    "; refusing to open it for writing (a write would overwrite it): see `zonesim check` (`zonesim check "
    "--repair` fixes what loses no data), or open it read-only";

// One cluster as the tables use it. The description is built only when the
// check fails: an open walks every L2 entry, and a string per entry was most
// of the cost of reopening a large image (issue 14).
struct Use {
  enum class Kind : uint8_t { kHeader, kL1, kRefcountTable, kRefcountBlock, kWritePointers, kL2, kData };
  uint64_t cluster;
  uint64_t index;  // refcount block index, L1 index, or guest offset of the data
  Kind kind;
  bool compressed;  // compressed data: several may share a host cluster
};

std::string Describe(const Use& u) {
  switch (u.kind) {
    case Use::Kind::kHeader: return "the header cluster";
    case Use::Kind::kL1: return "the L1 table";
    case Use::Kind::kRefcountTable: return "the refcount table";
    case Use::Kind::kRefcountBlock: return "refcount block " + N(u.index);
    case Use::Kind::kWritePointers: return "the write-pointer table";
    case Use::Kind::kL2: return "the L2 table of L1 entry " + N(u.index);
    case Use::Kind::kData: return "the data cluster of guest offset " + N(u.index);
  }
  return "a cluster";
}

}  // namespace

const char* Qcow2Image::Impl::MetadataAt(uint64_t b, uint64_t e) const {
  auto hit = [&](uint64_t rb, uint64_t re) { return b < re && rb < e; };
  if (hit(0, cluster_size)) return "the header cluster";
  const uint64_t rt = alloc->table_offset();
  if (hit(rt, rt + uint64_t{alloc->table_clusters()} * cluster_size)) return "the refcount table";
  if (!l1.empty() && hit(header.l1_table_offset, header.l1_table_offset + l1.size() * 8)) return "the L1 table";
  if (zoned && hit(zoned->zonedmeta_offset, zoned->zonedmeta_offset + zoned->zonedmeta_size)) {
    return "the write-pointer table";
  }
  for (uint64_t block : alloc->table()) {
    if (block != 0 && hit(block, block + cluster_size)) return "a refcount block";
  }
  for (uint64_t entry : l1) {
    const uint64_t l2 = entry & kOffsetMask;
    if (l2 != 0 && hit(l2, l2 + cluster_size)) return "an L2 table";
  }
  return nullptr;
}

Status Qcow2Image::Impl::CheckWriteTarget(uint64_t host_begin, uint64_t host_end, const std::string& what) const {
  const char* meta = MetadataAt(host_begin, host_end);
  if (meta == nullptr) return Status::Ok();
  return Status::Corruption(path + ": refusing to write " + what + " at host offset " + N(host_begin) +
                            ": it overlaps " + meta + " (the image is damaged; see `zonesim check`)");
}

Status Qcow2Image::Impl::CheckRefcountsForWriting() {
  std::vector<Use> uses;
  using K = Use::Kind;
  auto add_range = [&](uint64_t begin, uint64_t end, K kind, uint64_t index, bool compressed) {
    for (uint64_t c = begin >> cluster_bits; c < ((end + cluster_size - 1) >> cluster_bits); ++c) {
      uses.push_back({c, index, kind, compressed});
    }
  };
  add_range(0, cluster_size, K::kHeader, 0, false);
  add_range(header.l1_table_offset, header.l1_table_offset + l1.size() * 8, K::kL1, 0, false);
  add_range(alloc->table_offset(), alloc->table_offset() + uint64_t{alloc->table_clusters()} * cluster_size,
            K::kRefcountTable, 0, false);
  for (uint64_t i = 0; i < alloc->table().size(); ++i) {
    const uint64_t block = alloc->table()[i];
    if (block != 0) add_range(block, block + cluster_size, K::kRefcountBlock, i, false);
  }
  if (zoned) {
    add_range(zoned->zonedmeta_offset, zoned->zonedmeta_offset + zoned->zonedmeta_size, K::kWritePointers, 0,
              false);
  }
  for (uint64_t i = 0; i < l1.size(); ++i) {
    const uint64_t l2 = l1[i] & kOffsetMask;
    if (l2 == 0) continue;
    add_range(l2, l2 + cluster_size, K::kL2, i, false);
    // Read and scanned in place, not loaded into the L2 cache: an open of a
    // large image walks hundreds of tables the session may never touch.
    l2_raw.resize(cluster_size);
    Status s = file->Read(l2, cluster_size, l2_raw.data());
    if (!s.ok()) return s;
    for (uint64_t j = 0; j < l2_entries; ++j) {
      // Most entries of a sparse image are 0: skip them 8 at a time (l2_entries
      // is a power of two >= 64).
      if (j % 8 == 0) {
        uint64_t block[8];
        std::memcpy(block, l2_raw.data() + j * 8, sizeof block);
        if ((block[0] | block[1] | block[2] | block[3] | block[4] | block[5] | block[6] | block[7]) == 0) {
          j += 7;
          continue;
        }
      }
      const uint64_t e = LoadBE64(l2_raw.data() + j * 8);
      if (e == 0) continue;
      const uint64_t guest = (i * l2_entries + j) << cluster_bits;
      if (e & kOflagCompressed) {
        const CompressedDescriptor d = DecodeCompressed(e, cluster_bits);
        add_range(d.range_begin(), d.range_end(), K::kData, guest, true);
      } else if ((e & kOffsetMask) != 0) {
        add_range(e & kOffsetMask, (e & kOffsetMask) + cluster_size, K::kData, guest, false);
      }
    }
  }
  std::stable_sort(uses.begin(), uses.end(), [](const Use& a, const Use& b) { return a.cluster < b.cluster; });
  for (size_t k = 0; k < uses.size(); ++k) {
    const Use& u = uses[k];
    if (k > 0 && uses[k - 1].cluster == u.cluster) {
      if (u.compressed && uses[k - 1].compressed) continue;
      return Status::Corruption("host cluster at offset " + N(u.cluster << cluster_bits) + " is both " +
                                Describe(uses[k - 1]) + " and " + Describe(u) + kRefuseAdvice);
    }
    uint64_t rc = 0;
    Status s = alloc->GetRefcount(u.cluster, &rc);
    if (!s.ok()) return s;
    if (rc == 0) {
      return Status::Corruption(Describe(u) + " (host offset " + N(u.cluster << cluster_bits) +
                                ") has refcount 0, so it could be allocated again" + kRefuseAdvice);
    }
  }
  return Status::Ok();
}

}  // namespace zonesim
