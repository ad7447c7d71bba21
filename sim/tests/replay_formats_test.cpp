// Every trace format end to end through the replay library, on the committed
// fixtures (traces/fixtures/PROVENANCE.md says what each holds). The twocpu
// captures hold 8 queued requests: a 64 KiB sync write at 0, a readahead read
// at 1 MiB, two 64 KiB FUA writes at 64 KiB and 128 KiB, a flush, a 1 MiB
// discard at 2 MiB, a 4 KiB write at 3 MiB and a zero-length write at 4 MiB
// (how blktrace v7 shows a zone reset). On 1 MiB zones every write lands at
// a write pointer; the discard is the one violation.
#include <doctest/doctest.h>

#include "common/testing/test_files.h"
#include "sim/tests/replay_test_util.h"

namespace zonesim {
namespace {

using namespace replaytest;

void CheckTwocpuBinary(const ReplayResult& r) {
  CHECK(r.format == TraceFormat::kBlktrace);
  CHECK(r.stage == IoStage::kQueue);
  CHECK(r.device_name == "259,0");
  CHECK(r.records == 29);
  CHECK(r.io_events == 8);
  CHECK(r.skipped_other_stage == 16);  // 7 D + 7 C with data, plus the A remap and the M merge
  CHECK(r.skipped_not_io == 5);
  CHECK(Count(r.io_event_kinds, "write") == 5);
  CHECK(Count(r.io_event_kinds, "discard") == 1);
  // The zero-length write at 4 MiB is the reset of zone 4; the discard does not run.
  CHECK(r.zero_writes_as_resets.count == 1);
  CHECK(r.ops_run == 7);
  CHECK(OpCount(r, OpKind::kReset) == 1);
  CHECK(r.config.nr_zones() == 5);  // sized for the trace: up to the zone at 4 MiB
  CHECK(r.violations == 1);
  CHECK(Count(r.violations_by_kind, "discard_on_zoned_device") == 1);
  CHECK(r.violations_by_zone.at(2) == 1);
  REQUIRE(r.quoted.size() == 1);
  CHECK(r.quoted[0].event == 6);
  CHECK(Contains(r.quoted[0].text, "Q D 4096 + 2048 [fio]"));
  CHECK(r.zones_touched == 4);  // 0 (writes), 1 (read), 3 (write), 4 (reset)
  CHECK_FALSE(r.divergence);
}

TEST_CASE("replay blktrace: per-CPU files by prefix, listed, big-endian and a blkparse dump agree") {
  CheckTwocpuBinary(Replay({Fixture("twocpu")}, "zone_size=1M"));
  CheckTwocpuBinary(Replay({Fixture("twocpu.blktrace.0"), Fixture("twocpu.blktrace.1")}, "zone_size=1M"));
  CheckTwocpuBinary(Replay({Fixture("bigendian.blktrace.0")}, "zone_size=1M"));
  CheckTwocpuBinary(Replay({Fixture("twocpu.dump")}, "zone_size=1M"));
}

TEST_CASE("replay blkparse text: the same requests; a zero-length write has no sector there") {
  ReplayResult r = Replay({Fixture("twocpu.blkparse.txt")}, "zone_size=1M");
  CHECK(r.format == TraceFormat::kBlkparseText);
  CHECK(r.io_events == 8);
  CHECK(r.zero_writes_skipped.count == 1);
  CHECK(r.zero_writes_as_resets.count == 0);
  CHECK(r.ops_run == 6);
  CHECK(r.violations == 1);
  CHECK(Count(r.violations_by_kind, "discard_on_zoned_device") == 1);
  REQUIRE(r.quoted.size() == 1);
  CHECK(r.quoted[0].position == Fixture("twocpu.blkparse.txt") + ": line 19");
  CHECK(Contains(r.quoted[0].text, "Q   D 4096 + 2048 [fio]"));
  CHECK_FALSE(r.divergence);
}

TEST_CASE("replay --events issue takes the D records (the two FUA writes merged into one)") {
  ReplayResult r = Replay({Fixture("twocpu")}, "zone_size=1M", [](ReplayOptions& o) { o.events = IoStage::kIssue; });
  CHECK(r.stage == IoStage::kIssue);
  CHECK(r.io_events == 7);
  CHECK(Count(r.io_event_kinds, "write") == 4);
  CHECK(r.violations == 1);
  CHECK_FALSE(r.divergence);
}

TEST_CASE("replay blktrace v8 zone records and the script written from them") {
  // A 64 KiB write, a zone append, open/close/finish, reset, reset-all and a
  // write of zeroes, all legal on 1 MiB zones.
  for (const char* name : {"zoned_v8.blktrace.0", "zoned_v8.script"}) {
    CAPTURE(name);
    ReplayResult r = Replay({Fixture(name)}, "size=8M,zone_size=1M");
    CHECK(r.io_events == 8);
    CHECK(r.ops_run == 8);
    CHECK(OpCount(r, OpKind::kAppend) == 1);
    CHECK(OpCount(r, OpKind::kReset) == 2);
    CHECK(OpCount(r, OpKind::kFinish) == 1);
    CHECK(r.violations == 0);
    CHECK_FALSE(r.sized_for_trace);
    CHECK_FALSE(r.divergence);
  }
}

TEST_CASE("replay fio iologs v2 and v3: sequential writes conform, timestamps give the duration") {
  for (const char* name : {"fio-seq-write.v2.iolog", "fio-seq-write.v3.iolog"}) {
    CAPTURE(name);
    ReplayResult r = Replay({Fixture(name)}, "zone_size=256K");
    CHECK(r.format == TraceFormat::kFioIolog);
    CHECK(r.device_name == "seq.dat");
    CHECK(r.io_events == 16);
    CHECK(r.skipped_not_io == 3);  // add, open, close
    CHECK(r.config.nr_zones() == 4);
    CHECK(r.zones_touched == 4);
    CHECK(r.violations == 0);
    CHECK_FALSE(r.divergence);
  }
  ReplayResult v3 = Replay({Fixture("fio-seq-write.v3.iolog")}, "zone_size=256K",
                           [](ReplayOptions& o) { o.time_scale = 2; });
  REQUIRE(v3.has_timestamps);
  CHECK(v3.duration_ns == (520 - 216) * 1000);  // first and last write, in microseconds
  CHECK_FALSE(Replay({Fixture("fio-seq-write.v2.iolog")}, "zone_size=256K").has_timestamps);
}

TEST_CASE("replay a script: zonesim's own dialect, power cycles in the file run as they are") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string script = dir.path() + "/t.script";
  WriteFile(script,
            "write -S 1 0 64K\n"
            "powercycle\n"
            "write -S 2 64K 64K\n"
            "read -S 1 0 64K\n"
            "write -S 3 0 4K\n");  // not at the write pointer
  ReplayResult r = Replay({script}, "zone_size=1M");
  CHECK(r.format == TraceFormat::kScript);
  CHECK(r.io_events == 5);
  CHECK(OpCount(r, OpKind::kPowerCycle) == 1);
  CHECK(r.violations == 1);
  CHECK(r.rewinds.count == 1);
  REQUIRE(r.quoted.size() == 1);
  CHECK(r.quoted[0].text == "write -S 3 0 4K");
  CHECK(r.quoted[0].kind == "zone_invalid_write");
  CHECK_FALSE(r.divergence);
}

}  // namespace
}  // namespace zonesim
