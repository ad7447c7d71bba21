// Qcow2Image: opening and validating an image, the public API, and the
// write-pointer table. Create and the header rewrite are in qcow2_create.cpp,
// guest I/O in qcow2_io.cpp.
//
// Open reads, in this order, each bounded by what was checked before it:
// the first 104 bytes (magic, version, cluster_bits), the header cluster
// (at most 2 MiB, at most the file), the extensions inside it, the L1 table
// (at most 32 MiB and inside the file), the refcount table (at most 8 MiB and
// inside the file), and for zoned images the write-pointer table, streamed in
// 1 MiB pieces so that even a huge (sparse) crafted table costs no memory.
#include <algorithm>
#include <cstring>
#include <new>

#include "common/hex.h"
#include "qcow2/storage/qcow2_image_impl.h"
#include "qcow2/storage/zoned_extension.h"
#include "qcow2/storage/zoned_layout_detect.h"

namespace zonesim {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }
// Bytes of zonedmeta read at a time: small enough that the buffers come from
// the heap's free lists, not fresh zero-filled pages at every open.
constexpr uint64_t kWritePointerChunk = 64ull << 10;

}  // namespace

Qcow2Image::Qcow2Image() : impl_(std::make_unique<Impl>()) {}
// Entries still waiting for their barrier are written (errors are lost:
// call Flush to see them). A fenced file (a simulated power loss) takes none.
Qcow2Image::~Qcow2Image() {
  if (impl_ && impl_->file && !impl_->read_only) (void)impl_->Commit();
}

std::vector<FileRange> Qcow2Image::Impl::FixedMetadata() const {
  std::vector<FileRange> r;
  r.push_back({0, cluster_size, "header cluster"});
  r.push_back({alloc->table_offset(), alloc->table_offset() + uint64_t{alloc->table_clusters()} * cluster_size,
               "refcount table"});
  if (!l1.empty()) {
    const uint64_t bytes = (l1.size() * 8 + cluster_size - 1) & ~(cluster_size - 1);
    r.push_back({header.l1_table_offset, header.l1_table_offset + bytes, "L1 table"});
  }
  if (zoned) {
    const uint64_t bytes = (zoned->zonedmeta_size + cluster_size - 1) & ~(cluster_size - 1);
    r.push_back({zoned->zonedmeta_offset, zoned->zonedmeta_offset + bytes, "zonedmeta (write-pointer table)"});
  }
  return r;
}

Status Qcow2Image::Impl::CheckRange(uint64_t offset, uint64_t length, const char* op) const {
  if (offset > header.size || length > header.size - offset) {
    return Status::InvalidArgument(std::string(op) + " of " + N(length) + " bytes at offset " + N(offset) +
                                   " goes beyond the virtual size " + N(header.size));
  }
  return Status::Ok();
}

Status Qcow2Image::Impl::LoadL1() {
  l1.assign(header.l1_size, 0);
  if (header.l1_size == 0) return Status::Ok();
  std::vector<uint8_t> raw(uint64_t{header.l1_size} * 8);
  Status s = file->Read(header.l1_table_offset, raw.size(), raw.data());
  if (!s.ok()) return s;
  for (uint64_t i = 0; i < header.l1_size; ++i) {
    const uint64_t e = LoadBE64(raw.data() + i * 8);
    if (e == 0) continue;
    if (e & kL1ReservedMask) {
      return Status::Corruption("L1 entry " + N(i) + " (" + Hex(e) + ") has reserved bits set");
    }
    const uint64_t host = e & kOffsetMask;
    if (host == 0) {
      return Status::Corruption("L1 entry " + N(i) + " (" + Hex(e) + ") has the COPIED flag but no L2 table offset");
    }
    if (host & (cluster_size - 1)) {
      return Status::Corruption("L1 entry " + N(i) + ": L2 table offset " + N(host) + " is not cluster aligned");
    }
    if ((host >= known_file_size || known_file_size - host < cluster_size)) {
      return Status::Corruption("L1 entry " + N(i) + ": L2 table at offset " + N(host) +
                                " lies beyond the end of the file (size " + N(known_file_size) + ")");
    }
    if (host < cluster_size) {
      return Status::Corruption("L1 entry " + N(i) + ": L2 table at offset " + N(host) + " is the header cluster");
    }
    l1[i] = e;
  }
  return Status::Ok();
}

// zonedmeta must be owned by the refcount table (refcount 1) and used by no
// other metadata or data cluster (qcow2-zoned.md "Rules a valid image obeys").
Status Qcow2Image::Impl::CheckZonedmetaOwnership() {
  const uint64_t zb = zoned->zonedmeta_offset;
  const uint64_t ze = zb + ((zoned->zonedmeta_size + cluster_size - 1) & ~(cluster_size - 1));
  const std::string where = "zonedmeta [" + N(zb) + ", " + N(ze) + ")";
  for (uint64_t c = zb >> cluster_bits; c < (ze >> cluster_bits); ++c) {
    uint64_t rc = 0;
    Status s = alloc->GetRefcount(c, &rc);
    if (!s.ok()) return s;
    if (rc != 1) {
      return Status::Corruption(where + ": cluster at offset " + N(c << cluster_bits) + " has refcount " + N(rc) +
                                ", expected 1 (note: `qemu-img check -r leaks` frees the write-pointer table of a "
                                "zoned image, because stock QEMU does not know it)");
    }
  }
  const auto& rt = alloc->table();
  for (uint64_t i = 0; i < rt.size(); ++i) {
    if (rt[i] != 0 && rt[i] < ze && zb < rt[i] + cluster_size) {
      return Status::Corruption(where + " overlaps refcount block " + N(i) + " at offset " + N(rt[i]));
    }
  }
  for (uint64_t i = 0; i < l1.size(); ++i) {
    const uint64_t l2 = l1[i] & kOffsetMask;
    if (l2 == 0) continue;
    if (l2 < ze && zb < l2 + cluster_size) {
      return Status::Corruption(where + " overlaps the L2 table of L1 entry " + N(i) + " at offset " + N(l2));
    }
    // A read-write open checks every use of every cluster next
    // (CheckRefcountsForWriting), which also finds a data cluster inside
    // zonedmeta: the L2 tables are scanned once per open, not twice.
    if (!read_only) continue;
    std::vector<uint64_t>* t = nullptr;
    Status s = GetL2(l2, &t);
    if (!s.ok()) return s;
    for (uint64_t j = 0; j < l2_entries; ++j) {
      const uint64_t e = (*t)[j];
      uint64_t b = 0, en = 0;
      if (e & kOflagCompressed) {
        CompressedDescriptor d = DecodeCompressed(e, cluster_bits);
        b = d.range_begin();
        en = d.range_end();
      } else if (e & kOffsetMask) {
        b = e & kOffsetMask;
        en = b + cluster_size;
      }
      if (en > b && b < ze && zb < en) {
        return Status::Corruption(where + " overlaps the data cluster of guest offset " +
                                  N(((i * l2_entries) + j) << cluster_bits) + " (host offset " + N(b) + ")");
      }
    }
  }
  return Status::Ok();
}

Status Qcow2Image::Impl::LoadZoned(const HeaderExtension& ext) {
  ZonedExtension z;
  // A 48-byte extension is v5 or about-v11: the table decides.
  Status s = ResolveZonedExtension(
      ext.data.data(), ext.data.size(), header.size, known_file_size,
      [&](uint64_t off, uint64_t n, uint8_t* out) { return file->Read(off, n, out); }, std::nullopt, &z);
  if (!s.ok()) return s;
  if (z.zoned == 0) {
    warnings.push_back("zoned extension present with zoned = 0 (non-zoned): its fields are ignored");
    return Status::Ok();
  }
  s = ValidateZonedExtension(z, ext.data, header.size, cluster_bits, known_file_size, FixedMetadata(), &warnings);
  if (!s.ok()) return s;
  zoned = z;
  s = CheckZonedmetaOwnership();
  if (!s.ok()) return s;
  // Write pointers, streamed.
  const WritePointerShortcut shortcut(z, header.size);
  std::vector<uint8_t> raw;
  std::vector<uint64_t> entries;
  for (uint64_t done = 0; done < z.zonedmeta_size;) {
    const uint64_t n = std::min(kWritePointerChunk, z.zonedmeta_size - done);
    raw.resize(n);
    s = file->Read(z.zonedmeta_offset + done, n, raw.data());
    if (!s.ok()) return s;
    entries.resize(n / 8);
    LoadWritePointerEntries(raw.data(), n / 8, z.layout, entries.data());
    // One pass: most entries of a large table hold their zone start (one
    // compare, when every start of the chunk is itself clean); the rules
    // judge the others, and the sequential ones are kept for recovery.
    const uint32_t first = static_cast<uint32_t>(done / 8);
    const uint32_t count = static_cast<uint32_t>(n / 8);
    const bool clean_starts = count > 0 && shortcut.starts_clean(first, uint64_t{first} + count - 1);
    const uint64_t* e = entries.data();
    const uint64_t zs = z.zone_size;
    const uint64_t base = uint64_t{first} * zs;
    for (uint32_t i = 0; i < count; ++i) {
      if (clean_starts) {  // a tight scan to the next entry off its start
        uint64_t at = base + uint64_t{i} * zs;
        while (i < count && e[i] == at) {
          ++i;
          at += zs;
        }
        if (i == count) break;
      }
      const uint32_t zone = first + i;
      if (!clean_starts && shortcut.at_start(zone, entries[i])) continue;
      if (!shortcut.clean(zone, entries[i])) {
        s = ValidateWritePointers(z, header.size, zone, &entries[i], 1);
        if (!s.ok()) return s;
      }
      if (zone < z.conventional_zones) continue;
      try {
        write_pointers_at_open.push_back(WritePointerAtOpen{zone, entries[i]});
      } catch (const std::bad_alloc&) {
        const uint64_t kept = write_pointers_at_open.size();
        write_pointers_at_open = {};
        return Status::IoError(path + ": out of memory keeping the write pointers of " + N(kept) +
                               " written zones (at zone " + N(zone) + ")");
      }
    }
    done += n;
  }
  alloc->Reserve(z.zonedmeta_offset >> cluster_bits, (z.zonedmeta_size + cluster_size - 1) >> cluster_bits);
  return Status::Ok();
}

Status Qcow2Image::Impl::Load(bool ro) {
  read_only = ro;
  Status s = file->Size(&known_file_size);
  if (!s.ok()) return s;
  const uint64_t fs = known_file_size;
  // Peek at the fixed part to learn the cluster size.
  uint8_t peek[kHeaderV3MinLength];
  const size_t peek_len = static_cast<size_t>(std::min<uint64_t>(fs, sizeof peek));
  if (peek_len > 0) {
    s = file->Read(0, peek_len, peek);
    if (!s.ok()) return s;
  }
  Header h;
  const bool v3 = peek_len >= 24 && LoadBE32(peek) == kQcowMagic && LoadBE32(peek + 4) == 3;
  if (!v3) {
    s = DecodeHeader(peek, peek_len, &h);  // reports the size, magic or version problem
    if (!s.ok()) return s;
    return ValidateHeader(h, fs);          // version 2: not supported
  }
  const uint32_t bits = LoadBE32(peek + 20);
  if (bits < kMinClusterBits || bits > kMaxClusterBits) {
    return Status::Corruption("cluster_bits " + N(bits) + " is outside 9..21 (cluster sizes 512 B .. 2 MiB)");
  }
  // Extensions live in the header cluster: read all of it (or the whole file if shorter).
  const uint64_t area_len = std::min<uint64_t>(fs, 1ull << bits);
  std::vector<uint8_t> area(area_len);
  s = file->Read(0, area_len, area.data());
  if (!s.ok()) return s;
  s = DecodeHeader(area.data(), area.size(), &h);
  if (!s.ok()) return s;
  s = ValidateHeader(h, fs);
  if (!s.ok()) return s;
  s = DecodeExtensions(area.data(), h.header_length, area.size(), &extensions);
  if (!s.ok()) return s;
  header = h;
  cluster_bits = h.cluster_bits;
  cluster_size = 1ull << cluster_bits;
  l2_entries = cluster_size / 8;
  header_area_length = h.header_length;
  for (const auto& e : extensions) header_area_length += 8 + PaddedLength(e.data.size());
  header_area_length = std::min<uint64_t>(header_area_length + 8, cluster_size);

  s = CheckExtensions(extensions);
  if (!s.ok()) return s;
  std::vector<FeatureName> names;
  const HeaderExtension* zoned_ext = nullptr;
  for (const auto& e : extensions) {
    if (e.type == kExtFeatureTable) {
      s = DecodeFeatureTable(e.data, &names);
      if (!s.ok()) return s;
    }
    if (e.type == kExtZoned) zoned_ext = &e;
  }
  s = CheckFeatureBits(h, names, read_only);
  if (!s.ok()) return s;
  const bool zoned_bit = (h.incompatible_features & kIncompatZoned) != 0;
  if (zoned_bit && !zoned_ext) {
    return Status::Corruption("incompatible feature bit 5 (zoned format) is set but the zoned extension (0x007a6264) is missing");
  }
  if (!zoned_bit && zoned_ext) {
    return Status::Corruption("zoned extension (0x007a6264) is present but incompatible feature bit 5 (zoned format) is clear");
  }
  if (!read_only && h.nb_snapshots > 0) {
    return Status::NotSupported("image has " + N(h.nb_snapshots) +
                                " internal snapshots; writing to such images is not supported (open it read-only)");
  }
  scratch.assign(cluster_size, 0);
  zeros.assign(cluster_size, 0);
  s = LoadL1();
  if (!s.ok()) return s;
  alloc = std::make_unique<ClusterAllocator>(file.get(), cluster_bits, h.refcount_order);
  s = alloc->Load(h.refcount_table_offset, h.refcount_table_clusters, fs);
  if (!s.ok()) return s;
  if (!read_only) {
    // The header cluster is always in use: a refcount of 0 means the refcount
    // structures are damaged, and allocating on them would overwrite metadata.
    uint64_t rc = 0;
    s = alloc->GetRefcount(0, &rc);
    if (!s.ok()) return s;
    if (rc == 0) {
      return Status::Corruption("the header cluster has refcount 0 (no refcount block covers it, or the block says 0): "
                                "the refcounts are damaged; refusing to open read-write (see `zonesim check`)");
    }
  }
  if (zoned_ext) {
    s = LoadZoned(*zoned_ext);
    if (!s.ok()) return s;
  }
  if (!read_only) {
    s = CheckRefcountsForWriting();
    if (!s.ok()) return s;
  }
  // Autoclear bits announce metadata (bitmaps) that a writer unaware of it
  // must invalidate before writing (qcow2.txt autoclear_features). We keep no
  // bitmaps up to date, so a read-write open clears them all.
  if (!read_only && h.autoclear_features != 0) {
    uint8_t raw[8];
    StoreBE64(raw, 0);
    s = file->Write(kAutoclearFeaturesField, 8, raw);
    if (!s.ok()) return s;
    header.autoclear_features = 0;
  }
  return Status::Ok();
}

Status Qcow2Image::Open(Env* env, const std::string& path, bool read_only, std::unique_ptr<Qcow2Image>* out,
                        bool force_share) {
  if (force_share && !read_only) {
    return Status::InvalidArgument(path + ": force-share (-U) is only for read-only opens");
  }
  std::unique_ptr<Qcow2Image> img(new Qcow2Image());
  Impl& m = *img->impl_;
  m.env = env;
  m.path = path;
  Status s = env->OpenFile(path, read_only ? OpenMode::kReadOnly : OpenMode::kReadWrite, &m.file);
  if (!s.ok()) return s;
  s = m.file->Lock(read_only ? (force_share ? ImageLock::kInspect : ImageLock::kRead) : ImageLock::kWrite);
  if (!s.ok()) return s;
  s = m.Load(read_only);
  if (!s.ok()) {
    // Prefix the path once so a one-line message says which file is bad.
    // (Env errors name it already: "read of 8 bytes at offset 0 from PATH failed: ...".)
    if (s.message().rfind(path + ": ", 0) == 0 || s.message().find(" " + path + " failed") != std::string::npos) {
      return s;
    }
    const std::string msg = path + ": " + s.message();
    switch (s.code()) {
      case Status::Code::kCorruption: return Status::Corruption(msg);
      case Status::Code::kNotSupported: return Status::NotSupported(msg);
      case Status::Code::kInvalidArgument: return Status::InvalidArgument(msg);
      case Status::Code::kNotFound: return Status::NotFound(msg);
      default: return Status::IoError(msg);
    }
  }
  *out = std::move(img);
  return Status::Ok();
}

uint64_t Qcow2Image::virtual_size() const { return impl_->header.size; }
uint32_t Qcow2Image::cluster_size() const { return static_cast<uint32_t>(impl_->cluster_size); }
const std::optional<ZonedExtension>& Qcow2Image::zoned() const { return impl_->zoned; }
const std::vector<std::string>& Qcow2Image::warnings() const { return impl_->warnings; }

Status Qcow2Image::Read(uint64_t offset, uint64_t length, uint8_t* out) {
  Status s = impl_->CheckRange(offset, length, "read");
  if (!s.ok() || length == 0) return s;
  return impl_->DoRead(offset, length, out);
}

Status Qcow2Image::Write(uint64_t offset, uint64_t length, const WriteData& data) {
  if (impl_->read_only) return Status::InvalidArgument(impl_->path + ": write to an image opened read-only");
  Status s = impl_->CheckRange(offset, length, "write");
  if (!s.ok() || length == 0) return s;
  s = impl_->DoWrite(offset, length, data);
  if (impl_->write_back) return s;
  Status c = impl_->Commit();  // also after a failure: what was written in full gets published
  return s.ok() ? c : s;
}

Status Qcow2Image::Discard(uint64_t offset, uint64_t length) {
  if (impl_->read_only) return Status::InvalidArgument(impl_->path + ": discard on an image opened read-only");
  Status s = impl_->CheckRange(offset, length, "discard");
  if (!s.ok() || length == 0) return s;
  // Entries waiting to be published go first: written after the discard's
  // cleared entries, they would map the freed clusters again.
  if (impl_->write_back && !impl_->pending_publish.empty()) {
    s = impl_->Commit();
    if (!s.ok()) return s;
  }
  s = impl_->DoDiscard(offset, length);
  if (impl_->write_back) return s;
  Status c = impl_->Commit();
  return s.ok() ? c : s;
}

Status Qcow2Image::Flush() {
  if (impl_->read_only) return Status::Ok();
  return impl_->Commit(/*flush=*/true);
}

void Qcow2Image::SetWriteBack(bool on) { impl_->write_back = on; }

Status Qcow2Image::ReadWritePointers(std::vector<uint64_t>* entries) {
  if (!impl_->zoned) return Status::InvalidArgument(impl_->path + ": not a zoned image (no write-pointer table)");
  const ZonedExtension& z = *impl_->zoned;
  entries->resize(z.nr_zones);
  std::vector<uint8_t> raw;
  for (uint64_t done = 0; done < z.zonedmeta_size;) {  // in pieces: no second table-sized buffer
    const uint64_t n = std::min(kWritePointerChunk, z.zonedmeta_size - done);
    raw.resize(n);
    Status s = impl_->file->Read(z.zonedmeta_offset + done, n, raw.data());
    if (!s.ok()) return s;
    LoadWritePointerEntries(raw.data(), n / 8, z.layout, entries->data() + done / 8);
    done += n;
  }
  return Status::Ok();
}

std::vector<WritePointerAtOpen> Qcow2Image::TakeWritePointersAtOpen() {
  return std::move(impl_->write_pointers_at_open);
}

Status Qcow2Image::WriteWritePointer(uint32_t zone, uint64_t entry) { return WriteWritePointers(zone, {entry}); }

Status Qcow2Image::WriteWritePointers(uint32_t first, const std::vector<uint64_t>& entries) {
  if (!impl_->zoned) return Status::InvalidArgument(impl_->path + ": not a zoned image (no write-pointer table)");
  if (impl_->read_only) return Status::InvalidArgument(impl_->path + ": write-pointer update on a read-only image");
  const ZonedExtension& z = *impl_->zoned;
  if (first > z.nr_zones || entries.size() > z.nr_zones - first) {
    return Status::InvalidArgument("write-pointer entries [" + N(first) + ", " + N(first + entries.size()) +
                                   ") outside the " + N(z.nr_zones) + " zones");
  }
  std::vector<uint8_t> raw(entries.size() * 8);
  for (size_t i = 0; i < entries.size(); ++i) StoreWritePointerEntry(raw.data() + i * 8, entries[i], z.layout);
  return impl_->file->Write(z.zonedmeta_offset + uint64_t{first} * 8, raw.size(), raw.data());
}

}  // namespace zonesim
