// The workload's own zone-rule violations, with counts derived by hand for
// small traces, and the rewrites a zoned replay makes: fio whole-zone trims
// as resets, --infer-resets, zone-rebase mapping, other devices.
#include <doctest/doctest.h>

#include "common/testing/test_files.h"
#include "sim/tests/replay_test_util.h"

namespace zonesim {
namespace {

using namespace replaytest;

// A random-write workload (not zone-aware) on 4 zones of 64 KiB. Line by line:
constexpr const char* kRandomWrites =
    "fio version 2 iolog\n"   //  1
    "f add\n"                 //  2
    "f open\n"                //  3
    "f write 0 4096\n"        //  4 event 1: ok, zone 0 wp 4K
    "f write 8192 4096\n"     //  5 event 2: zone_invalid_write (wp 4K)
    "f write 4096 4096\n"     //  6 event 3: ok, wp 8K
    "f read 98304 4096\n"     //  7 event 4: ok (reads are unrestricted)
    "f write 65536 8192\n"    //  8 event 5: ok, zone 1 wp 8K
    "f write 61440 8192\n"    //  9 event 6: zone_invalid_write (zone 0, crossing into zone 1)
    "f trim 131072 4096\n"    // 10 event 7: discard_on_zoned_device (zone 2), not run
    "f trim 196608 65536\n"   // 11 event 8: the whole zone 3: a reset
    "f write 262144 4096\n"   // 12 event 9: lba_out_of_range (the device ends at 256K)
    "f sync 0 0\n"            // 13 event 10: ok
    "f write 0 4096\n"        // 14 event 11: back to zone 0's start: zone_invalid_write,
                              //              or a reset first with --infer-resets
    "f close\n";

constexpr const char* kSmallDevice = "size=256K,zone_size=64K,max_append_bytes=32K";

TEST_CASE("a non-zoned random-write workload: violations by kind and zone, quoted in order") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string trace = dir.path() + "/random.iolog";
  WriteFile(trace, kRandomWrites);
  ReplayResult r = Replay({trace}, kSmallDevice);
  CHECK(r.io_events == 11);
  CHECK(r.ops_run == 10);  // the discard does not run
  CHECK(r.violations == 5);
  CHECK(Count(r.violations_by_kind, "zone_invalid_write") == 3);
  CHECK(Count(r.violations_by_kind, "discard_on_zoned_device") == 1);
  CHECK(Count(r.violations_by_kind, "lba_out_of_range") == 1);
  CHECK(r.violations_by_zone.size() == 2);
  CHECK(r.violations_by_zone.at(0) == 3);
  CHECK(r.violations_by_zone.at(2) == 1);
  CHECK(r.violations_without_zone == 1);
  CHECK(r.trims_as_resets.count == 1);
  REQUIRE(r.trims_as_resets.first);
  CHECK(r.trims_as_resets.first->event == 8);
  CHECK(r.rewinds.count == 1);
  CHECK(r.implied_resets.count == 0);
  REQUIRE(r.quoted.size() == 5);
  const uint64_t events[] = {2, 6, 7, 9, 11};
  const char* kinds[] = {"zone_invalid_write", "zone_invalid_write", "discard_on_zoned_device",
                         "lba_out_of_range", "zone_invalid_write"};
  for (size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(r.quoted[i].event == events[i]);
    CHECK(r.quoted[i].kind == kinds[i]);
  }
  CHECK(r.quoted[0].position == trace + ": line 5");
  CHECK(r.quoted[0].text == "f write 8192 4096");
  CHECK(r.quoted[2].operation.empty());  // nothing ran
  CHECK(r.quoted[4].operation == "write -S 14 0 4K");
  CHECK_FALSE(r.divergence);

  // The quote limit keeps only the first N, the counts stay whole.
  ReplayResult two = Replay({trace}, kSmallDevice, [](ReplayOptions& o) { o.quote_limit = 2; });
  CHECK(two.violations == 5);
  CHECK(two.quoted.size() == 2);
}

TEST_CASE("--infer-resets turns the write back to a written zone's start into reset + write") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string trace = dir.path() + "/random.iolog";
  WriteFile(trace, kRandomWrites);
  ReplayResult r = Replay({trace}, kSmallDevice, [](ReplayOptions& o) { o.infer_resets = true; });
  CHECK(r.implied_resets.count == 1);
  REQUIRE(r.implied_resets.first);
  CHECK(r.implied_resets.first->event == 11);
  CHECK(r.implied_resets.first->operation == "zrs 0 64K");
  CHECK(r.rewinds.count == 0);
  CHECK(r.violations == 4);
  CHECK(Count(r.violations_by_kind, "zone_invalid_write") == 2);
  CHECK(r.ops_run == 11);
  CHECK(OpCount(r, OpKind::kReset) == 2);  // the trim and the inferred reset
  CHECK_FALSE(r.divergence);
}

TEST_CASE("fio's whole-zone trim is a reset: the zoned fixture conforms on 256 KiB zones") {
  // Fill 4 zones, trim exactly zone 1, rewrite zone 1 from its start.
  ReplayResult r = Replay({Fixture("fio-zoned.v3.iolog")}, "zone_size=256K");
  CHECK(r.io_events == 19);
  CHECK(r.trims_as_resets.count == 1);
  REQUIRE(r.trims_as_resets.first);
  CHECK(r.trims_as_resets.first->position == Fixture("fio-zoned.v3.iolog") + ": line 23");
  CHECK(r.trims_as_resets.first->text == "268 zoned.dat trim 262144 262144");
  CHECK(r.violations == 0);
  CHECK(r.rewinds.count == 0);
  CHECK_FALSE(r.divergence);

  // On one 256 MiB zone the trim is no whole zone, and the rewrites are not at the wp.
  ReplayResult big = Replay({Fixture("fio-zoned.v3.iolog")});
  CHECK(big.config.nr_zones() == 1);
  CHECK(big.trims_as_resets.count == 0);
  CHECK(big.violations == 3);
  CHECK(Count(big.violations_by_kind, "discard_on_zoned_device") == 1);
  CHECK(Count(big.violations_by_kind, "zone_invalid_write") == 2);
}

TEST_CASE("without the trim line the rewrite of zone 1 needs --infer-resets") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  std::string text = ReadFile(Fixture("fio-zoned.v3.iolog"));
  const std::string trim = "268 zoned.dat trim 262144 262144\n";
  REQUIRE(Contains(text, trim));
  text.erase(text.find(trim), trim.size());
  const std::string trace = dir.path() + "/no-trim.iolog";
  WriteFile(trace, text);

  ReplayResult off = Replay({trace}, "zone_size=256K");
  CHECK(off.rewinds.count == 1);  // only the first rewrite is at the zone start
  CHECK(off.implied_resets.count == 0);
  CHECK(off.violations == 2);     // both rewrites hit a FULL zone
  CHECK(Count(off.violations_by_kind, "zone_is_full") == 2);
  CHECK(off.violations_by_zone.at(1) == 2);

  ReplayResult on = Replay({trace}, "zone_size=256K", [](ReplayOptions& o) { o.infer_resets = true; });
  CHECK(on.implied_resets.count == 1);
  CHECK(on.rewinds.count == 0);
  CHECK(on.violations == 0);
  CHECK_FALSE(on.divergence);
}

TEST_CASE("zone capacity below the zone size: each zone's 4th 64 KiB write finds it FULL") {
  ReplayResult r = Replay({Fixture("fio-seq-write.v3.iolog")}, "zone_size=256K,zone_capacity=192K");
  CHECK(r.violations == 4);
  CHECK(Count(r.violations_by_kind, "zone_is_full") == 4);
  for (uint32_t z = 0; z < 4; ++z) CHECK(r.violations_by_zone.at(z) == 1);
  REQUIRE(r.quoted.size() == 4);
  CHECK(r.quoted[0].event == 4);
  CHECK(r.quoted[0].text == "315 seq.dat write 196608 65536");
}

TEST_CASE("zone-rebase packs scattered trace zones onto the device; identity runs off its end") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string trace = dir.path() + "/sparse.iolog";
  WriteFile(trace,
            "fio version 2 iolog\nf add\nf open\n"
            "f write 10737418240 65536\n"   // 10 GiB: trace zone 10240 -> device zone 0
            "f write 5368709120 65536\n"    // 5 GiB: trace zone 5120 -> device zone 1
            "f write 10737483776 65536\n"   // 10 GiB + 64 KiB: zone 0 again, at its wp
            "f write 5368774656 65536\n"    // 5 GiB + 64 KiB: zone 1, at its wp
            "f close\n");
  ReplayResult rebased = Replay({trace}, "zone_size=1M", [](ReplayOptions& o) { o.map = AddressMap::kZoneRebase; });
  CHECK(rebased.config.nr_zones() == 2);
  CHECK(rebased.rebased_zones == 2);
  CHECK(rebased.violations == 0);
  CHECK(rebased.zones_touched == 2);
  CHECK_FALSE(rebased.divergence);

  // Identity: a device sized for the trace would need 10241 zones; it stops
  // at kMaxAutoZones and every write lies beyond it.
  ReplayResult identity = Replay({trace}, "zone_size=1M");
  CHECK(identity.size_capped);
  CHECK(identity.config.nr_zones() == kMaxAutoZones);
  CHECK(identity.violations == 4);
  CHECK(Count(identity.violations_by_kind, "lba_out_of_range") == 4);
  CHECK(identity.violations_without_zone == 4);
  CHECK_FALSE(identity.warnings.empty());

  // A configured device too small for the rebased zones: the third trace
  // zone has no device zone left.
  WriteFile(trace,
            "fio version 2 iolog\nf add\nf open\n"
            "f write 0 4096\nf write 1048576 4096\nf write 2097152 4096\nf close\n");
  ReplayResult small = Replay({trace}, "size=2M,zone_size=1M", [](ReplayOptions& o) { o.map = AddressMap::kZoneRebase; });
  CHECK(small.rebase_overflow == 1);
  CHECK(small.violations == 1);
  CHECK(Count(small.violations_by_kind, "lba_out_of_range") == 1);
}

TEST_CASE("conventional zones: a device sized for the trace keeps a sequential zone") {
  // The whole 1 MiB trace lies in conventional zone 0, where writes go
  // anywhere; only the trim (no whole sequential zone) is a violation.
  ReplayResult r = Replay({Fixture("fio-zoned.v3.iolog")}, "zone_size=1M,conventional_zones=1");
  CHECK(r.config.nr_zones() == 2);
  CHECK(r.violations == 1);
  CHECK(Count(r.violations_by_kind, "discard_on_zoned_device") == 1);
  CHECK(r.rewinds.count == 0);
  CHECK_FALSE(r.divergence);
}

TEST_CASE("only the first device of the capture is replayed; I/O on others is counted") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string trace = dir.path() + "/two-files.iolog";
  WriteFile(trace,
            "fio version 2 iolog\na add\nb add\na open\nb open\n"
            "a write 0 4096\nb write 0 4096\na write 4096 4096\nb read 0 4096\na close\nb close\n");
  ReplayResult r = Replay({trace}, "zone_size=1M");
  CHECK(r.device_name == "a");
  CHECK(r.io_events == 2);
  CHECK(r.skipped_other_device == 2);
  CHECK(r.skipped_not_io == 6);
  CHECK(r.violations == 0);
}

TEST_CASE("power cycles after given events and every N events; the image keeps up") {
  ReplayResult r = Replay({Fixture("fio-seq-write.v3.iolog")}, "zone_size=256K,max_open_zones=2",
                          [](ReplayOptions& o) {
                            o.power_cycle_every = 3;
                            o.power_cycle_at = {1, 3, 100};  // 3 coincides; 100 is past the end
                          });
  CHECK(r.power_cycles == 6);  // after events 1, 3, 6, 9, 12, 15
  CHECK(OpCount(r, OpKind::kPowerCycle) == 6);
  CHECK(r.ops_run == 22);
  CHECK(r.violations == 0);
  CHECK_FALSE(r.divergence);
}

TEST_CASE("malformed traces and bad options are errors naming the file and the record") {
  ReplayOptions o;
  o.config = DefaultReplayDevice(Profile::kLinux);
  REQUIRE(ApplyReplayConfig("", &o.config).ok());
  ReplayResult r;
  o.traces = {Fixture("bad-action.v2.iolog")};
  Status s = RunReplay(o, &r);
  CHECK_FALSE(s.ok());
  CHECK(Contains(s.message(), "bad-action.v2.iolog: line 5"));
  o.traces = {Fixture("truncated.blktrace.0")};
  s = RunReplay(o, &r);
  CHECK_FALSE(s.ok());
  CHECK(Contains(s.message(), "truncated.blktrace.0: record 16"));
  o.traces = {};
  CHECK_FALSE(RunReplay(o, &r).ok());
  o.traces = {Fixture("fio-seq-write.v3.iolog")};
  o.time_scale = 0;
  CHECK_FALSE(RunReplay(o, &r).ok());
}

}  // namespace
}  // namespace zonesim
