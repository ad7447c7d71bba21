// ZonedImage Write / Append / Read on real image files: every check of the
// semantics contract in order, for each profile.
#include <doctest/doctest.h>

#include "qcow2/tests/zoned_image_fixture.h"

namespace zonesim::test {
namespace {

constexpr uint64_t kZ = 64 << 10;  // zone size of the default geometry

struct Fixture {
  testing::TestDir dir;
  Env* env = Env::Default();
  std::string path = dir.File("img.qcow2");
  std::unique_ptr<ZonedImage> zi;
  Fixture(const Geometry& g, const ZoneParams& p) {
    MakeImage(env, path, g);
    zi = OpenImage(env, path, p);
  }
};

TEST_CASE("zoned image: write argument checks come first, for every profile") {
  for (const ZoneParams& p : kProfiles) {
    CAPTURE(to_string(p.profile));
    Fixture f(Geometry{}, p);
    ZonedImage& zi = *f.zi;
    std::vector<uint8_t> d = Pattern(0, 4096);
    CHECK(zi.Write(0, 0, d.data()) == ZoneStatus::kInvalidField);
    CHECK(zi.Write(1, 512, d.data()) == ZoneStatus::kUnalignedRequest);
    CHECK(zi.Write(0, 100, d.data()) == ZoneStatus::kUnalignedRequest);
    CHECK(zi.Write((1 << 20) - 512, 1024, d.data()) == ZoneStatus::kLbaOutOfRange);
    CHECK(zi.Write(UINT64_MAX - 511, 1024, d.data()) == ZoneStatus::kLbaOutOfRange);  // no overflow
    CHECK(zi.Write(1 << 20, 512, d.data()) == ZoneStatus::kLbaOutOfRange);
    CHECK(zi.Write(512, 512, d.data()) == ZoneStatus::kZoneInvalidWrite);  // wp is 0
    // Not at the wp and crossing the zone end: which error depends on the precedence.
    CHECK(zi.Write(kZ - 512, 1024, d.data()) == (p.precedence == ErrorPrecedence::kStateFirst
                                                     ? ZoneStatus::kZoneInvalidWrite
                                                     : ZoneStatus::kZoneBoundaryError));
    CHECK(zi.Write(0, kZ + 512, Pattern(0, kZ + 512).data()) == ZoneStatus::kZoneBoundaryError);
    CHECK(zi.Counts() == ZoneCounts{});
    CHECK(Cond(&zi, 0) == ZoneCondition::kEmpty);
  }
}

TEST_CASE("zoned image: sequential writes advance the wp, fill the zone, read back") {
  for (const ZoneParams& p : kProfiles) {
    CAPTURE(to_string(p.profile));
    Geometry g;
    g.zone_capacity = 48 << 10;
    if (p.profile == Profile::kZbc) {  // ZBC has no zone capacity: the geometry is refused
      DeviceConfig c = g.config();
      c.params = p;
      CHECK(!c.Validate().ok());
      continue;
    }
    Fixture f(g, p);
    ZonedImage& zi = *f.zi;
    REQUIRE(WritePattern(&zi, kZ, 8192) == ZoneStatus::kOk);
    ZoneReportEntry e = ReportOne(&zi, kZ);
    CHECK(e.cond == ZoneCondition::kImplicitOpen);
    CHECK(e.wp == kZ + 8192);
    CHECK(e.capacity == (48 << 10));
    CHECK(zi.Counts().implicit_open == 1);
    // Data below the wp comes back; past it the read fill (zeroes here).
    std::vector<uint8_t> got(0), want = Pattern(kZ, 8192);
    if (p.restricted_reads) {
      got = ReadBack(&zi, kZ, 8192);
      std::vector<uint8_t> out(1024);
      CHECK(zi.Read(kZ + 7680, 1024, out.data()) == ZoneStatus::kReadUnwritten);
    } else {
      got = ReadBack(&zi, kZ, 16384);
      CHECK(std::equal(want.begin(), want.end(), got.begin()));
      CHECK(std::all_of(got.begin() + 8192, got.end(), [](uint8_t b) { return b == 0; }));
      got.resize(8192);
    }
    CHECK(got == want);
    // Crossing the capacity is a boundary error; filling it exactly -> FULL.
    std::vector<uint8_t> rest = Pattern(kZ + 8192, 40 << 10);
    CHECK(zi.Write(kZ + 8192, (40 << 10) + 512, Pattern(kZ + 8192, (40 << 10) + 512).data()) ==
          ZoneStatus::kZoneBoundaryError);
    REQUIRE(zi.Write(kZ + 8192, 40 << 10, rest.data()) == ZoneStatus::kOk);
    e = ReportOne(&zi, kZ);
    CHECK(e.cond == ZoneCondition::kFull);
    CHECK(zi.Counts() == ZoneCounts{});
    // FULL wp per profile: linux as_written (start + capacity), zns/zbc zone end.
    CHECK(e.wp == (p.full_wp == FullWpReport::kAsWritten ? kZ + (48 << 10) : kZ + kZ));
    CHECK(zi.Write(kZ + (48 << 10), 512, rest.data()) == (p.precedence == ErrorPrecedence::kStateFirst
                                                              ? ZoneStatus::kZoneIsFull
                                                              : ZoneStatus::kZoneBoundaryError));
    CHECK(zi.Write(kZ, 512, rest.data()) == ZoneStatus::kZoneIsFull);
    // A FULL zone reads freely; the bytes between capacity and zone end read as the fill.
    got = ReadBack(&zi, kZ, kZ);
    std::vector<uint8_t> all = Pattern(kZ, 48 << 10);
    CHECK(std::equal(all.begin(), all.end(), got.begin()));
    CHECK(std::all_of(got.begin() + (48 << 10), got.end(), [](uint8_t b) { return b == 0; }));
  }
}

TEST_CASE("zoned image: error precedence, state first vs boundary first") {
  // A write to a FULL zone that would also cross its capacity.
  for (ErrorPrecedence prec : {ErrorPrecedence::kStateFirst, ErrorPrecedence::kBoundaryFirst}) {
    ZoneParams p = profile_params(Profile::kLinux);
    p.precedence = prec;
    Fixture f(Geometry{}, p);
    ZonedImage& zi = *f.zi;
    REQUIRE(zi.Manage(ZoneAction::kFinish, 0) == ZoneStatus::kOk);
    std::vector<uint8_t> d = Pattern(0, 2048);
    CHECK(zi.Write(kZ - 1024, 2048, d.data()) == (prec == ErrorPrecedence::kStateFirst
                                                      ? ZoneStatus::kZoneIsFull
                                                      : ZoneStatus::kZoneBoundaryError));
    // Not at wp and crossing: state first reports the wp, boundary first the crossing.
    CHECK(zi.Write(2 * kZ - 1024, 2048, d.data()) == (prec == ErrorPrecedence::kStateFirst
                                                          ? ZoneStatus::kZoneInvalidWrite
                                                          : ZoneStatus::kZoneBoundaryError));
    REQUIRE(zi.Inject(ZoneFault::kReadOnly, 2 * kZ) == ZoneStatus::kOk);
    REQUIRE(zi.Inject(ZoneFault::kOffline, 3 * kZ) == ZoneStatus::kOk);
    CHECK(zi.Write(2 * kZ, 512, d.data()) == ZoneStatus::kZoneIsReadOnly);
    CHECK(zi.Write(3 * kZ, 512, d.data()) == ZoneStatus::kZoneIsOffline);
    CHECK(zi.Write(3 * kZ + 512, 512, d.data()) == ZoneStatus::kZoneIsOffline);
  }
}

TEST_CASE("zoned image: conventional zones take random writes but not into sequential zones") {
  Geometry g;
  g.conventional_zones = 2;
  Fixture f(g, profile_params(Profile::kZbc));
  ZonedImage& zi = *f.zi;
  REQUIRE(WritePattern(&zi, 4096, 4096, 1) == ZoneStatus::kOk);
  REQUIRE(WritePattern(&zi, 512, 1024, 2) == ZoneStatus::kOk);
  REQUIRE(WritePattern(&zi, kZ - 512, 1024, 3) == ZoneStatus::kOk);  // conv -> conv
  CHECK(WritePattern(&zi, 2 * kZ - 512, 1024) == ZoneStatus::kZoneBoundaryError);
  CHECK(zi.Counts() == ZoneCounts{});
  ZoneReportEntry e = ReportOne(&zi, 0);
  CHECK(e.cond == ZoneCondition::kNotWp);
  CHECK(e.type == ZoneType::kConventional);
  CHECK(e.wp == 0);
  CHECK(e.capacity == kZ);
  // Reads may span conventional zones even without read_across_zones.
  std::vector<uint8_t> got = ReadBack(&zi, 0, 2 * kZ);
  CHECK(std::vector<uint8_t>(got.begin() + 512, got.begin() + 1536) == Pattern(512, 1024, 2));
  CHECK(std::vector<uint8_t>(got.begin() + 4096, got.begin() + 8192) == Pattern(4096, 4096, 1));
  CHECK(std::vector<uint8_t>(got.begin() + kZ - 512, got.begin() + kZ + 512) ==
        Pattern(kZ - 512, 1024, 3));
  std::vector<uint8_t> out(1024);
  CHECK(zi.Read(2 * kZ - 512, 1024, out.data()) == ZoneStatus::kReadBoundaryViolation);
}

TEST_CASE("zoned image: append checks in order and assigned offsets") {
  {
    Fixture f(Geometry{}, profile_params(Profile::kZbc));
    uint64_t at = 0;
    CHECK(f.zi->Append(0, 512, Pattern(0, 512).data(), &at) == ZoneStatus::kNotSupported);
  }
  for (Profile prof : {Profile::kZns, Profile::kLinux}) {
    CAPTURE(to_string(prof));
    Geometry g;
    g.conventional_zones = 1;
    g.zone_capacity = 32 << 10;
    Fixture f(g, profile_params(prof));
    ZonedImage& zi = *f.zi;
    std::vector<uint8_t> d = Pattern(0, 32 << 10, 7);
    uint64_t at = 12345;
    CHECK(zi.Append(kZ, 0, d.data(), &at) == ZoneStatus::kInvalidField);
    CHECK(zi.Append(kZ + 1, 512, d.data(), &at) == ZoneStatus::kUnalignedRequest);
    CHECK(zi.Append(kZ, 500, d.data(), &at) == ZoneStatus::kUnalignedRequest);
    CHECK(zi.Append(1 << 20, 512, d.data(), &at) == ZoneStatus::kLbaOutOfRange);
    // ZNS: Invalid Field; Linux's blk_check_zone_append: EIO (issue 18).
    const bool lx = prof == Profile::kLinux;
    const ZoneStatus bad_start = lx ? ZoneStatus::kZoneInvalidWrite : ZoneStatus::kInvalidField;
    CHECK(zi.Append(kZ + 512, 512, d.data(), &at) == bad_start);
    CHECK(zi.Append(0, 512, d.data(), &at) == bad_start);  // conventional
    CHECK(zi.Append(kZ, (16 << 10) + 512, d.data(), &at) ==
          (lx ? ZoneStatus::kZoneBoundaryError : ZoneStatus::kInvalidField));
    CHECK(at == 12345);
    REQUIRE(zi.Append(kZ, 16 << 10, d.data(), &at) == ZoneStatus::kOk);
    CHECK(at == kZ);
    REQUIRE(zi.Append(kZ, 8 << 10, d.data() + (16 << 10), &at) == ZoneStatus::kOk);
    CHECK(at == kZ + (16 << 10));
    CHECK(Cond(&zi, kZ) == ZoneCondition::kImplicitOpen);
    CHECK(zi.Append(kZ, 16 << 10, d.data(), &at) == ZoneStatus::kZoneBoundaryError);
    REQUIRE(zi.Append(kZ, 8 << 10, d.data() + (24 << 10), &at) == ZoneStatus::kOk);
    CHECK(Cond(&zi, kZ) == ZoneCondition::kFull);
    CHECK(zi.Append(kZ, 512, d.data(), &at) == ZoneStatus::kZoneIsFull);
    CHECK(ReadBack(&zi, kZ, 32 << 10) == d);
    // Appends of a Payload land the bytes it generates.
    REQUIRE(zi.Append(2 * kZ, 4096, Payload::Seeded(9), &at) == ZoneStatus::kOk);
    CHECK(at == 2 * kZ);
    CHECK(ReadBack(&zi, 2 * kZ, 4096) == Generated(Payload::Seeded(9), 0, 4096));
  }
}

TEST_CASE("zoned image: reads: boundaries, offline zones, restricted reads, fill") {
  // ZNS: RAZB = 0.
  {
    Fixture f(Geometry{}, profile_params(Profile::kZns));
    std::vector<uint8_t> out(2048);
    CHECK(f.zi->Read(kZ - 1024, 2048, out.data()) == ZoneStatus::kReadBoundaryViolation);
    CHECK(f.zi->Read(0, 0, out.data()) == ZoneStatus::kInvalidField);
    CHECK(f.zi->Read(3, 512, out.data()) == ZoneStatus::kUnalignedRequest);
    CHECK(f.zi->Read(1 << 20, 512, out.data()) == ZoneStatus::kLbaOutOfRange);
    REQUIRE(f.zi->Inject(ZoneFault::kOffline, 0) == ZoneStatus::kOk);
    CHECK(f.zi->Read(0, 512, out.data()) == ZoneStatus::kZoneIsOffline);
  }
  // Linux: reads span zones; an OFFLINE zone anywhere in the range fails it.
  {
    Fixture f(Geometry{}, profile_params(Profile::kLinux));
    REQUIRE(WritePattern(f.zi.get(), 0, kZ) == ZoneStatus::kOk);
    REQUIRE(WritePattern(f.zi.get(), kZ, 1024) == ZoneStatus::kOk);
    std::vector<uint8_t> got = ReadBack(f.zi.get(), 0, 2 * kZ);
    CHECK(std::vector<uint8_t>(got.begin(), got.begin() + kZ + 1024) == Pattern(0, kZ + 1024));
    REQUIRE(f.zi->Inject(ZoneFault::kOffline, 2 * kZ) == ZoneStatus::kOk);
    std::vector<uint8_t> out(2 * kZ);
    CHECK(f.zi->Read(kZ, 2 * kZ, out.data()) == ZoneStatus::kZoneIsOffline);
  }
  // ZBC: restricted reads stop at the wp, except in FULL and READ ONLY zones.
  {
    Fixture f(Geometry{}, profile_params(Profile::kZbc));
    std::vector<uint8_t> out(4096);
    CHECK(f.zi->Read(0, 512, out.data()) == ZoneStatus::kReadUnwritten);
    REQUIRE(WritePattern(f.zi.get(), 0, 2048) == ZoneStatus::kOk);
    CHECK(f.zi->Read(0, 2048, out.data()) == ZoneStatus::kOk);
    CHECK(f.zi->Read(1024, 2048, out.data()) == ZoneStatus::kReadUnwritten);
    REQUIRE(f.zi->Inject(ZoneFault::kReadOnly, 0) == ZoneStatus::kOk);
    CHECK(f.zi->Read(0, 4096, out.data()) == ZoneStatus::kOk);
    CHECK(std::vector<uint8_t>(out.begin(), out.begin() + 2048) == Pattern(0, 2048));
    CHECK(std::all_of(out.begin() + 2048, out.end(), [](uint8_t b) { return b == 0; }));
    REQUIRE(f.zi->Manage(ZoneAction::kFinish, kZ) == ZoneStatus::kOk);
    CHECK(f.zi->Read(kZ, 4096, out.data()) == ZoneStatus::kOk);
  }
  // read_fill = ones: unwritten bytes of sequential zones, also after finish.
  {
    ZoneParams p = profile_params(Profile::kLinux);
    p.read_fill = ReadFill::kOnes;
    Fixture f(Geometry{}, p);
    REQUIRE(WritePattern(f.zi.get(), 0, 1024) == ZoneStatus::kOk);
    std::vector<uint8_t> got = ReadBack(f.zi.get(), 0, 4096);
    CHECK(std::vector<uint8_t>(got.begin(), got.begin() + 1024) == Pattern(0, 1024));
    CHECK(std::all_of(got.begin() + 1024, got.end(), [](uint8_t b) { return b == 0xFF; }));
    REQUIRE(f.zi->Manage(ZoneAction::kFinish, 0) == ZoneStatus::kOk);
    f.zi.reset();  // close and reopen: the fill must come from the file now
    f.zi = OpenImage(f.env, f.path, p);
    got = ReadBack(f.zi.get(), 0, kZ);
    CHECK(std::vector<uint8_t>(got.begin(), got.begin() + 1024) == Pattern(0, 1024));
    CHECK(std::all_of(got.begin() + 1024, got.end(), [](uint8_t b) { return b == 0xFF; }));
  }
}

TEST_CASE("zoned image: a generated write larger than the storage layer's 1 MiB piece") {
  Geometry g;
  g.size = 8 << 20;
  g.zone_size = 4 << 20;
  g.zone_capacity = 4 << 20;
  Fixture f(g, profile_params(Profile::kLinux));
  // 512 bytes first, so the generated write starts and ends inside a cluster.
  REQUIRE(WritePattern(f.zi.get(), 0, 512) == ZoneStatus::kOk);
  const uint64_t n = (3 << 20) + (256 << 10) + 512;  // not a multiple of 1 MiB
  REQUIRE(f.zi->Write(512, n, Payload::Seeded(4)) == ZoneStatus::kOk);
  CHECK(ReportOne(f.zi.get(), 0).wp == 512 + n);
  CHECK(ReadBack(f.zi.get(), 0, 512) == Pattern(0, 512));
  CHECK(ReadBack(f.zi.get(), 512, n) == Generated(Payload::Seeded(4), 0, n));
}

TEST_CASE("zoned image: flush succeeds and changes no zone state") {
  Fixture f(Geometry{}, profile_params(Profile::kZns));
  REQUIRE(WritePattern(f.zi.get(), 0, 4096) == ZoneStatus::kOk);
  ZoneCounts before = f.zi->Counts();
  CHECK(f.zi->Flush() == ZoneStatus::kOk);
  CHECK(f.zi->Counts() == before);
  CHECK(Cond(f.zi.get(), 0) == ZoneCondition::kImplicitOpen);
}

}  // namespace
}  // namespace zonesim::test
