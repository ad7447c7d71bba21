// Internal snapshots (qcow2.txt "Snapshots"): the snapshot table and each
// snapshot's L1 table. Their L2 tables and data clusters are shared with the
// active table and counted once per table that references them, as QEMU's
// checker counts them. zonesim never writes snapshots; images made by
// `qemu-img snapshot -c` must still check clean.
#include <set>

#include "qcow2/check/check_context.h"

namespace zonesim::check {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

constexpr uint64_t kEntryFixed = 40;                 // bytes before extra data, id and name
constexpr uint64_t kMaxSnapshotTableBytes = 64ull << 20;  // QEMU's QCOW_MAX_SNAPSHOTS_SIZE

}  // namespace

void WalkSnapshotTable(CheckContext& c) {
  const Header& h = c.header;
  if (h.nb_snapshots == 0) return;
  const uint64_t cs = c.cluster_size;
  if (h.nb_snapshots > kMaxSnapshots || h.snapshots_offset == 0 || h.snapshots_offset % cs != 0 ||
      h.snapshots_offset >= c.file_size) {
    c.walk_complete = false;  // reported by the header rules
    return;
  }
  uint64_t off = h.snapshots_offset;
  std::vector<CheckContext::TableRef> l1s;
  for (uint32_t k = 0; k < h.nb_snapshots; ++k) {
    uint8_t fixed[kEntryFixed];
    auto malformed = [&](const std::string& what) {
      c.findings.Add("qcow2.snapshot_table_malformed", "snapshot " + N(k) + " at " + Hex(off) + ": " + what,
                     {{"snapshot", k, ""}, {"entry_offset", off, ""}});
      c.walk_complete = false;
    };
    if (off - h.snapshots_offset > kMaxSnapshotTableBytes) {
      malformed("the snapshot table exceeds " + N(kMaxSnapshotTableBytes) + " bytes");
      break;
    }
    if (off > c.file_size || c.file_size - off < kEntryFixed) {
      malformed("the entry extends beyond the end of the file (size " + N(c.file_size) + ")");
      break;
    }
    if (!c.Read(off, kEntryFixed, fixed)) return;
    const uint64_t l1_offset = LoadBE64(fixed);
    const uint32_t l1_size = LoadBE32(fixed + 8);
    const uint64_t id_len = LoadBE16(fixed + 12), name_len = LoadBE16(fixed + 14);
    const uint64_t extra = LoadBE32(fixed + 36);
    const uint64_t len = PaddedLength(kEntryFixed + extra + id_len + name_len);
    if (c.file_size - off < len) {
      malformed("the entry (" + N(len) + " bytes with " + N(extra) + " bytes of extra data) extends beyond the end of the file");
      break;
    }
    const std::string name = "the L1 table of snapshot " + N(k);
    if (uint64_t{l1_size} * 8 > kMaxL1Bytes || (l1_size > 0 && (l1_offset == 0 || l1_offset % cs != 0)) ||
        (l1_size > 0 && (l1_offset > c.file_size || c.file_size - l1_offset < uint64_t{l1_size} * 8))) {
      c.findings.Add("qcow2.snapshot_l1_invalid",
                     name + ": l1_table_offset " + Hex(l1_offset) + ", l1_size " + N(l1_size) +
                         " (file size " + N(c.file_size) + ")",
                     {{"snapshot", k, ""}, {"l1_table_offset", l1_offset, ""}, {"l1_size", l1_size, ""}});
      c.walk_complete = false;
    } else if (l1_size > 0) {
      l1s.push_back({l1_offset, l1_size, name});
    }
    off += len;
  }
  c.Reference(h.snapshots_offset, std::min(off, c.file_size), Owner::kSnapshotTable,
              [] { return std::string("the snapshot table"); });
  std::set<uint64_t> walked;
  for (const auto& t : l1s) {
    // Two snapshots naming one L1 table: reported as an overlap, walked once
    // (walking it again would only repeat the same references).
    c.Reference(t.offset, t.offset + t.entries * 8, Owner::kSnapshotL1, [&] { return t.name; });
    if (walked.insert(t.offset).second) c.snapshot_l1s.push_back(t);
  }
}

}  // namespace zonesim::check
