// `zonesim check`, the qcow2 structure: clean images check clean, every
// refcount problem is found and counted per cluster (as qemu-img counts),
// several problems are all reported (the checker does not stop at the first),
// the report is consistent, and nothing is written without --repair.
#include <doctest/doctest.h>

#include <set>

#include "qcow2/check/check_rules.h"
#include "qcow2/tests/check_test_util.h"

namespace zonesim::checktest {
namespace {

using check::Severity;

TEST_CASE("clean images check clean") {
  for (const Bytes& b : {PlainImageBytes(), ZonedImageBytes(), ZonedImageBytes(ZonedLayout::kV5),
                         ZonedImageBytes(ZonedLayout::kLatest, 512), ZonedImageBytes(ZonedLayout::kLatest, 65536)}) {
    CheckReport r = Check(b);
    INFO(check::FormatText(r));
    CHECK(r.checked);
    CHECK(r.findings.empty());
    CHECK(r.exit_code() == 0);
    CHECK(r.summary.referenced_clusters == r.summary.file_clusters);
  }
  CheckReport z = Check(ZonedImageBytes());
  REQUIRE(z.summary.zoned.has_value());
  CHECK(z.summary.zoned->nr_zones == 12);
  CHECK(z.summary.zoned_extension_length == 56);
  CHECK(Check(ZonedImageBytes(ZonedLayout::kV5)).summary.zoned_extension_length == 48);
}

TEST_CASE("files that are not qcow2 images cannot be checked (exit 1)") {
  CHECK(Check({}).has("qcow2.header_truncated"));
  CHECK(Check(Bytes(50, 0)).has("qcow2.not_qcow2"));
  Bytes b = PlainImageBytes();
  CHECK(Check(Bytes(b.begin(), b.begin() + 90)).has("qcow2.header_truncated"));
  StoreBE32(b.data() + 4, 4);
  CheckReport r = Check(b);
  CHECK(r.has("qcow2.unknown_version"));
  CHECK_FALSE(r.checked);
  CHECK(r.exit_code() == 1);
  MemEnv env;
  CheckReport missing;
  REQUIRE(check::CheckImage(&env, "nope", {}, &missing).ok());
  CHECK(missing.has("io.unreadable"));
  CHECK(missing.exit_code() == 1);
}

TEST_CASE("leaks: counted per cluster, runs grouped, exit 3, the leaked set listed") {
  Bytes b = PlainImageBytes();
  const Layout l(b);
  const uint64_t end = b.size();
  // Three clusters past the data, allocated but referenced by nothing.
  b.resize(end + 3 * 4096, 0);
  for (int i = 0; i < 3; ++i) SetRefcount(b, end + i * 4096, 1);
  // A data cluster with refcount 2 but one reference (qemu: "Leaked cluster"
  // and an OFLAG_COPIED error, since COPIED says refcount 1).
  const uint64_t data = LoadBE64(b.data() + l.l2_0 + (1 << 20) / 4096 % 512 * 8) & qcow2::kOffsetMask;
  REQUIRE(data != 0);
  SetRefcount(b, data, 2);
  CheckReport r = Check(b);
  INFO(check::FormatText(r));
  CHECK(r.counts.leaks == 4);
  CHECK(r.leaked_clusters.size() == 4);
  CHECK(r.has("qcow2.copied_flag_mismatch"));
  CHECK(r.exit_code() == 2);
  // Without the COPIED problem: leaks only.
  Bytes only = PlainImageBytes();
  only.resize(end + 3 * 4096, 0);
  for (int i = 0; i < 3; ++i) SetRefcount(only, end + i * 4096, 1);
  CheckReport lo = Check(only);
  CHECK(lo.exit_code() == 3);
  REQUIRE(lo.findings.size() == 1);  // one run of three clusters
  CHECK(lo.findings[0].id == "refcount.leak");
  CHECK(lo.findings[0].count == 3);
  CHECK(Value(lo.findings[0], "cluster_offset") == end);
  CHECK(lo.leaked_clusters == std::vector<uint64_t>{end / 4096, end / 4096 + 1, end / 4096 + 2});
}

TEST_CASE("a refcount below the references is corruption") {
  Bytes b = PlainImageBytes();
  const Layout l(b);
  SetRefcount(b, l.l2_0, 0);
  CheckReport r = Check(b);
  const check::Finding* f = Find(r, "refcount.too_low");
  REQUIRE(f != nullptr);
  CHECK(Value(*f, "cluster_offset") == l.l2_0);
  CHECK(Value(*f, "refcount") == 0);
  CHECK(Value(*f, "references") == 1);
  CHECK(r.exit_code() == 2);
}

TEST_CASE("several problems are all reported") {
  Bytes b = ZonedImageBytes();
  const Layout l(b);
  StoreBE32(b.data() + l.zext + kNrZones, 13);          // zoned field
  StoreLE64(b.data() + l.meta + 5 * 8, 1);              // write pointer outside zone 5
  b.resize(b.size() + 4096, 0);
  SetRefcount(b, b.size() - 4096, 1);                   // a leak
  SetRefcount(b, l.l2_0, 2);                            // a leak and a COPIED mismatch
  b[79] |= 1;                                           // dirty bit
  CheckReport r = Check(b);
  INFO(check::FormatText(r));
  for (const char* id : {"zoned.nr_zones_mismatch", "zoned.wp_out_of_zone", "refcount.leak",
                         "qcow2.copied_flag_mismatch", "qcow2.dirty"}) {
    CHECK_MESSAGE(r.has(id), id);
  }
  CHECK(r.counts.leaks == 2);
  CHECK(r.exit_code() == 2);
}

TEST_CASE("L1 and L2 entries: out of bounds, unaligned, reserved bits, shared") {
  const Bytes base = PlainImageBytes();
  const Layout l(base);
  auto with = [&](auto patch) {
    Bytes b = base;
    patch(b);
    return Check(b);
  };
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.l1 + 8, (1ull << 63) | (1ull << 40)); })
            .has("qcow2.l2_out_of_bounds"));
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.l1 + 8, (1ull << 63) | 4608); }).has("qcow2.l2_unaligned"));
  CHECK(with([&](Bytes& b) { b[l.l1 + 7] |= 2; }).has("qcow2.l1_entry_reserved_bits"));
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.l1 + 8, 1ull << 63); }).has("qcow2.l1_copied_without_offset"));
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.l1 + 8, LoadBE64(b.data() + l.l1)); }).has("qcow2.l2_shared"));
  const size_t e = l.l2_0 + 256 * 8;  // guest offset 1 MiB
  REQUIRE(LoadBE64(base.data() + e) != 0);
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + e, (1ull << 63) | (1ull << 44)); }).has("qcow2.data_out_of_bounds"));
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + e, LoadBE64(b.data() + e) | 1024); }).has("qcow2.data_unaligned"));
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + e, LoadBE64(b.data() + e) | 4); })
            .has("qcow2.l2_entry_reserved_bits"));
  // A data entry pointing at the L1 table: an overlap, reported at the pointer.
  CheckReport o = with([&](Bytes& b) { StoreBE64(b.data() + e, (1ull << 63) | l.l1); });
  const check::Finding* f = Find(o, "qcow2.cluster_overlap");
  REQUIRE(f != nullptr);
  CHECK(f->message.find("the L1 table") != std::string::npos);
  CHECK(f->message.find("guest offset 0x100000") != std::string::npos);
  // Compressed: the COPIED flag, data beyond the file.
  qcow2::CompressedDescriptor d;
  d.host_offset = 1ull << 40;
  d.sectors = 2;
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + e, qcow2::EncodeCompressed(d, 12)); })
            .has("qcow2.compressed_out_of_bounds"));
  d.host_offset = LoadBE64(base.data() + e) & qcow2::kOffsetMask;
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + e, qcow2::EncodeCompressed(d, 12) | (1ull << 63)); })
            .has("qcow2.compressed_copied_flag"));
}

TEST_CASE("refcount table problems") {
  const Bytes base = PlainImageBytes();
  const Layout l(base);
  auto with = [&](auto patch) {
    Bytes b = base;
    patch(b);
    return Check(b);
  };
  CheckReport oob = with([&](Bytes& b) { StoreBE64(b.data() + l.rt + 8, 1ull << 40); });
  CHECK(oob.has("refcount.block_out_of_bounds"));
  CHECK(oob.exit_code() == 2);
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.rt + 8, l.block0 + 512); }).has("refcount.table_reserved_bits") ==
        false);
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.rt + 8, l.block0 + 1024); }).has("refcount.block_unaligned"));
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.rt + 8, 1ull << 63); }).has("refcount.block_out_of_bounds"));
  CHECK(with([&](Bytes& b) { b[l.rt + 15] = 7; }).has("refcount.table_reserved_bits"));
  // Two table entries naming one block: an overlap.
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + l.rt + 8, l.block0); }).has("qcow2.cluster_overlap"));
  // The table itself outside the file.
  CHECK(with([&](Bytes& b) { StoreBE64(b.data() + 48, 1ull << 45); }).has("refcount.table_out_of_bounds"));
  CHECK(with([&](Bytes& b) { StoreBE32(b.data() + 56, 0); }).has("refcount.table_empty"));
  // A refcount for a cluster past the end of the file: a warning only.
  CheckReport beyond = with([&](Bytes& b) { SetRefcount(b, b.size() + 8 * 4096, 1); });
  CHECK(beyond.has("refcount.beyond_eof"));
  CHECK(beyond.exit_code() == 0);
}

TEST_CASE("header problems are collected, not just the first") {
  Bytes b = PlainImageBytes();
  StoreBE32(b.data() + 36, 100000);  // l1_size: out of the file
  StoreBE32(b.data() + 96, 7);       // refcount_order
  b[104] = 1;                        // compression_type without bit 3
  CheckReport r = Check(b);
  INFO(check::FormatText(r));
  CHECK(r.has("qcow2.l1_out_of_bounds"));
  CHECK(r.has("qcow2.refcount_order"));
  CHECK(r.has("qcow2.compression_type"));
  CHECK(r.exit_code() == 2);
  Bytes huge = PlainImageBytes();
  StoreBE32(huge.data() + 36, 0x7fffffff);
  CHECK(Check(huge).has("qcow2.l1_too_large"));
  Bytes bits = PlainImageBytes();
  StoreBE32(bits.data() + 20, 30);
  CheckReport cb = Check(bits);
  CHECK(cb.has("qcow2.cluster_bits"));
  CHECK(cb.exit_code() == 2);
  Bytes feat = PlainImageBytes();
  feat[78] |= 0x40;  // incompatible bit 14
  feat[79] |= 2;     // corrupt bit
  CheckReport fr = Check(feat);
  CHECK(fr.has("qcow2.unknown_incompatible_bit"));
  CHECK(fr.has("qcow2.corrupt_bit"));
  Bytes ext = PlainImageBytes();
  StoreBE32(ext.data() + ExtensionData(ext, qcow2::kExtFeatureTable) - 4, 60000);
  CHECK(Check(ext).has("qcow2.extension_truncated"));
  Bytes data_file = PlainImageBytes();
  data_file[79] |= 4;
  CHECK(Check(data_file).exit_code() == 1);
}

TEST_CASE("--repair lowers leaked refcounts and re-checks") {
  Bytes b = PlainImageBytes();
  const uint64_t end = b.size();
  b.resize(end + 2 * 4096, 0);
  SetRefcount(b, end, 1);
  SetRefcount(b, end + 4096, 3);
  MemEnv env;
  env.SetContents("img", b);
  CheckOptions o;
  o.repair = true;
  CheckReport r;
  REQUIRE(check::CheckImage(&env, "img", o, &r).ok());
  INFO(check::FormatText(r));
  REQUIRE(r.before_repair.has_value());
  CHECK(r.before_repair->leaks == 2);
  CHECK(r.counts.leaks == 0);
  CHECK(r.exit_code() == 0);
  REQUIRE(r.repairs.size() == 1);
  const Bytes after = env.Contents("img");
  CHECK(GetRefcount(after, end) == 0);
  CHECK(GetRefcount(after, end + 4096) == 0);
  // Only those two refcounts changed.
  Bytes expect = b;
  SetRefcount(expect, end, 0);
  SetRefcount(expect, end + 4096, 0);
  CHECK(after == expect);
  // The repaired image still opens and reads.
  CHECK(qcow2test::OpenOrFail(&env, "img", true) != nullptr);
}

TEST_CASE("--repair refuses to free 'leaks' when a table could not be walked") {
  Bytes b = PlainImageBytes();
  const Layout l(b);
  StoreBE64(b.data() + l.l1, (1ull << 63) | (1ull << 40));  // the L2 table of the data is lost
  MemEnv env;
  env.SetContents("img", b);
  CheckOptions o;
  o.repair = true;
  CheckReport r;
  REQUIRE(check::CheckImage(&env, "img", o, &r).ok());
  CHECK(r.counts.leaks > 0);  // the data clusters look leaked
  CHECK_FALSE(r.before_repair.has_value());
  REQUIRE_FALSE(r.not_repaired.empty());
  CHECK(r.not_repaired[0].find("may be in use") != std::string::npos);
  CHECK(env.Contents("img") == b);
}

TEST_CASE("the report is consistent and every id is in the rule table") {
  Bytes b = ZonedImageBytes();
  const Layout l(b);
  for (uint32_t z = 2; z < 12; ++z) StoreLE64(b.data() + l.meta + z * 8, 1ull << 61);  // 10 bad entries
  b.resize(b.size() + 4096 * 60, 0);
  for (int i = 0; i < 60; i += 2) SetRefcount(b, b.size() - 4096 * (i + 1), 1);  // 30 separate leaks
  CheckReport r = Strict(b);
  std::set<std::string> ids;
  check::CheckCounts n;
  for (const auto& f : r.findings) {
    CHECK_MESSAGE(check::IsKnownRule(f.id), f.id);
    CHECK(f.rule == std::string(check::Rule(f.id).rule));
    (f.severity == Severity::kError ? n.errors : f.severity == Severity::kLeak ? n.leaks : n.warnings) += f.count;
  }
  CHECK(r.omitted.empty());
  CHECK(n == r.counts);
  CHECK(r.counts.leaks == 30);
}

TEST_CASE("findings beyond the per-id limit are counted, not listed") {
  Bytes b = PlainImageBytes();
  const uint64_t end = b.size();
  const uint64_t n = check::kMaxFindingsPerId + 20;
  b.resize(end + 2 * n * 4096, 0);
  for (uint64_t i = 0; i < n; ++i) SetRefcount(b, end + 2 * i * 4096, 1);  // separate runs
  CheckReport r = Check(b);
  CHECK(r.counts.leaks == n);
  CHECK(r.omitted.at("refcount.leak") == 20);
  CHECK(r.leaked_clusters.size() == n);
  CHECK(check::FormatText(r).find("(20 more refcount.leak findings not listed)") != std::string::npos);
}

TEST_CASE("exit codes: the worst of several images") {
  CHECK(check::WorstExitCode({}) == 0);
  CHECK(check::WorstExitCode({0, 3}) == 3);
  CHECK(check::WorstExitCode({3, 2, 0}) == 2);
  CHECK(check::WorstExitCode({2, 1, 3}) == 1);
}

TEST_CASE("JSON output names ids, severities, rules, values and the exit code") {
  Bytes b = PlainImageBytes();
  b.resize(b.size() + 4096, 0);
  SetRefcount(b, b.size() - 4096, 1);
  CheckReport r = Check(b);
  const std::string j = check::FormatJson({r}, r.exit_code());
  for (const char* s : {"\"id\": \"refcount.leak\"", "\"severity\": \"leak\"", "\"rule\": \"A cluster's refcount",
                        "\"cluster_offset\": ", "\"leaks\": 1", "\"exit_code\": 3", "\"leaked_clusters\": ["}) {
    CHECK_MESSAGE(j.find(s) != std::string::npos, s);
  }
}

}  // namespace
}  // namespace zonesim::checktest
