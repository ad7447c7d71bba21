// Persistent dirty bitmaps (qcow2.txt "Bitmaps"; QEMU block/qcow2-bitmap.c):
// the bitmap directory, one bitmap table per bitmap and the data clusters
// the tables point at all hold references. QEMU counts them only when
// autoclear bit 0 vouches for the extension; so do we, otherwise their
// clusters are leaks for both checkers.
#include "qcow2/check/check_context.h"

namespace zonesim::check {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

constexpr uint64_t kExtLength = 24;                     // nb_bitmaps, reserved, directory size and offset
constexpr uint64_t kDirEntryFixed = 24;                 // bytes before extra data and name
constexpr uint64_t kMaxDirectoryBytes = 64ull << 20;    // generous: QEMU allows 65535 small entries
constexpr uint64_t kMaxTableEntries = 0x8000000;        // QEMU BME_MAX_TABLE_SIZE
constexpr uint64_t kTableReservedMask = 0xff000000000001feull;

const HeaderExtension* FindBitmaps(const CheckContext& c) {
  for (const auto& e : c.extensions) {
    if (e.type == kExtBitmaps) return &e;
  }
  return nullptr;
}

bool Inside(const CheckContext& c, uint64_t offset, uint64_t length) {
  return offset <= c.file_size && length <= c.file_size - offset;
}

}  // namespace

void WalkBitmaps(CheckContext& c, bool data_pass) {
  const HeaderExtension* ext = FindBitmaps(c);
  if (ext == nullptr) return;
  if (!(c.header.autoclear_features & kAutoclearBitmaps)) {
    if (!data_pass) {
      c.findings.Add("qcow2.bitmaps_ignored",
                     "a bitmaps extension is present but autoclear bit 0 is clear (autoclear_features " +
                         Hex(c.header.autoclear_features) + ")",
                     {{"autoclear_features", c.header.autoclear_features, ""}});
    }
    return;
  }
  const uint64_t cs = c.cluster_size;
  auto malformed = [&](const std::string& what) {
    c.findings.Add("qcow2.bitmaps_malformed", what);
    c.walk_complete = false;
  };
  if (data_pass) {
    for (const auto& t : c.bitmap_tables) {
      if (!c.Charge(t.entries)) return;
      std::vector<uint8_t> raw(t.entries * 8);
      if (!c.Read(t.offset, raw.size(), raw.data())) return;
      for (uint64_t i = 0; i < t.entries; ++i) {
        const uint64_t e = LoadBE64(raw.data() + i * 8);
        const uint64_t off = e & kOffsetMask;
        if (e & kTableReservedMask) {
          malformed(t.name + " entry " + N(i) + " is " + Hex(e) + ": reserved bits set");
          continue;
        }
        if (off == 0) continue;  // all zeroes or all ones: no cluster
        if (off % cs != 0 || !Inside(c, off, cs)) {
          malformed(t.name + " entry " + N(i) + ": data cluster " + Hex(off) +
                    " is not a cluster-aligned offset inside the file");
          continue;
        }
        c.Reference(off, off + cs, Owner::kBitmapData, [&] { return "a data cluster of " + t.name; });
      }
    }
    return;
  }
  if (ext->data.size() < kExtLength) {
    malformed("the bitmaps extension holds " + N(ext->data.size()) + " bytes, needs " + N(kExtLength));
    return;
  }
  const uint32_t nb = LoadBE32(ext->data.data());
  const uint64_t dir_size = LoadBE64(ext->data.data() + 8);
  const uint64_t dir_offset = LoadBE64(ext->data.data() + 16);
  if (dir_size > kMaxDirectoryBytes || dir_offset == 0 || dir_offset % cs != 0 || !Inside(c, dir_offset, dir_size)) {
    malformed("the bitmap directory (offset " + Hex(dir_offset) + ", " + N(dir_size) +
              " bytes) is not a cluster-aligned range inside the file");
    return;
  }
  std::vector<uint8_t> dir(dir_size);
  if (!c.Read(dir_offset, dir_size, dir.data())) return;
  c.Reference(dir_offset, dir_offset + dir_size, Owner::kBitmapDirectory,
              [] { return std::string("the bitmap directory"); });
  uint64_t off = 0;
  uint32_t found = 0;
  while (off < dir_size && found < nb) {
    if (dir_size - off < kDirEntryFixed) {
      malformed("bitmap directory entry " + N(found) + " is truncated");
      return;
    }
    const uint8_t* p = dir.data() + off;
    const uint64_t table_offset = LoadBE64(p);
    const uint64_t table_size = LoadBE32(p + 8);
    const uint64_t name_size = LoadBE16(p + 18);
    const uint64_t extra = LoadBE32(p + 20);
    const uint64_t len = PaddedLength(kDirEntryFixed + extra + name_size);
    if (len > dir_size - off) {
      malformed("bitmap directory entry " + N(found) + " (" + N(len) + " bytes) extends past the directory");
      return;
    }
    const std::string name = "the table of bitmap " + N(found);
    if (table_size > kMaxTableEntries || table_offset % cs != 0 || (table_size > 0 && table_offset == 0) ||
        !Inside(c, table_offset, table_size * 8)) {
      malformed(name + " (offset " + Hex(table_offset) + ", " + N(table_size) +
                " entries) is not a cluster-aligned range inside the file");
    } else if (table_size > 0) {
      c.Reference(table_offset, table_offset + table_size * 8, Owner::kBitmapTable, [&] { return name; });
      c.bitmap_tables.push_back({table_offset, table_size, name});
    }
    off += len;
    ++found;
  }
  if (found != nb) malformed("the directory holds " + N(found) + " bitmaps, the extension says " + N(nb));
}

}  // namespace zonesim::check
