// The built `zonesim replay`: exit statuses (0 conforming, 2 bad input, 3
// with --fail-on-violations), the summary and --json, --image leaving the
// image byte-identical, and --write-script / --write-iolog replaying the same.
#include <doctest/doctest.h>

#include "common/testing/test_files.h"
#include "common/env.h"
#include "sim/tests/replay_test_util.h"

namespace zonesim {
namespace {

using namespace replaytest;

TEST_CASE("zonesim replay: each format conforms with exit 0 and a summary") {
  const std::vector<std::vector<std::string>> cases = {
      {Fixture("twocpu"), "--config", "zone_size=1M"},
      {Fixture("twocpu.blkparse.txt"), "--config", "zone_size=1M"},
      {Fixture("zoned_v8.blktrace.0"), "--config", "size=8M,zone_size=1M"},
      {Fixture("zoned_v8.script"), "--config", "size=8M,zone_size=1M"},
      {Fixture("fio-seq-write.v2.iolog"), "--format", "fio"},
      {Fixture("fio-zoned.v3.iolog"), "--config", "zone_size=256K"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"replay"};
    args.insert(args.end(), c.begin(), c.end());
    CAPTURE(c[0]);
    RunResult r = RunZonesim(args);
    CHECK(r.status == 0);
    CHECK(Contains(r.out, "verdict: CONFORMING"));
    CHECK(Contains(r.out, "edge coverage: covered"));
    CHECK(Contains(r.out, "zone-rule violations by the workload:"));
  }
}

TEST_CASE("zonesim replay: violations are findings (exit 0), or exit 3 with --fail-on-violations") {
  const std::string trace = Fixture("fio-zoned.v3.iolog");
  RunResult plain = RunZonesim({"replay", trace});
  CHECK(plain.status == 0);
  CHECK(Contains(plain.out, "zone-rule violations by the workload: 3\n"));
  CHECK(Contains(plain.out, "by kind: discard_on_zoned_device 1, zone_invalid_write 2"));
  CHECK(Contains(plain.out, "record: 169 zoned.dat write 262144 65536"));
  CHECK(Contains(plain.out, "the workload broke zone rules 3 times"));

  RunResult strict = RunZonesim({"replay", trace, "--fail-on-violations"});
  CHECK(strict.status == 3);
  RunResult fine = RunZonesim({"replay", trace, "--config", "zone_size=256K", "--fail-on-violations"});
  CHECK(fine.status == 0);
}

TEST_CASE("zonesim replay: --infer-resets on and off report what they did") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  std::string text = ReadFile(Fixture("fio-zoned.v3.iolog"));
  const std::string trim = "268 zoned.dat trim 262144 262144\n";
  text.erase(text.find(trim), trim.size());
  const std::string trace = dir.path() + "/no-trim.iolog";
  WriteFile(trace, text);
  RunResult off = RunZonesim({"replay", trace, "--config", "zone_size=256K"});
  CHECK(off.status == 0);
  CHECK(Contains(off.out, "writes to the start of a written zone, run as they are"));
  CHECK(Contains(off.out, "zone-rule violations by the workload: 2\n"));
  RunResult on = RunZonesim({"replay", trace, "--config", "zone_size=256K", "--infer-resets"});
  CHECK(on.status == 0);
  CHECK(Contains(on.out, "--infer-resets: resets inserted before writes to the start of a written zone: 1"));
  CHECK(Contains(on.out, "zone-rule violations by the workload: 0\n"));
}

TEST_CASE("zonesim replay: power cycles pass") {
  RunResult r = RunZonesim({"replay", Fixture("fio-seq-write.v3.iolog"), "--config",
                            "zone_size=256K,max_open_zones=1", "--power-cycle-every", "2",
                            "--power-cycle-at", "1,5"});
  CHECK(r.status == 0);
  CHECK(Contains(r.out, "power cycles inserted: 10\n"));  // 1, 2, 4, 5, ..., 16
  CHECK(Contains(r.out, "verdict: CONFORMING"));
}

TEST_CASE("zonesim replay: malformed traces and bad options exit 2 with one line naming the place") {
  struct Bad {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Bad> cases = {
      {{Fixture("bad-action.v2.iolog")}, "bad-action.v2.iolog: line 5: unknown action 'wrte'"},
      {{Fixture("bad-fields.v3.iolog")}, "bad-fields.v3.iolog: line 6"},
      {{Fixture("truncated.blktrace.0")}, "truncated.blktrace.0: record 16"},
      {{Fixture("badmagic.blktrace.0")}, "badmagic.blktrace.0: record 3"},
      {{Fixture("fio-seq-write.v3.iolog"), "--events", "sometimes"}, "--events"},
      {{Fixture("fio-seq-write.v3.iolog"), "--map", "shuffle"}, "--map"},
      {{Fixture("fio-seq-write.v3.iolog"), "--config", "zone_size=lots"}, "--config"},
      {{Fixture("fio-seq-write.v3.iolog"), "--power-cycle-at", "0"}, "--power-cycle-at"},
      {{Fixture("fio-seq-write.v3.iolog"), "--time-scale", "0"}, "--time-scale"},
      {{"/nonexistent/trace"}, "/nonexistent/trace"},
      {{}, "missing TRACE"},
  };
  for (const Bad& b : cases) {
    std::vector<std::string> args = {"replay"};
    args.insert(args.end(), b.args.begin(), b.args.end());
    CAPTURE(b.message);
    RunResult r = RunZonesim(args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(Contains(r.err, b.message));
    CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
  }
}

TEST_CASE("zonesim replay --image: the image's geometry, a fresh copy, the file unchanged") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string image = dir.path() + "/user.qcow2";
  DeviceConfig c;
  REQUIRE(ParseDeviceConfig("size=4M,zone_size=256K,zone_capacity=192K,max_open_zones=2,max_append_bytes=64K", &c).ok());
  REQUIRE(CreateZonedImage(Env::Default(), image, c).ok());
  // Write something so a replay that touched the file would change it.
  RunResult io = RunZonesim({"io", image, "-c", "write 0 64K"});
  REQUIRE(io.status == 0);
  const uint64_t before = HashFile(image);
  const std::string bytes = ReadFile(image);

  RunResult r = RunZonesim({"replay", Fixture("fio-zoned.v3.iolog"), "--image", image, "--json"});
  CHECK(r.status == 0);
  CHECK(Contains(r.out, "\"device\": \"size=4194304,zone_size=262144,zone_capacity=196608"));
  CHECK(Contains(r.out, "\"nr_zones\": 16"));
  // Every zone fills after three 64 KiB writes: each fourth write finds it FULL.
  CHECK(Contains(r.out, "\"zone_is_full\": 4"));
  CHECK(Contains(r.out, "\"verdict\": \"conforming\""));
  CHECK(HashFile(image) == before);
  CHECK(ReadFile(image) == bytes);

  // Behaviour parameters may change; geometry may not.
  CHECK(RunZonesim({"replay", Fixture("fio-zoned.v3.iolog"), "--image", image, "--config",
                    "implicit_close=lowest_index"}).status == 0);
  RunResult geometry = RunZonesim({"replay", Fixture("fio-zoned.v3.iolog"), "--image", image, "--config", "size=8M"});
  CHECK(geometry.status == 2);
  CHECK(Contains(geometry.err, "may not change the geometry"));
  RunResult plain = RunZonesim({"replay", Fixture("fio-zoned.v3.iolog"), "--image", Fixture("fio-zoned.v3.iolog")});
  CHECK(plain.status == 2);
  CHECK(HashFile(image) == before);
}

TEST_CASE("zonesim replay --write-script / --write-iolog: the mapped operations replay the same") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string script = dir.path() + "/case.script";
  const std::string iolog = dir.path() + "/case.iolog";
  const std::string config = "zone_size=256K,zone_capacity=192K";
  RunResult first = RunZonesim({"replay", Fixture("fio-zoned.v3.iolog"), "--config", config,
                                "--write-script", script, "--write-iolog", iolog});
  REQUIRE(first.status == 0);
  CHECK(Contains(first.out, "zone-rule violations by the workload: 4\n"));
  const std::string s = ReadFile(script);
  CHECK(Contains(s, "zrs 256K 256K\n"));  // the trim, as the reset it was
  CHECK(Contains(s, "write -S 27 256K 64K\n"));
  const std::string l = ReadFile(iolog);
  CHECK(l.rfind("fio version 2 iolog\n", 0) == 0);
  CHECK(Contains(l, "/dev/nullb0 trim 262144 262144\n"));

  for (const std::string& again : {script, iolog}) {
    CAPTURE(again);
    RunResult r = RunZonesim({"replay", again, "--config", "size=1M," + config});
    CHECK(r.status == 0);
    CHECK(Contains(r.out, "zone-rule violations by the workload: 4\n"));
    CHECK(Contains(r.out, "operations run: 19 (write 18, reset 1)"));
  }
  // An output may not be one of the inputs.
  const std::string trace = dir.path() + "/t.iolog";
  WriteFile(trace, ReadFile(Fixture("fio-seq-write.v2.iolog")));
  RunResult clobber = RunZonesim({"replay", trace, "--write-script", trace});
  CHECK(clobber.status == 2);
  CHECK(ReadFile(trace) == ReadFile(Fixture("fio-seq-write.v2.iolog")));
}

TEST_CASE("zonesim replay --json and --junit: one document each") {
  testing::TestDir dir;
  REQUIRE(dir.ok());
  const std::string junit = dir.path() + "/replay.xml";
  RunResult r = RunZonesim({"replay", Fixture("fio-zoned.v3.iolog"), "--json", "--junit", junit,
                            "--fail-on-violations", "--time-scale", "2"});
  CHECK(r.status == 3);
  REQUIRE(!r.out.empty());
  CHECK(r.out.front() == '{');
  CHECK(Contains(r.out, "\"total\": 3"));
  CHECK(Contains(r.out, "\"duration_ns\": 265000"));
  CHECK(Contains(r.out, "\"scaled_duration_ns\": 132500"));
  const std::string x = ReadFile(junit);
  CHECK(Contains(x, "failures=\"1\""));
  CHECK(Contains(x, "3 zone-rule violations"));
}

TEST_CASE("zonesim replay --help documents the image guarantee, the map and the exit codes") {
  RunResult r = RunZonesim({"replay", "--help"});
  CHECK(r.status == 0);
  CHECK(Contains(r.out, "never modified"));
  CHECK(Contains(r.out, "zone-rebase"));
  CHECK(Contains(r.out, "--time-scale"));
  CHECK(Contains(r.out, "--fail-on-violations"));
}

}  // namespace
}  // namespace zonesim
