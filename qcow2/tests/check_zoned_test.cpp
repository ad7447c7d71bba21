// `zonesim check`, the zoned format: every rule of qcow2-zoned.md gets a
// crafted image and must be reported with its identifier and values; the
// write-pointer table is never called leaked; a freed or reused table is
// explained; --strict adds the ambiguities; --repair restores what it can.
#include <doctest/doctest.h>

#include "qcow2/check/check_context.h"
#include "qcow2/tests/check_test_util.h"

namespace zonesim::checktest {
namespace {

const Bytes& Base() {
  static const Bytes b = ZonedImageBytes();
  return b;
}

template <class Patch>
CheckReport With(Patch patch, bool strict = false) {
  Bytes b = Base();
  patch(b);
  CheckOptions o;
  o.strict = strict;
  return Check(b, o);
}

void Expect(const CheckReport& r, const std::string& id, int exit_code) {
  INFO(check::FormatText(r));
  CHECK_MESSAGE(r.has(id), id);
  CHECK(r.exit_code() == exit_code);
}

TEST_CASE("the write-pointer table is owned, not leaked") {
  CheckReport r = Check(Base());
  CHECK(r.findings.empty());
  CHECK(r.leaked_clusters.empty());
  const Layout l(Base());
  CHECK(GetRefcount(Base(), l.meta) == 1);
}

TEST_CASE("bit 5 and the extension come together") {
  const Layout l(Base());
  Expect(With([](Bytes& b) { b[79] &= ~0x20; }), "zoned.extension_without_bit", 2);
  Expect(With([&](Bytes& b) { StoreBE32(b.data() + l.zext - 8, 0x11111111); }), "zoned.bit_without_extension", 2);
  // The extension area cannot be walked to its end: say so instead of "missing".
  const size_t ft = ExtensionData(Base(), qcow2::kExtFeatureTable);
  REQUIRE(ft != 0);
  REQUIRE(ft < l.zext);
  Expect(With([&](Bytes& b) { StoreBE32(b.data() + ft - 4, 0x7fffffff); }), "zoned.extension_unreadable", 2);
}

TEST_CASE("layout revision by extension length") {
  const Layout l(Base());
  Expect(With([&](Bytes& b) { StoreBE32(b.data() + l.zext - 4, 40); }), "zoned.extension_truncated", 2);
  Expect(With([&](Bytes& b) { StoreBE32(b.data() + l.zext - 4, 52); }), "zoned.extension_length", 2);
  // 64 bytes: the latest layout with a tail (the end marker after it is
  // overwritten by the longer length's padding; the header cluster has room).
  CheckReport tail = With([&](Bytes& b) { StoreBE32(b.data() + l.zext - 4, 64); });
  Expect(tail, "zoned.extension_tail", 0);
  CHECK(tail.summary.zoned_extension_length == 64);
  CheckReport v5 = Check(ZonedImageBytes(ZonedLayout::kV5));
  CHECK(v5.findings.empty());
  CHECK(v5.summary.zoned->layout == ZonedLayout::kV5);
  CHECK(Strict(ZonedImageBytes(ZonedLayout::kV5)).has("zoned.v5_layout"));
}

TEST_CASE("zone model and reserved bytes") {
  const Layout l(Base());
  CheckReport unknown = With([&](Bytes& b) { b[l.zext + kZoned] = 7; });
  Expect(unknown, "zoned.unknown_model", 2);
  CHECK(Value(*Find(unknown, "zoned.unknown_model"), "zoned") == 7);
  CHECK_FALSE(unknown.summary.zoned.has_value());
  Expect(With([&](Bytes& b) { b[l.zext + 2] = 1; }), "zoned.reserved_nonzero", 2);
  CheckReport off = With([&](Bytes& b) { b[l.zext + kZoned] = 0; });
  Expect(off, "zoned.model_non_zoned", 0);
}

TEST_CASE("every field rule, with its values") {
  const Layout l(Base());
  auto u32 = [&](size_t field, uint32_t v) { return [=](Bytes& b) { StoreBE32(b.data() + l.zext + field, v); }; };
  auto u64 = [&](size_t field, uint64_t v) { return [=](Bytes& b) { StoreBE64(b.data() + l.zext + field, v); }; };
  CheckReport nr = With(u32(kNrZones, 13));
  Expect(nr, "zoned.nr_zones_mismatch", 2);
  const check::Finding& f = *Find(nr, "zoned.nr_zones_mismatch");
  CHECK(Value(f, "nr_zones") == 13);
  CHECK(Value(f, "expected") == 12);
  CHECK(Value(f, "virtual_size") == 12 << 20);
  Expect(With(u64(kZoneSize, 0)), "zoned.zone_size_zero", 2);
  Expect(With(u64(kCapacity, 0)), "zoned.zone_capacity", 2);
  Expect(With(u64(kCapacity, 2 << 20)), "zoned.zone_capacity", 2);
  Expect(With(u32(kConventional, 12)), "zoned.conventional_zones", 2);
  Expect(With(u32(kOpen, 11)), "zoned.max_open_exceeds_zones", 2);
  Expect(With(u32(kActive, 11)), "zoned.max_active_exceeds_zones", 2);
  CHECK(With(u32(kOpen, 4)).exit_code() == 0);  // open == active is fine
  Expect(With([&](Bytes& b) { u32(kOpen, 4)(b); u32(kActive, 3)(b); }), "zoned.max_open_exceeds_active", 2);
  Expect(With(u32(kAppend, 1000)), "zoned.max_append_bytes", 2);
  Expect(With(u32(kAppend, 768 << 10)), "zoned.max_append_bytes", 2);
  Expect(With(u64(kMetaSize, 100)), "zoned.zonedmeta_size", 2);
  // Several field problems at once are all reported.
  CheckReport many = With([&](Bytes& b) {
    u32(kNrZones, 13)(b);
    u32(kAppend, 1000)(b);
    b[l.zext + 1] = 9;
  });
  CHECK(many.has("zoned.nr_zones_mismatch"));
  CHECK(many.has("zoned.max_append_bytes"));
  CHECK(many.has("zoned.reserved_nonzero"));
  CHECK(many.has("zoned.zonedmeta_size"));  // 96 bytes is not 8 * 13
}

TEST_CASE("write-pointer table placement") {
  const Layout l(Base());
  auto at = [&](uint64_t v) { return [=](Bytes& b) { StoreBE64(b.data() + l.zext + kMetaOffset, v); }; };
  Expect(With(at(l.meta + 8)), "zoned.zonedmeta_unaligned", 2);
  Expect(With(at(0)), "zoned.zonedmeta_unaligned", 2);
  Expect(With(at(1ull << 40)), "zoned.zonedmeta_out_of_bounds", 2);
  Expect(With(at(l.l1)), "zoned.zonedmeta_overlap", 2);
  Expect(With(at(l.rt)), "zoned.zonedmeta_overlap", 2);
  // On a refcount block or an L2 table: the cluster is also the table's.
  CheckReport blk = With(at(l.block0));
  Expect(blk, "zoned.wp_table_reused", 2);
  CHECK(Find(blk, "zoned.wp_table_reused")->message.find("refcount block 0") != std::string::npos);
  Expect(With(at(l.l2_0)), "zoned.wp_table_reused", 2);
  // A data cluster pointing into the table.
  CheckReport data = With([&](Bytes& b) { StoreBE64(b.data() + l.l2_0 + 8, l.meta | qcow2::kOflagCopied); });
  Expect(data, "zoned.wp_table_reused", 2);
  CHECK(Find(data, "zoned.wp_table_reused")->message.find("guest offset 0x1000") != std::string::npos);
  CHECK(Value(*Find(data, "zoned.wp_table_reused"), "zones_lost") == 12);
}

TEST_CASE("refcount of the write-pointer table") {
  const Layout l(Base());
  // Freed, content intact (no discard happened).
  CheckReport freed = With([&](Bytes& b) { SetRefcount(b, l.meta, 0); });
  Expect(freed, "zoned.wp_table_freed", 2);
  const check::Finding& f = *Find(freed, "zoned.wp_table_freed");
  CHECK(f.message.find("qemu-img check -r leaks") != std::string::npos);
  CHECK(f.message.find("Nothing is lost yet") != std::string::npos);
  CHECK(f.message.find("table at " + Hex(l.meta) + " has refcount 0") != std::string::npos);
  CHECK(Value(f, "zones") == 12);
  CHECK_FALSE(freed.has("refcount.too_low"));  // explained once, not as a bare refcount error
  // Freed and discarded: every entry reads zero.
  CheckReport zeroed = With([&](Bytes& b) {
    SetRefcount(b, l.meta, 0);
    std::fill(b.begin() + static_cast<long>(l.meta), b.begin() + static_cast<long>(l.meta + 96), 0);
  });
  Expect(zeroed, "zoned.wp_table_freed", 2);
  CHECK(Value(*Find(zeroed, "zoned.wp_table_freed"), "zones_zeroed") == 12);
  CHECK_FALSE(zeroed.has("zoned.wp_out_of_zone"));  // explained by the freed finding, not entry by entry
  // Refcount 2: a leak-like finding, never "leaked" in the refcount sense.
  CheckReport high = With([&](Bytes& b) { SetRefcount(b, l.meta, 2); });
  Expect(high, "zoned.wp_table_refcount_high", 3);
  CHECK(high.leaked_clusters.empty());
}

TEST_CASE("write-pointer entries") {
  const Layout l(Base());
  const uint64_t M = 1 << 20;
  auto wp = [&](uint32_t zone, uint64_t v) { return [=](Bytes& b) { StoreLE64(b.data() + l.meta + zone * 8, v); }; };
  CheckReport out = With(wp(5, 2 * M));
  Expect(out, "zoned.wp_out_of_zone", 2);
  const check::Finding& f = *Find(out, "zoned.wp_out_of_zone");
  CHECK(Value(f, "zone") == 5);
  CHECK(Value(f, "write_pointer") == 2 * M);
  CHECK(Value(f, "zone_start") == 5 * M);
  Expect(With(wp(5, 6 * M + 512)), "zoned.wp_out_of_zone", 2);
  Expect(With(wp(0, 0)), "zoned.wp_conventional_flag_missing", 2);
  Expect(With(wp(6, 6 * M | kConventionalZoneFlag)), "zoned.wp_conventional_flag_on_sequential", 2);
  Expect(With(wp(6, 6 * M | (1ull << 62))), "zoned.wp_stray_bits", 2);
  Expect(With(wp(1, (M + 4096) | kConventionalZoneFlag)), "zoned.wp_conventional_not_at_start", 0);
  // Every bad entry is reported, not just the first.
  CheckReport many = With([&](Bytes& b) {
    wp(5, 0)(b);
    wp(7, 0)(b);
    wp(9, 1ull << 63)(b);
  });
  CHECK(many.counts.errors >= 3);
  // Valid positions: mid-zone, at capacity, at the zone end.
  CHECK(With(wp(6, 6 * M + 4096)).exit_code() == 0);
  CHECK(With(wp(6, 7 * M)).exit_code() == 0);
}

TEST_CASE("a table written big-endian is recognised as such") {
  const Layout l(Base());
  CheckReport r = With([&](Bytes& b) {
    for (uint32_t z = 0; z < 12; ++z) StoreBE64(b.data() + l.meta + z * 8, qcow2::LoadLE64(b.data() + l.meta + z * 8));
  });
  Expect(r, "zoned.wp_big_endian", 2);
  CHECK_FALSE(r.has("zoned.wp_out_of_zone"));
}

TEST_CASE("data beyond a write pointer is a warning") {
  const Layout l(Base());
  const uint64_t M = 1 << 20;
  // Zone 2 holds 64 KiB; pull its write pointer back to the zone start.
  CheckReport r = With([&](Bytes& b) { StoreLE64(b.data() + l.meta + 2 * 8, 2 * M); });
  Expect(r, "zoned.data_beyond_wp", 0);
  const check::Finding& f = *Find(r, "zoned.data_beyond_wp");
  CHECK(Value(f, "zone") == 2);
  CHECK(Value(f, "clusters") == 16);
  CHECK(Value(f, "first_offset") == 2 * M);
  // A write pointer inside the last written cluster: that cluster is legitimate.
  CHECK(With([&](Bytes& b) { StoreLE64(b.data() + l.meta + 2 * 8, 2 * M + 60 * 1024 + 512); }).findings.empty());
}

TEST_CASE("--strict adds the ambiguities, with reasons") {
  const Layout l(Base());
  CheckReport plain = Check(Base());
  CHECK(plain.findings.empty());
  CheckReport s = Strict(Base());
  Expect(s, "zoned.wp_byte_order_ambiguous", 0);
  CHECK_FALSE(s.has("zoned.zone_size_not_power_of_two"));
  CheckReport eq = With([&](Bytes& b) { StoreBE32(b.data() + l.zext + kActive, 10); }, true);
  Expect(eq, "zoned.limit_equals_sequential_zones", 0);
  Expect(With([&](Bytes& b) { StoreBE32(b.data() + l.zext + kAppend, 0); }, true), "zoned.max_append_zero", 0);
  // 3 MiB zones over 12 MiB with 1 MiB... a 12 MiB device with 5 MiB zones: 3 zones, the last smaller.
  MemEnv env;
  Qcow2CreateOptions o = qcow2test::ZonedOptions(12 << 20, 5 << 20, 4096);
  REQUIRE(Qcow2Image::Create(&env, "odd", o, false).ok());
  CheckReport odd = Strict(env.Contents("odd"));
  Expect(odd, "zoned.zone_size_not_power_of_two", 0);
  Expect(odd, "zoned.last_zone_smaller", 0);
  CHECK_FALSE(Check(env.Contents("odd")).has("zoned.zone_size_not_power_of_two"));
}

TEST_CASE("--repair restores a freed table, rebuilding discarded entries from the data") {
  const Layout l(Base());
  const uint64_t M = 1 << 20;
  for (bool discarded : {false, true}) {
    Bytes b = Base();
    SetRefcount(b, l.meta, 0);
    if (discarded) std::fill(b.begin() + static_cast<long>(l.meta), b.begin() + static_cast<long>(l.meta + 96), 0);
    MemEnv env;
    env.SetContents("img", b);
    CheckOptions o;
    o.repair = true;
    CheckReport r;
    REQUIRE(check::CheckImage(&env, "img", o, &r).ok());
    INFO(check::FormatText(r));
    CHECK(r.exit_code() == 0);
    REQUIRE(r.before_repair.has_value());
    CHECK(r.before_repair->errors == 1);
    const Bytes after = env.Contents("img");
    CHECK(GetRefcount(after, l.meta) == 1);
    if (!discarded) {
      CHECK(after == Base());  // exactly the original image back
      continue;
    }
    // Rebuilt: conventional flagged, zone 2 up to its data, zone 3 at
    // capacity (FULL), finished zone 4 without data EMPTY, the rest EMPTY.
    auto entry = [&](uint32_t z) { return qcow2::LoadLE64(after.data() + l.meta + z * 8); };
    CHECK(entry(0) == kConventionalZoneFlag);
    CHECK(entry(1) == (M | kConventionalZoneFlag));
    CHECK(entry(2) == 2 * M + 64 * 1024);
    CHECK(entry(3) == 3 * M + 768 * 1024);
    CHECK(entry(4) == 4 * M);
    CHECK(entry(11) == 11 * M);
    // The zone layer opens it and reads the data back.
    std::unique_ptr<ZonedImage> zi;
    REQUIRE(ZonedImage::Open(&env, "img", profile_params(Profile::kLinux), &zi).ok());
    Bytes got(64 * 1024);
    REQUIRE(zi->Read(2 * M, got.size(), got.data()) == ZoneStatus::kOk);
    CHECK(got == Bytes(64 * 1024, 0x5c));
  }
  // Reused clusters are not repairable.
  Bytes reused = Base();
  SetRefcount(reused, l.meta, 1);
  StoreBE64(reused.data() + l.l2_0 + 8, l.meta | qcow2::kOflagCopied);
  MemEnv env;
  env.SetContents("img", reused);
  CheckOptions o;
  o.repair = true;
  CheckReport r;
  REQUIRE(check::CheckImage(&env, "img", o, &r).ok());
  CHECK(r.exit_code() == 2);
  // The old data cluster of guest offset 0x1000 was leaked (and freed by the
  // repair); the table's cluster keeps its refcount: it belongs to the data now.
  CHECK(GetRefcount(env.Contents("img"), l.meta) == 1);
  bool said = false;
  for (const auto& s : r.not_repaired) said = said || s.find("cannot be recovered") != std::string::npos;
  CHECK(said);
}

}  // namespace
}  // namespace zonesim::checktest
