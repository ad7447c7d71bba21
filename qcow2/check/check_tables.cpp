// The reference walk of `zonesim check`: every cluster the image uses, each
// counted once per reference, the way QEMU's checker counts them
// (block/qcow2-refcount.c calculate_refcounts): the header cluster, the
// refcount table and blocks, the L1 tables (active and snapshots), every L2
// table they reference and every cluster those reference (a compressed
// cluster counts once for every host cluster its sectors touch), snapshot and
// bitmap metadata - plus the write-pointer table, which QEMU does not know.
// Metadata is registered before what points into it, so an overlap is
// reported at the pointer, with its details.
#include <unordered_set>

#include "qcow2/check/check_context.h"

namespace zonesim::check {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

// The data entries of one L2 table.
void WalkL2Entries(CheckContext& c, const CheckContext::TableRef& t, bool active, uint64_t l1_index,
                   const std::vector<uint8_t>& l2) {
  const uint64_t cs = c.cluster_size;
  const uint64_t per_l2 = cs / 8;
  for (uint64_t j = 0; j < per_l2; ++j) {
    const uint64_t e = LoadBE64(l2.data() + j * 8);
    if (e == 0) continue;
    const uint64_t guest = ((l1_index * per_l2) + j) << c.cluster_bits;
    auto where = [&] { return "the cluster of guest offset " + Hex(guest) + " in " + t.name; };
    if (e & kOflagCompressed) {
      if (e & kOflagCopied) {
        c.findings.Add("qcow2.compressed_copied_flag", where() + " is compressed but its L2 entry " + Hex(e) +
                                                           " has the COPIED flag",
                       {{"guest_offset", guest, ""}, {"entry", e, ""}});
      }
      const CompressedDescriptor d = DecodeCompressed(e, c.cluster_bits);
      const uint64_t begin = d.range_begin();
      if (begin < cs || begin >= c.file_size) {
        c.findings.Add("qcow2.compressed_out_of_bounds",
                       where() + ": compressed data at " + Hex(d.host_offset) + " (" + N(d.sectors) +
                           " sectors) is " + (begin < cs ? "in the header cluster" : "beyond the end of the file") +
                           " (size " + N(c.file_size) + ")",
                       {{"guest_offset", guest, ""}, {"host_offset", d.host_offset, ""}, {"file_size", c.file_size, ""}});
        continue;
      }
      c.Reference(begin, d.range_end(), Owner::kCompressed, [&] { return "the compressed data of " + where(); });
      if (active) c.guest_allocated.push_back(guest >> c.cluster_bits);
      continue;
    }
    if (e & kL2StandardReservedMask) {
      c.findings.Add("qcow2.l2_entry_reserved_bits",
                     where() + ": L2 entry " + Hex(e) + " has reserved bits set (" + Hex(e & kL2StandardReservedMask) + ")",
                     {{"guest_offset", guest, ""}, {"entry", e, ""}});
    }
    const uint64_t host = e & kOffsetMask;
    if (host == 0) continue;  // unallocated, or reads as zeros without a cluster
    if (host & (cs - 1)) {
      c.findings.Add("qcow2.data_unaligned",
                     where() + ": host offset " + Hex(host) + " is not aligned to the cluster size " + N(cs),
                     {{"guest_offset", guest, ""}, {"host_offset", host, ""}});
      continue;
    }
    if (host >= c.file_size) {
      c.findings.Add("qcow2.data_out_of_bounds",
                     where() + ": host offset " + Hex(host) + " is beyond the end of the file (size " + N(c.file_size) + ")",
                     {{"guest_offset", guest, ""}, {"host_offset", host, ""}, {"file_size", c.file_size, ""}});
      continue;
    }
    c.Reference(host, host + cs, Owner::kData, [&] { return "the data cluster of " + where(); });
    if (!active) continue;
    if (c.stored_loaded) {
      const uint64_t rc = c.stored[host >> c.cluster_bits];
      if ((rc == 1) != ((e & kOflagCopied) != 0)) {
        c.findings.Add("qcow2.copied_flag_mismatch",
                       where() + ": L2 entry " + Hex(e) + ((e & kOflagCopied) ? " has" : " lacks") +
                           " the COPIED flag, refcount " + N(rc),
                       {{"guest_offset", guest, ""}, {"entry", e, ""}, {"refcount", rc, ""}});
      }
    }
    if (!(e & kOflagZero)) c.guest_allocated.push_back(guest >> c.cluster_bits);
  }
}

}  // namespace

void WalkL1(CheckContext& c, const CheckContext::TableRef& t, bool active, bool data_pass) {
  if (t.entries == 0 || !c.Charge(t.entries)) return;
  const uint64_t cs = c.cluster_size;
  std::vector<uint8_t> raw(t.entries * 8);  // <= 32 MiB: checked by the caller
  if (!c.Read(t.offset, raw.size(), raw.data())) return;
  std::unordered_set<uint64_t> seen;  // membership only: no order escapes
  std::vector<uint8_t> l2(cs);
  for (uint64_t i = 0; i < t.entries; ++i) {
    const uint64_t e = LoadBE64(raw.data() + i * 8);
    if (e == 0) continue;
    const uint64_t host = e & kOffsetMask;
    const std::string_view name = t.name;
    auto entry_name = [&] { return "L1 entry " + N(i) + " of " + std::string(name); };
    const bool valid = host != 0 && (host & (cs - 1)) == 0 && host < c.file_size && c.file_size - host >= cs;
    const bool first = seen.insert(host).second;
    if (!data_pass) {
      if (e & kL1ReservedMask) {
        c.findings.Add("qcow2.l1_entry_reserved_bits",
                       entry_name() + " is " + Hex(e) + ": reserved bits set (" + Hex(e & kL1ReservedMask) + ")",
                       {{"index", i, ""}, {"entry", e, ""}});
      }
      if (host == 0) {
        if (active && (e & ~kL1ReservedMask) != 0) {
          c.findings.Add("qcow2.l1_copied_without_offset", entry_name() + " is " + Hex(e) + ": flags without an L2 table",
                         {{"index", i, ""}, {"entry", e, ""}});
        }
        continue;
      }
      if (host & (cs - 1)) {
        c.findings.Add("qcow2.l2_unaligned",
                       entry_name() + ": L2 table offset " + Hex(host) + " is not aligned to the cluster size " + N(cs),
                       {{"index", i, ""}, {"l2_offset", host, ""}});
        c.walk_complete = false;
        continue;
      }
      if (!valid) {
        c.findings.Add("qcow2.l2_out_of_bounds",
                       entry_name() + ": L2 table at " + Hex(host) + " lies beyond the end of the file (size " +
                           N(c.file_size) + ")",
                       {{"index", i, ""}, {"l2_offset", host, ""}, {"file_size", c.file_size, ""}});
        c.walk_complete = false;
        continue;
      }
      if (!first) {
        c.findings.Add("qcow2.l2_shared", entry_name() + " names the L2 table at " + Hex(host) + " a second time",
                       {{"index", i, ""}, {"l2_offset", host, ""}});
      }
      c.Reference(host, host + cs, Owner::kL2, [&] { return "the L2 table of " + entry_name(); });
      if (active && c.stored_loaded) {
        const uint64_t rc = c.stored[host >> c.cluster_bits];
        if ((rc == 1) != ((e & kOflagCopied) != 0)) {
          c.findings.Add("qcow2.copied_flag_mismatch",
                         entry_name() + " (" + Hex(e) + ")" + ((e & kOflagCopied) ? " has" : " lacks") +
                             " the COPIED flag, the L2 table's refcount is " + N(rc),
                         {{"index", i, ""}, {"entry", e, ""}, {"refcount", rc, ""}});
        }
      }
      continue;
    }
    if (!valid || !first) continue;  // reported in the first pass; a shared table is walked once
    if (!c.Charge(cs / 8)) return;
    if (!c.Read(host, cs, l2.data())) return;
    WalkL2Entries(c, t, active, i, l2);
  }
}

void WalkReferences(CheckContext& c) {
  const Header& h = c.header;
  const uint64_t cs = c.cluster_size;
  c.refs.assign(c.nb_clusters, 0);
  c.owner.assign(c.nb_clusters, Owner::kNone);
  auto fixed = [](const char* what) { return [what] { return std::string(what); }; };
  c.Reference(0, std::min(cs, c.file_size), Owner::kHeader, fixed("the header cluster"));
  if (c.rt_placed) {
    c.Reference(h.refcount_table_offset, h.refcount_table_offset + uint64_t{h.refcount_table_clusters} * cs,
                Owner::kRefcountTable, fixed("the refcount table"));
  }
  const CheckContext::TableRef active{h.l1_table_offset, c.l1_placed ? h.l1_size : 0u, "the active L1 table"};
  if (c.l1_placed) {
    c.Reference(h.l1_table_offset, h.l1_table_offset + uint64_t{h.l1_size} * 8, Owner::kL1, fixed("the L1 table"));
  }
  if (c.zonedmeta_placed) {
    c.Reference(c.zonedmeta_begin, c.zonedmeta_end, Owner::kZonedmeta, fixed("the write-pointer table"));
  }
  WalkSnapshotTable(c);
  WalkBitmaps(c, false);
  for (uint64_t i = 0; i < c.refcount_table.size(); ++i) {
    const uint64_t b = c.refcount_table[i];
    if (b != 0) c.Reference(b, b + cs, Owner::kRefcountBlock, [&] { return "refcount block " + N(i); });
  }
  // L2 tables of every L1 table, then the clusters they map.
  for (bool data_pass : {false, true}) {
    WalkL1(c, active, true, data_pass);
    for (const auto& t : c.snapshot_l1s) WalkL1(c, t, false, data_pass);
    if (!c.report->checked) return;
  }
  WalkBitmaps(c, true);
  uint64_t used = 0;
  for (uint32_t r : c.refs) used += r != 0;
  c.report->summary.referenced_clusters = used;
}

}  // namespace zonesim::check
