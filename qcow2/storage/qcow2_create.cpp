// Creating an image, and rewriting the header cluster to add the zoned
// extension to an existing image.
//
// Layout of a new image, one cluster each unless noted (like qemu-img's,
// with the L1 table after the refcount structures):
//   cluster 0              header, extensions (feature name table, zoned)
//   1 .. rt                refcount table, sized to cover the fully
//                          allocated image so it never has to grow in use
//   next rb clusters       refcount blocks covering every cluster below
//   next l1c clusters      L1 table (zeros: nothing allocated)
//   next zc clusters       zonedmeta: one write pointer per zone (byte order of the layout)
// The file is exactly that many clusters; every byte is a function of the
// options (no timestamps, no randomness), so images are reproducible.
#include <algorithm>
#include <cstring>

#include "qcow2/storage/qcow2_image_impl.h"
#include "qcow2/storage/zoned_extension.h"

namespace zonesim {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }
uint64_t CeilDiv(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

constexpr uint32_t kRefcountOrder = 4;  // 16-bit refcounts, QEMU's default

// Writes the initial write pointers: each zone's start, conventional zones
// flagged (bit 59, or bit 63 in the layouts after v10), in the layout's byte order. Streamed in pieces so a large table needs no large buffer.
Status WriteInitialWritePointers(File* file, const ZonedExtension& z) {
  constexpr uint32_t kPerChunk = 65536;
  std::vector<uint8_t> raw;
  for (uint32_t first = 0; first < z.nr_zones;) {
    const uint32_t n = std::min(kPerChunk, z.nr_zones - first);
    raw.assign(uint64_t{n} * 8, 0);
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t zone = first + i;
      uint64_t entry = uint64_t{zone} * z.zone_size;
      if (zone < z.conventional_zones) entry |= ConventionalFlag(z.layout);
      StoreWritePointerEntry(raw.data() + uint64_t{i} * 8, entry, z.layout);
    }
    Status s = file->Write(z.zonedmeta_offset + uint64_t{first} * 8, raw.size(), raw.data());
    if (!s.ok()) return s;
    first += n;
  }
  return Status::Ok();
}

// Where the zoned extension goes: after the feature name table and the
// bitmaps extension (qcow2-zoned.md), before anything else.
void InsertZonedExtension(std::vector<HeaderExtension>* exts, HeaderExtension zoned) {
  size_t pos = 0;
  for (size_t i = 0; i < exts->size(); ++i) {
    uint32_t t = (*exts)[i].type;
    if (t == kExtFeatureTable || t == kExtBitmaps || t == kExtBackingFormat || t == kExtExternalDataFile ||
        t == kExtFullDiskEncryption) {
      pos = i + 1;
    }
  }
  exts->insert(exts->begin() + static_cast<ptrdiff_t>(pos), std::move(zoned));
}

}  // namespace

Status BuildHeaderArea(Header h, std::vector<HeaderExtension> exts, uint64_t cluster_size, std::vector<uint8_t>* out) {
  auto it = std::find_if(exts.begin(), exts.end(), [](const HeaderExtension& e) { return e.type == kExtFeatureTable; });
  if (it == exts.end()) it = exts.insert(exts.begin(), HeaderExtension{kExtFeatureTable, {}});
  for (bool incompatible_only : {false, true}) {
    it->data = EncodeFeatureTable(StandardFeatureNames(incompatible_only));
    *out = EncodeHeader(h);
    EncodeExtensions(exts, out);
    if (out->size() <= cluster_size) return Status::Ok();
  }
  return Status::InvalidArgument("header and extensions need " + N(out->size()) +
                                 " bytes but the header cluster holds only " + N(cluster_size));
}

Status Qcow2Image::Create(Env* env, const std::string& path, const Qcow2CreateOptions& o, bool overwrite) {
  const uint64_t cs = o.cluster_size;
  if (cs < 512 || cs > (2u << 20) || (cs & (cs - 1)) != 0) {
    return Status::InvalidArgument("cluster size " + N(cs) + " must be a power of two from 512 to 2097152 (2 MiB)");
  }
  const uint32_t cb = static_cast<uint32_t>(__builtin_ctzll(cs));
  if (o.virtual_size == 0 || o.virtual_size % 512 != 0) {
    return Status::InvalidArgument("virtual size " + N(o.virtual_size) + " must be a positive multiple of 512");
  }
  const uint64_t l1_entries = L1EntriesNeeded(o.virtual_size, cb);
  if (l1_entries * 8 > kMaxL1Bytes) {
    return Status::InvalidArgument("virtual size " + N(o.virtual_size) + " is too large for cluster size " + N(cs) +
                                   ": the L1 table would need " + N(l1_entries * 8) + " bytes, beyond QEMU's " +
                                   N(kMaxL1Bytes) + "-byte limit (use a larger cluster size)");
  }
  std::optional<ZonedExtension> zoned = o.zoned;
  if (zoned) {
    Status s = PrepareZonedOptions(o.virtual_size, &*zoned);
    if (!s.ok()) return s;
  }
  // Layout (see the top of this file).
  const uint64_t E = cs * 8 >> kRefcountOrder;  // refcounts per block
  const uint64_t per_table_cluster = cs / 8;
  const uint64_t l1c = CeilDiv(l1_entries * 8, cs);
  const uint64_t zc = zoned ? CeilDiv(zoned->zonedmeta_size, cs) : 0;
  const uint64_t data_clusters = CeilDiv(o.virtual_size, cs);
  uint64_t rt = 1, rb = 1;
  for (;;) {
    const uint64_t total = 1 + rt + rb + l1c + zc;
    const uint64_t rb_new = CeilDiv(total, E);
    const uint64_t full = total + data_clusters + l1_entries;  // + every data cluster and L2 table
    const uint64_t min_rt = CeilDiv(rb_new, per_table_cluster);
    const uint64_t cap_rt = kMaxRefcountTableBytes / cs;
    const uint64_t rt_new = std::max(min_rt, std::min(cap_rt, CeilDiv(CeilDiv(full, E), per_table_cluster)));
    if (rb_new == rb && rt_new == rt) break;
    rb = rb_new;
    rt = rt_new;
  }
  if (rt * cs > kMaxRefcountTableBytes) {
    return Status::InvalidArgument("virtual size " + N(o.virtual_size) + " needs a refcount table beyond " +
                                   N(kMaxRefcountTableBytes) + " bytes with cluster size " + N(cs));
  }
  const uint64_t total = 1 + rt + rb + l1c + zc;
  const uint64_t rt_off = cs;
  const uint64_t rb_off = (1 + rt) * cs;
  const uint64_t l1_off = (1 + rt + rb) * cs;
  const uint64_t zm_off = l1_off + l1c * cs;

  Header h;
  h.cluster_bits = cb;
  h.size = o.virtual_size;
  h.l1_size = static_cast<uint32_t>(l1_entries);
  h.l1_table_offset = l1_off;
  h.refcount_table_offset = rt_off;
  h.refcount_table_clusters = static_cast<uint32_t>(rt);
  h.refcount_order = kRefcountOrder;
  h.header_length = kHeaderV3Length;
  std::vector<HeaderExtension> exts;
  if (zoned) {
    zoned->zonedmeta_offset = zm_off;
    h.incompatible_features |= kIncompatZoned;
    HeaderExtension ze{kExtZoned, {}};
    Status s = EncodeZonedExtension(*zoned, &ze.data);
    if (!s.ok()) return s;
    exts.push_back(std::move(ze));
  }
  std::vector<uint8_t> area;
  Status s = BuildHeaderArea(h, exts, cs, &area);
  if (!s.ok()) return s;

  std::unique_ptr<File> file;
  s = env->CreateFile(path, overwrite, &file);
  if (!s.ok()) return s;
  auto fail = [&](Status st) {
    file.reset();
    env->RemoveFile(path);  // never leave a partial image behind
    return st;
  };
  s = file->Truncate(total * cs);  // every cluster, zero-filled (the L1 table stays zero)
  if (!s.ok()) return fail(s);
  s = file->Write(0, area.size(), area.data());
  if (!s.ok()) return fail(s);
  {
    std::vector<uint8_t> table(rt * cs, 0);
    for (uint64_t i = 0; i < rb; ++i) StoreBE64(table.data() + i * 8, rb_off + i * cs);
    s = file->Write(rt_off, table.size(), table.data());
    if (!s.ok()) return fail(s);
    std::vector<uint8_t> blocks(rb * cs, 0);
    for (uint64_t c = 0; c < total; ++c) SetRefcountEntry(blocks.data(), c, kRefcountOrder, 1);
    s = file->Write(rb_off, blocks.size(), blocks.data());
    if (!s.ok()) return fail(s);
  }
  if (zoned) {
    s = WriteInitialWritePointers(file.get(), *zoned);
    if (!s.ok()) return fail(s);
  }
  s = file->Flush();
  if (!s.ok()) return fail(s);
  return Status::Ok();
}

// Order: allocate zonedmeta clusters (refcounts), write the write pointers,
// then rewrite the header cluster (bit 5 + extension) in one write, so the
// header never points at a table that is not there yet.
Status Qcow2Image::AddZonedExtension(const ZonedExtension& ext) {
  Impl& m = *impl_;
  if (m.read_only) return Status::InvalidArgument(m.path + ": adding the zoned extension needs a read-write open");
  if (m.zoned) return Status::InvalidArgument(m.path + ": image is already zoned");
  ZonedExtension z = ext;
  z.zonedmeta_offset = 0;
  Status s = PrepareZonedOptions(m.header.size, &z);
  if (!s.ok()) return s;
  Header h = m.header;
  h.incompatible_features |= kIncompatZoned;
  std::vector<HeaderExtension> exts;
  for (const auto& e : m.extensions) {
    if (e.type != kExtZoned) exts.push_back(e);  // a zoned = 0 extension is replaced
  }
  HeaderExtension ze{kExtZoned, {}};
  s = EncodeZonedExtension(z, &ze.data);
  if (!s.ok()) return s;
  InsertZonedExtension(&exts, ze);
  std::vector<uint8_t> area;
  s = BuildHeaderArea(h, exts, m.cluster_size, &area);  // same size whatever the offset: check room first
  if (!s.ok()) return Status::InvalidArgument(m.path + ": no room for the zoned extension in the header cluster: " + s.message());

  const uint64_t zc = (z.zonedmeta_size + m.cluster_size - 1) >> m.cluster_bits;
  uint64_t off = 0;
  s = m.alloc->Allocate(zc, &off);
  if (!s.ok()) return s;
  z.zonedmeta_offset = off;
  // The clusters may be reused ones: zero the last one's tail past the table.
  s = m.file->Write(off + ((zc - 1) << m.cluster_bits), m.cluster_size, m.zeros.data());
  if (s.ok()) s = WriteInitialWritePointers(m.file.get(), z);
  if (s.ok()) {
    for (auto& e : exts) {
      if (e.type == kExtZoned) s = EncodeZonedExtension(z, &e.data);
    }
  }
  if (s.ok()) s = BuildHeaderArea(h, exts, m.cluster_size, &area);
  if (s.ok()) s = m.file->Flush();  // barrier: the table and its refcounts before the header points at it
  if (s.ok()) {
    // Overwrite the whole old extension area too (zeros past the new end).
    if (area.size() < m.header_area_length) area.resize(m.header_area_length, 0);
    s = m.file->Write(0, area.size(), area.data());
  }
  if (!s.ok()) {
    m.alloc->Release(off, zc << m.cluster_bits);
    return s;
  }
  m.header = h;
  m.extensions = exts;
  // Re-decode what we wrote so the in-memory extension list matches the file.
  s = DecodeExtensions(area.data(), h.header_length, area.size(), &m.extensions);
  if (!s.ok()) return s;
  m.header_area_length = area.size();
  m.zoned = z;
  m.alloc->Reserve(off >> m.cluster_bits, zc);
  return Status::Ok();
}

}  // namespace zonesim
