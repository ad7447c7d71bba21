// REPORT ZONES: filters, max_zones, partial, the start offset, and the write
// pointer reported for each condition and full_wp mode.
#include <doctest/doctest.h>

#include "model/tests/model_test_util.h"

namespace zonesim::test {
namespace {

using C = ZoneCondition;
using S = ZoneStatus;

TEST_CASE("report: filter, max_zones, partial, start offset") {
  DeviceConfig c = SmallConfig(Profile::kLinux, 8);
  c.conventional_zones = 1;
  ZoneModel m(c);
  Drive(m, 2, Setup::kImplicitOpen);
  Drive(m, 4, Setup::kImplicitOpen);
  Drive(m, 6, Setup::kImplicitOpen);
  Drive(m, 7, Setup::kFullWritten);
  std::vector<ZoneReportEntry> out;
  bool partial = true;

  CHECK(m.Report(0, 0, ReportFilter::kAll, &out, &partial) == S::kOk);
  CHECK(out.size() == 8);
  CHECK(!partial);

  CHECK(m.Report(0, 0, ReportFilter::kImplicitOpen, &out, &partial) == S::kOk);
  REQUIRE(out.size() == 3);
  CHECK(out[0].start == Start(2));
  CHECK(out[2].start == Start(6));
  CHECK(!partial);

  // max_zones with more matches remaining -> partial.
  CHECK(m.Report(0, 2, ReportFilter::kImplicitOpen, &out, &partial) == S::kOk);
  CHECK(out.size() == 2);
  CHECK(partial);
  // Exactly as many as remain -> not partial.
  CHECK(m.Report(0, 3, ReportFilter::kImplicitOpen, &out, &partial) == S::kOk);
  CHECK(out.size() == 3);
  CHECK(!partial);

  // From the zone containing the offset (not zone aligned).
  CHECK(m.Report(Start(4) + kBlock, 0, ReportFilter::kImplicitOpen, &out, &partial) == S::kOk);
  REQUIRE(out.size() == 2);
  CHECK(out[0].start == Start(4));

  CHECK(m.Report(0, 0, ReportFilter::kNotWp, &out) == S::kOk);
  REQUIRE(out.size() == 1);
  CHECK(out[0].type == ZoneType::kConventional);
  CHECK(m.Report(0, 0, ReportFilter::kEmpty, &out) == S::kOk);
  CHECK(out.size() == 3);  // 1, 3, 5
  CHECK(m.Report(0, 0, ReportFilter::kFull, &out) == S::kOk);
  CHECK(out.size() == 1);
  CHECK(m.Report(0, 0, ReportFilter::kOffline, &out, &partial) == S::kOk);
  CHECK(out.empty());
  CHECK(!partial);

  CHECK(m.Report(c.size, 0, ReportFilter::kAll, &out) == S::kLbaOutOfRange);
  CHECK(m.Report(c.size - kBlock, 0, ReportFilter::kAll, &out) == S::kOk);
  CHECK(out.size() == 1);
}

TEST_CASE("report entry fields and the FULL write pointer per full_wp") {
  for (FullWpReport mode : {FullWpReport::kAsWritten, FullWpReport::kCapacityEnd,
                            FullWpReport::kZoneEnd, FullWpReport::kAllOnes}) {
    CAPTURE(to_string(mode));
    DeviceConfig c = SmallConfig(Profile::kZns, 6);
    c.zone_capacity = 12 * kBlock;
    c.params.full_wp = mode;
    ZoneModel m(c);
    Drive(m, 1, Setup::kFullWritten);   // internal wp = start + cap
    Drive(m, 2, Setup::kFullFinished);  // internal wp = start + len
    Drive(m, 3, Setup::kImplicitOpen);
    Drive(m, 4, Setup::kReadOnly);
    Drive(m, 5, Setup::kOffline);
    const uint64_t cap = 12 * kBlock;
    auto want_full = [&](uint32_t z, uint64_t as_written) -> uint64_t {
      switch (mode) {
        case FullWpReport::kAsWritten: return as_written;
        case FullWpReport::kCapacityEnd: return Start(z) + cap;
        case FullWpReport::kZoneEnd: return Start(z) + kZone;
        case FullWpReport::kAllOnes: return UINT64_MAX;
      }
      return 0;
    };
    CHECK(m.zone(1).wp == want_full(1, Start(1) + cap));
    CHECK(m.zone(2).wp == want_full(2, Start(2) + kZone));
    CHECK(m.zone(0).wp == Start(0));
    CHECK(m.zone(3).wp == Start(3) + kBlock);
    CHECK(m.zone(4).wp == UINT64_MAX);
    CHECK(m.zone(5).wp == UINT64_MAX);
    const ZoneReportEntry e = m.zone(3);
    CHECK(e.start == Start(3));
    CHECK(e.length == kZone);
    CHECK(e.capacity == cap);
    CHECK(e.type == ZoneType::kSequentialWriteRequired);
    CHECK(e.cond == C::kImplicitOpen);
    // zone() beyond the device gives a default entry.
    CHECK(m.zone(99) == ZoneReportEntry{});
  }
}

TEST_CASE("profile FULL wp presets") {
  // zns/zbc normalise to the zone end; linux reports the internal wp.
  for (Profile p : kProfiles) {
    CAPTURE(Name(p));
    DeviceConfig c = SmallConfig(p, 4);
    if (p != Profile::kZbc) c.zone_capacity = 12 * kBlock;
    ZoneModel m(c);
    Drive(m, 1, Setup::kFullWritten);
    const uint64_t cap_end = Start(1) + c.zone_capacity;
    CHECK(m.zone(1).wp == (p == Profile::kLinux ? cap_end : Start(1) + kZone));
  }
}

}  // namespace
}  // namespace zonesim::test
