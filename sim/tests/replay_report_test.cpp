// The renderings of a replay result, on results built by hand: a divergence
// (which a correct image never produces, so the replays above cannot show
// it) and the violation summary's ordering and limits.
#include <doctest/doctest.h>

#include "sim/replay/replay_report.h"
#include "sim/tests/replay_test_util.h"

namespace zonesim {
namespace {

using namespace replaytest;

ReplayResult Base() {
  ReplayResult r;
  r.format = TraceFormat::kFioIolog;
  r.stage = IoStage::kQueue;
  REQUIRE(ParseDeviceConfig("size=1M,zone_size=256K", &r.config).ok());
  r.device_source = "as configured";
  r.records = 5;
  r.io_events = 3;
  r.ops_run = 3;
  return r;
}

TEST_CASE("a divergence is reported as fuzz reports it, with the trace record and a way to shrink it") {
  ReplayOptions o;
  o.traces = {"t.iolog"};
  ReplayResult r = Base();
  Divergence d;
  d.index = 2;
  d.op.kind = OpKind::kWrite;
  d.op.offset = 4096;
  d.op.length = 4096;
  d.model.status = ZoneStatus::kZoneInvalidWrite;
  d.device.status = ZoneStatus::kOk;
  d.what = "status differs";
  r.divergence = d;
  r.divergence_text = LockstepChecker::FormatDivergence(d, r.config);
  QuotedEvent q;
  q.event = 3;
  q.position = "t.iolog: line 6";
  q.text = "f write 4096 4096";
  q.operation = "write 4K 4K";
  r.divergence_event = q;

  const std::string text = ReplayTextReport(o, r);
  CHECK(Contains(text, "DIVERGENCE at operation 2: write 4K 4K\n  status differs\n"));
  CHECK(Contains(text, "while replaying event 3 (t.iolog: line 6)"));
  CHECK(Contains(text, "record: f write 4096 4096"));
  CHECK(Contains(text, "zonesim fuzz --config '"));
  CHECK(Contains(text, "verdict: DIVERGENCE\n"));
  CHECK_FALSE(Contains(text, "CONFORMING"));

  const std::string json = ReplayJsonReport(o, r);
  CHECK(Contains(json, "\"verdict\": \"divergence\""));
  CHECK(Contains(json, "\"what\": \"status differs\""));
  CHECK(Contains(json, "\"position\": \"t.iolog: line 6\""));

  const std::string junit = ReplayJunitReport(o, r, /*fail_on_violations=*/false);
  CHECK(Contains(junit, "failures=\"1\""));
  CHECK(Contains(junit, "<failure message=\"status differs\">"));
}

TEST_CASE("violations by zone: most first, ten at most, beyond-the-device apart") {
  ReplayOptions o;
  o.traces = {"t.iolog"};
  ReplayResult r = Base();
  REQUIRE(ParseDeviceConfig("size=16M,zone_size=1M", &r.config).ok());
  for (uint32_t z = 0; z < 12; ++z) r.violations_by_zone[z] = z == 7 ? 50 : 1;
  r.violations_without_zone = 2;
  r.violations = 50 + 11 + 2;
  r.violations_by_kind["zone_invalid_write"] = 61;
  r.violations_by_kind["lba_out_of_range"] = 2;
  const std::string text = ReplayTextReport(o, r);
  CHECK(Contains(text, "by kind: lba_out_of_range 2, zone_invalid_write 61\n"));
  CHECK(Contains(text, "by zone (most first, 10 of 12 zones): zone 7 50, zone 0 1, zone 1 1,"));
  CHECK(Contains(text, "zone 9 1, beyond the device 2\n"));
  CHECK_FALSE(Contains(text, "zone 10 1"));
  CHECK(Contains(text, "verdict: CONFORMING (the model and the qcow2 image agreed on all 3 operations); "
                       "the workload broke zone rules 63 times\n"));
  // Not a failure unless asked.
  CHECK(Contains(ReplayJunitReport(o, r, false), "failures=\"0\""));
  CHECK(Contains(ReplayJunitReport(o, r, true), "failures=\"1\""));
}

}  // namespace
}  // namespace zonesim
