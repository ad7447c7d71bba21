// The zoned format checks of `zonesim check` (../shared/spec/qcow2-zoned.md):
// bit 5 and the extension, the layout revision by length, every field rule
// (the opener's rules, qcow2_validate.h, collected), the write-pointer table's
// placement and ownership (stock qcow2 tools free it: `qemu-img check -r
// leaks` calls it leaked), every entry, data allocated beyond a write
// pointer, and with --strict what the spec leaves ambiguous.
#include <algorithm>
#include <set>

#include "qcow2/check/check_context.h"
#include "qcow2/storage/zoned_extension.h"
#include "qcow2/storage/zoned_layout_detect.h"

namespace zonesim::check {

using namespace qcow2;

namespace {

std::string N(uint64_t v) { return std::to_string(v); }

constexpr uint64_t kChunk = 1ull << 20;  // bytes of the write-pointer table read at a time

// An entry in its layout's byte order, and in the other one.
uint64_t DecodeEntry(const uint8_t* p, ZonedLayout l) { return LoadWritePointerEntry(p, l); }
uint64_t DecodeOtherOrder(const uint8_t* p, ZonedLayout l) { return EntriesBigEndian(l) ? LoadLE64(p) : LoadBE64(p); }

// Ambiguities of the extension's fields (--strict).
void StrictFieldRules(CheckContext& c, const ZonedExtension& z) {
  if (z.layout == ZonedLayout::kV5) {
    c.findings.Add("zoned.v5_layout", "the zoned extension is " + N(c.zoned_ext->data.size()) +
                                          " bytes long: the v5/v6 layout");
  }
  if (z.zone_size % 512 != 0 || z.zone_capacity % 512 != 0) {
    c.findings.Add("zoned.zone_size_not_sector_multiple",
                   "zone_size " + N(z.zone_size) + ", zone_capacity " + N(z.zone_capacity),
                   {{"zone_size", z.zone_size, ""}, {"zone_capacity", z.zone_capacity, ""}});
  }
  if (z.conventional_zones < z.nr_zones) {
    const uint32_t seq = z.nr_zones - z.conventional_zones;
    if (z.max_open_zones == seq) {
      c.findings.Add("zoned.limit_equals_sequential_zones",
                     "max_open_zones " + N(z.max_open_zones) + " equals the number of sequential zones",
                     {{"max_open_zones", z.max_open_zones, ""}, {"sequential_zones", seq, ""}});
    }
    if (z.max_active_zones == seq) {
      c.findings.Add("zoned.limit_equals_sequential_zones",
                     "max_active_zones " + N(z.max_active_zones) + " equals the number of sequential zones",
                     {{"max_active_zones", z.max_active_zones, ""}, {"sequential_zones", seq, ""}});
    }
  }
  if (z.max_append_bytes == 0) c.findings.Add("zoned.max_append_zero", "max_append_bytes is 0");
  if (z.zone_size != 0 && c.header.size % z.zone_size != 0) {
    const uint64_t last = c.header.size % z.zone_size;
    c.findings.Add("zoned.last_zone_smaller",
                   "the last zone holds " + N(last) + " bytes (virtual size " + N(c.header.size) + ", zone_size " +
                       N(z.zone_size) + ", zone_capacity " + N(z.zone_capacity) + ")",
                   {{"last_zone_length", last, ""}, {"zone_capacity", z.zone_capacity, ""}});
  }
}

// Zones whose entries lie in the table's bytes [b, e) (relative to its start).
std::pair<uint64_t, uint64_t> ZonesIn(uint64_t b, uint64_t e, uint32_t nr_zones) {
  return {std::min<uint64_t>(b / 8, nr_zones), std::min<uint64_t>((e + 7) / 8, nr_zones)};
}

// Decodes the extension in the layout its length and the image say (a 48-byte
// one is v5 or about-v11: zoned_layout_detect.h), reporting an undecidable
// one, and a layout other than the one --expect-layout pins. False: nothing
// more can be read.
bool DecodeLayout(CheckContext& c, const std::vector<uint8_t>& raw, ZonedExtension* z) {
  const std::optional<ZonedLayout> expected = c.options.expect_layout;
  if (raw.size() == kZonedExtV5Length && raw[0] == 1) {
    const LayoutDecision d = DecideZonedLayout(
        raw.data(), raw.size(), c.header.size, c.file_size,
        [&](uint64_t off, uint64_t n, uint8_t* out) {
          // Read directly: a table outside the file is a misfit, not an I/O failure.
          return c.file->Read(off, n, out);
        });
    std::optional<ZonedLayout> chosen;
    if (d.fitting.size() == 1) {
      chosen = d.fitting[0];
    } else if (d.fitting.empty()) {
      c.findings.Add("zoned.layout_undecided",
                     "the zoned extension is 48 bytes long (v5/v6 or about-v11) and the image is consistent as "
                     "neither: " + d.why_not,
                     {{"length", raw.size(), ""}});
      return false;
    } else {
      const bool pinned = expected && std::count(d.fitting.begin(), d.fitting.end(), *expected);
      c.findings.Add("zoned.layout_ambiguous",
                     std::string("the zoned extension is 48 bytes long and the image is consistent both as v5/v6 "
                                 "and as about-v11: the revision that wrote it cannot be told") +
                         (pinned ? std::string("; checked as ") + ZonedLayoutName(*expected) + ", as --expect-layout says"
                                 : "; `--expect-layout v5|v11` checks it as one of them"),
                     {{"length", raw.size(), ""}});
      if (!pinned) return false;
      chosen = expected;
    }
    (void)DecodeZonedExtensionAs(raw.data(), raw.size(), *chosen, z);
  } else if (!DecodeZonedExtension(raw.data(), raw.size(), z).ok()) {
    return false;  // lengths handled by the caller
  }
  if (expected && z->zoned == 1 && z->layout != *expected) {
    c.findings.Add("zoned.layout_unexpected",
                   std::string("the zoned extension is the ") + ZonedLayoutName(z->layout) + " layout, not the " +
                       ZonedLayoutName(*expected) + " layout --expect-layout names",
                   {{"length", raw.size(), ""}, {"layout", 0, ZonedLayoutId(z->layout)},
                    {"expected", 0, ZonedLayoutId(*expected)}});
  }
  return true;
}

}  // namespace

uint64_t RebuildWritePointer(const CheckContext& c, uint64_t zone) {
  const ZonedExtension& z = *c.zoned;
  const uint64_t start = zone * z.zone_size;
  if (zone < z.conventional_zones) return ConventionalFlag(z.layout) | start;
  const uint64_t vs = c.header.size;
  if (start >= vs) return start;
  const uint64_t cap_end = start + std::min<uint64_t>(z.zone_capacity, vs - start);
  // The last allocated guest cluster that begins below the capacity's end.
  const uint64_t limit = (cap_end + c.cluster_size - 1) >> c.cluster_bits;
  auto it = std::lower_bound(c.guest_allocated.begin(), c.guest_allocated.end(), limit);
  if (it == c.guest_allocated.begin()) return start;
  const uint64_t last_end = (*std::prev(it) + 1) << c.cluster_bits;
  if (last_end <= start) return start;
  return std::min(last_end, cap_end);
}

void CheckZonedExtension(CheckContext& c) {
  const Header& h = c.header;
  const bool bit = (h.incompatible_features & kIncompatZoned) != 0;
  for (const auto& e : c.extensions) {
    if (e.type == kExtZoned) {
      c.zoned_ext = &e;
      break;
    }
  }
  if (bit && c.zoned_ext == nullptr) {
    if (!c.extensions_complete) {
      c.findings.Add("zoned.extension_unreadable",
                     "incompatible bit 5 (zoned format) is set but the header extensions could not all be read; "
                     "the zoned extension was not found among those that could",
                     {{"incompatible_features", h.incompatible_features, ""}});
    } else {
      c.findings.Add("zoned.bit_without_extension",
                     "incompatible bit 5 (zoned format) is set but there is no zoned extension (0x007a6264): the "
                     "zone geometry and the write-pointer table are unknown",
                     {{"incompatible_features", h.incompatible_features, ""}});
    }
    return;
  }
  if (c.zoned_ext == nullptr) return;
  if (!bit) {
    c.findings.Add("zoned.extension_without_bit",
                   "the zoned extension (0x007a6264) is present but incompatible bit 5 (zoned format) is clear: "
                   "any qcow2 writer may open the image and corrupt the write pointers",
                   {{"incompatible_features", h.incompatible_features, ""}});
  }
  const std::vector<uint8_t>& raw = c.zoned_ext->data;
  c.report->summary.zoned_extension_length = static_cast<uint32_t>(raw.size());
  if (raw.size() < kZonedExtV12Length) {
    c.findings.Add("zoned.extension_truncated",
                   "the zoned extension is " + N(raw.size()) + " bytes long, shorter than the 48-byte v5 layout "
                   "(latest layout: 56 bytes; v12: 44 bytes); no zoned field can be read",
                   {{"length", raw.size(), ""}});
    return;
  }
  const bool below_48 = raw.size() < kZonedExtV5Length;
  if (raw.size() > kZonedExtV12Length && raw.size() < kZonedExtLatestLength && raw.size() != kZonedExtV5Length) {
    c.findings.Add("zoned.extension_length",
                   "the zoned extension is " + N(raw.size()) + " bytes long: between the " +
                       (below_48 ? "44-byte v12 and the 48-byte v5/v11 layouts" : "48-byte v5 and the 56-byte latest layout") +
                       "; no zoned field can be read safely",
                   {{"length", raw.size(), ""}});
    return;
  }
  if (raw.size() > kZonedExtLatestLength) {
    c.findings.Add("zoned.extension_tail",
                   "the zoned extension is " + N(raw.size()) + " bytes long; read as the latest layout, the last " +
                       N(raw.size() - kZonedExtLatestLength) + " bytes ignored",
                   {{"length", raw.size(), ""}});
  }
  ZonedExtension z;
  if (!DecodeLayout(c, raw, &z)) return;
  const uint64_t cs = c.cluster_size;
  auto place = [&] {
    if (z.zonedmeta_size == 0) return;
    c.zonedmeta_placed = true;
    c.zonedmeta_begin = z.zonedmeta_offset;
    c.zonedmeta_end = z.zonedmeta_offset + ((z.zonedmeta_size + cs - 1) & ~(cs - 1));
  };
  if (z.zoned == 0) {
    c.findings.Add("zoned.model_non_zoned", "the zoned extension says zoned = 0 (non-zoned): the image is not zoned");
    // Its fields are ignored, but a well-placed table stays claimed: calling
    // it leaked would invite a repair that destroys it.
    if (z.zonedmeta_offset != 0 && z.zonedmeta_offset % cs == 0 && z.zonedmeta_offset >= cs &&
        z.zonedmeta_offset <= c.file_size && z.zonedmeta_size <= c.file_size - z.zonedmeta_offset) {
      place();
    }
    return;
  }
  // The fixed metadata the table must not overlap (as the opener lists it).
  std::vector<FileRange> fixed = {{0, cs, "header cluster"}};
  if (c.rt_placed) {
    fixed.push_back({h.refcount_table_offset, h.refcount_table_offset + uint64_t{h.refcount_table_clusters} * cs,
                     "refcount table"});
  }
  if (c.l1_placed) {
    fixed.push_back({h.l1_table_offset, h.l1_table_offset + ((uint64_t{h.l1_size} * 8 + cs - 1) & ~(cs - 1)),
                     "L1 table"});
  }
  // A zonedmeta_size that disagrees with nr_zones still says where the table
  // is: it stays registered (never "leaked"), and its entries are checked.
  bool placement_ok = true;
  const std::set<std::string_view> placement_rules = {"zoned.unknown_model", "zoned.zonedmeta_unaligned",
                                                      "zoned.zonedmeta_out_of_bounds", "zoned.zonedmeta_overlap"};
  ZonedExtensionRules(z, raw, h.size, c.cluster_bits, c.file_size, fixed, [&](RuleViolation v) {
    if (placement_rules.count(v.id)) placement_ok = false;
    c.findings.Add(v);
    return true;
  });
  if (z.zoned != 1) return;  // unknown model: reported, nothing else is meaningful
  c.zoned = z;
  c.report->summary.zoned = z;
  if (c.options.strict) StrictFieldRules(c, z);
  if (placement_ok) place();
}

void CheckZonedTable(CheckContext& c) {
  if (!c.zoned || !c.zonedmeta_placed || !c.report->checked) return;
  const ZonedExtension& z = *c.zoned;
  const uint64_t vs = c.header.size;
  const uint64_t cs = c.cluster_size;
  const uint64_t zb = c.zonedmeta_begin;
  const uint64_t first_cl = zb >> c.cluster_bits;
  const uint64_t end_cl = std::min<uint64_t>(c.zonedmeta_end >> c.cluster_bits, c.nb_clusters);

  // ---- Ownership: refcount 1, used by nothing else ----
  std::set<uint64_t> reused;  // clusters
  for (const ZonedmetaReuse& r : c.zonedmeta_reuse) {
    if (!reused.insert(r.cluster).second) continue;  // one finding per cluster: the first new user
    const uint64_t off = r.cluster << c.cluster_bits;
    const auto [z0, z1] = ZonesIn(off - zb, off - zb + cs, z.nr_zones);
    c.findings.Add("zoned.wp_table_reused",
                   "the write-pointer table's cluster at " + Hex(off) + " (entries of zones " + N(z0) + " to " +
                       N(z1 - 1) + ") is now " + r.what + ": the write pointers of " + N(z1 - z0) +
                       " zones are lost, their bytes hold other data. Probable history: stock qcow2 tools (e.g. "
                       "`qemu-img check -r leaks` on a copy with bit 5 cleared) freed the table, then a write "
                       "reused the cluster. Not repairable: the zone state cannot be recovered from the image",
                   {{"cluster_offset", off, ""}, {"first_zone", z0, ""}, {"zones_lost", z1 - z0, ""},
                    {"now", 0, OwnerName(r.other)}});
  }
  std::set<uint64_t> freed;  // refcount 0 and not reused
  if (c.stored_loaded) {
    for (uint64_t cl = first_cl; cl < end_cl; ++cl) {
      if (reused.count(cl)) continue;
      const uint64_t rc = c.stored[cl];
      if (rc == 0) {
        freed.insert(cl);
      } else if (rc > 1) {
        c.findings.Add("zoned.wp_table_refcount_high",
                       "the write-pointer table's cluster at " + Hex(cl << c.cluster_bits) + " has refcount " + N(rc) +
                           ", expected 1",
                       {{"cluster_offset", cl << c.cluster_bits, ""}, {"refcount", rc, ""}});
      }
    }
  }
  // QEMU passes the discard of a cluster it frees down to the file (a hole
  // is punched), so a table freed by `qemu-img check -r leaks` usually reads
  // as zeros afterwards: a freed cluster whose entries are all zero has lost
  // them (no valid table is all zeros: zone 1 starts above 0, and conventional
  // entries carry bit 59).
  uint64_t freed_zones = 0, zeroed_zones = 0;
  for (uint64_t cl : freed) {
    const uint64_t b = std::max(zb, cl << c.cluster_bits) - zb;
    const uint64_t e = std::min(z.zonedmeta_size, ((cl + 1) << c.cluster_bits) - zb);
    if (b >= e) continue;
    const auto [z0, z1] = ZonesIn(b, e, z.nr_zones);
    freed_zones += z1 - z0;
    std::vector<uint8_t> bytes(e - b);
    if (!c.Read(zb + b, bytes.size(), bytes.data())) return;
    const bool zero = std::all_of(bytes.begin(), bytes.end(), [](uint8_t x) { return x == 0; });
    if (zero && (z.nr_zones > 1 || z.conventional_zones > 0)) {
      c.zonedmeta_zeroed.push_back(cl);
      zeroed_zones += z1 - z0;
    }
  }
  if (!freed.empty()) {
    const uint64_t total = end_cl - first_cl;
    std::string msg = "the write-pointer table at " + Hex(zb) + " has refcount 0" +
                      (freed.size() == total ? "" : " in " + N(freed.size()) + " of its " + N(total) + " clusters") +
                      ": it was probably freed by `qemu-img check -r leaks` (stock qcow2 tools do not know the table "
                      "and count it as leaked); the write pointers of " + N(freed_zones) +
                      " zones are no longer protected and will be overwritten by the next allocation. ";
    if (zeroed_zones == 0) {
      msg += "Nothing is lost yet: `zonesim check --repair` restores refcount 1";
    } else {
      msg += "Worse, " + N(zeroed_zones) + " of those entries now read as zeros (QEMU discarded the freed clusters): "
             "those write pointers are lost. `zonesim check --repair` restores refcount 1 and rebuilds each lost "
             "write pointer from the data its zone holds (the end of its last allocated cluster), so no written "
             "data is hidden; zone conditions may differ from before (a finished zone without data comes back "
             "EMPTY, a partly written cluster counts as written)";
    }
    c.findings.Add("zoned.wp_table_freed", msg,
                   {{"zonedmeta_offset", zb, ""}, {"freed_clusters", freed.size(), ""}, {"zones", freed_zones, ""},
                    {"zones_zeroed", zeroed_zones, ""}});
  }

  // ---- The entries ----
  // As many as both nr_zones and zonedmeta_size allow (they may disagree:
  // reported above); none without a zone size.
  if (z.zone_size == 0) return;
  const uint64_t table_bytes = std::min<uint64_t>(z.zonedmeta_size & ~uint64_t{7}, uint64_t{z.nr_zones} * 8);
  // Entries in reused clusters hold someone else's data, entries in zeroed
  // clusters are explained above: not judged one by one.
  const std::set<uint64_t> zeroed(c.zonedmeta_zeroed.begin(), c.zonedmeta_zeroed.end());
  auto skipped = [&](uint64_t zone) {
    const uint64_t cl = (zb + zone * 8) >> c.cluster_bits;
    return reused.count(cl) != 0 || zeroed.count(cl) != 0;
  };
  // Pass 1 counts entries that break a rule in each byte order; if only the
  // other order reads cleanly, the table was written in that order: one
  // finding says so instead of one per entry.
  uint64_t bad_here = 0, bad_other = 0, judged = 0, same_both = 0;
  std::vector<uint8_t> raw;
  auto for_each_entry = [&](auto&& fn) {
    for (uint64_t done = 0; done < table_bytes;) {
      const uint64_t n = std::min(kChunk, table_bytes - done);
      raw.resize(n);
      if (!c.Read(zb + done, n, raw.data())) return false;
      for (uint64_t i = 0; i < n / 8; ++i) {
        const uint64_t zone = done / 8 + i;
        if (!skipped(zone)) fn(zone, raw.data() + i * 8);
      }
      done += n;
    }
    return true;
  };
  const WritePointerShortcut shortcut(z, vs);
  auto breaks = [&](uint64_t zone, uint64_t entry) { return shortcut.broken(zone, entry); };
  if (!for_each_entry([&](uint64_t zone, const uint8_t* p) {
        ++judged;
        const bool bh = breaks(zone, DecodeEntry(p, z.layout)), bo = breaks(zone, DecodeOtherOrder(p, z.layout));
        bad_here += bh;
        bad_other += bo;
        same_both += !bh && !bo;
      }))
    return;
  if (bad_here > 0 && bad_other == 0 && !EntriesBigEndian(z.layout)) {
    c.findings.Add("zoned.wp_big_endian",
                   N(bad_here) + " of " + N(judged) + " write-pointer entries break the rules when read little-endian, "
                   "none when read big-endian: the table was written big-endian, and every zone's state is misread",
                   {{"entries", judged, ""}, {"bad_little_endian", bad_here, ""}});
  } else if (bad_here > 0 && bad_other == 0) {
    c.findings.Add("zoned.wp_little_endian",
                   N(bad_here) + " of " + N(judged) + " write-pointer entries break the rules when read big-endian, "
                   "as the " + ZonedLayoutName(z.layout) + " layout stores them, none when read little-endian: the "
                   "table was written with the older encoding, and every zone's state is misread",
                   {{"entries", judged, ""}, {"bad_big_endian", bad_here, ""}});
  } else if (!for_each_entry([&](uint64_t zone, const uint8_t* p) {
               const uint64_t e = DecodeEntry(p, z.layout);
               if (!shortcut.clean(zone, e)) WritePointerRules(z, vs, zone, e, c.findings.Collector());
             })) {
    return;
  }
  if (c.options.strict && !IsPostV10Layout(z.layout)) {  // the later layouts say big-endian
    c.findings.Add("zoned.wp_byte_order_ambiguous",
                   N(judged) + " entries read little-endian; " + N(same_both) +
                       " of them are also valid read big-endian" +
                       (judged > 0 && same_both == judged ? ", so this table's byte order cannot be told from its content"
                                                          : ""),
                   {{"entries", judged, ""}, {"valid_both_orders", same_both, ""}});
  }

  // ---- Data beyond each sequential zone's write pointer ----
  if (c.guest_allocated.empty() || z.zone_size == 0) return;
  const auto& alloc = c.guest_allocated;
  for_each_entry([&](uint64_t zone, const uint8_t* p) {
    const uint64_t wp = DecodeEntry(p, z.layout);
    if (zone < z.conventional_zones || breaks(zone, wp)) return;  // broken entries are reported above
    const uint64_t start = zone * z.zone_size;
    if (start >= vs) return;
    const uint64_t end = start + std::min<uint64_t>(z.zone_size, vs - start);
    // Whole clusters in [wp, zone end): a cluster shared with the next zone
    // or holding bytes before wp legitimately holds data.
    const uint64_t lo = (wp + cs - 1) / cs, hi = end / cs;
    if (lo >= hi) return;
    const auto b = std::lower_bound(alloc.begin(), alloc.end(), lo);
    const auto e = std::lower_bound(b, alloc.end(), hi);
    if (b == e) return;
    const uint64_t n = static_cast<uint64_t>(e - b);
    c.findings.Add("zoned.data_beyond_wp",
                   "zone " + N(zone) + " (start " + Hex(start) + "): write pointer " + Hex(wp) + ", but " + N(n) +
                       " cluster(s) from guest offset " + Hex(*b * cs) + " hold data",
                   {{"zone", zone, ""}, {"write_pointer", wp, ""}, {"clusters", n, ""}, {"first_offset", *b * cs, ""}});
  });
}

}  // namespace zonesim::check
