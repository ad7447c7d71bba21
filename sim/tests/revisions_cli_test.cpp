// The layout revisions through the zonesim binary: create --layout v11/v12,
// info and check saying which revision an image is, check --expect-layout,
// convert (new output by default, source untouched; --in-place), create
// --from a zoned image, and the revision presets of the behaviour parameters
// (errno vocabulary) on the model and on an image alike.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/tests/zonesim_binary.h"

namespace zonesim::test {
namespace {

using testing::ReadFileText;
using testing::RunZonesim;
using testing::ZonesimRun;

bool Contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

ZonesimRun Create(const std::string& path, const std::string& layout) {
  ZonesimRun r = RunZonesim({"create", path, "-o", "size=64M,zone.size=4M,zone.capacity=3M,zone.conventional_zones=1",
                             "-o", "zone.max_open_zones=3,zone.max_active_zones=4", "--layout", layout,
                             "--cluster-size", "64K"});
  INFO(r.err);
  REQUIRE(r.status == 0);
  return r;
}

TEST_CASE("cli revisions: create every layout; info and check name it; --expect-layout pins it") {
  testing::TestDir dir;
  struct Want {
    const char* layout;
    const char* id;
    const char* text;
  };
  for (const Want& w : {Want{"v5", "v5", "layout: v5 (48-byte extension)"},
                        Want{"v9", "latest", "layout: latest (56-byte extension)"},
                        Want{"v11", "v11", "layout: v11 (48-byte extension)"},
                        Want{"v12", "v12", "layout: v12 (44-byte extension)"}}) {
    CAPTURE(w.layout);
    const std::string img = dir.File(std::string(w.layout) + ".qcow2");
    Create(img, w.layout);
    ZonesimRun info = RunZonesim({"info", img});
    INFO(info.err);
    REQUIRE(info.status == 0);
    CHECK(Contains(info.out, w.text));
    CHECK(Contains(info.out, "revision: "));
    CHECK(Contains(info.out, "max append bytes: 65536"));
    ZonesimRun json = RunZonesim({"info", "--json", img});
    CHECK(Contains(json.out, std::string("\"layout\": \"") + w.id + "\""));
    CHECK(Contains(json.out, "\"entry_encoding\": "));
    ZonesimRun check = RunZonesim({"check", img, "--expect-layout", w.layout});
    INFO(check.out);
    CHECK(check.status == 0);
    CHECK(Contains(check.out, "revision: "));
    ZonesimRun other = RunZonesim({"check", img, "--expect-layout", std::string(w.layout) == "v11" ? "v12" : "v11"});
    CHECK(other.status == 2);
    CHECK(Contains(other.out, "zoned.layout_unexpected"));
  }
  CHECK(RunZonesim({"check", dir.File("v5.qcow2"), "--expect-layout", "v7"}).status == 1);  // check's usage code
  ZonesimRun bad = RunZonesim({"create", dir.File("x.qcow2"), "-o", "size=64M,zone.size=4M,zone.max_append_bytes=128K",
                               "--layout", "v12"});
  CHECK(bad.status == 2);
  CHECK(Contains(bad.err, "131072"));
  CHECK(!std::filesystem::exists(dir.File("x.qcow2")));
}

TEST_CASE("cli revisions: convert keeps data and write pointers, never writes the source") {
  testing::TestDir dir;
  const std::string a = dir.File("a.qcow2"), b = dir.File("b.qcow2"), c = dir.File("c.qcow2");
  Create(a, "v9");
  ZonesimRun io = RunZonesim({"io", a, "-c", "write -P 0xab 4M 64K", "-c", "write -P 0xcd 8M 3M", "-c", "zf 12M 4M"});
  INFO(io.out);
  REQUIRE(io.status == 0);
  const std::string before = ReadFileText(a);
  ZonesimRun r = RunZonesim({"convert", "--layout", "v11", a, b});
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(Contains(r.out, "check clean"));
  CHECK(ReadFileText(a) == before);
  ZonesimRun again = RunZonesim({"convert", "--layout", "v12", b, c});
  INFO(again.err);
  REQUIRE(again.status == 0);
  const std::vector<std::string> report = {"-c", "zrp 0 16", "-c", "read -P 0xab 4M 64K", "-c", "read -P 0xcd 8M 3M"};
  std::vector<std::string> outs;
  for (const std::string& img : {a, b, c}) {
    std::vector<std::string> args = {"io", img};
    args.insert(args.end(), report.begin(), report.end());
    ZonesimRun q = RunZonesim(args);
    INFO(q.out);
    CHECK(q.status == 0);
    outs.push_back(q.out);
  }
  CHECK(outs[0] == outs[1]);
  CHECK(outs[1] == outs[2]);
  CHECK(Contains(RunZonesim({"info", c}).out, "layout: v12"));
  // The source is changed only when asked, and then completely.
  CHECK(RunZonesim({"convert", "--layout", "v5", c}).status == 2);
  CHECK(RunZonesim({"convert", "--layout", "v5", c, c}).status == 2);
  CHECK(RunZonesim({"convert", "--layout", "v5", c, b}).status == 1);  // exists, no --force
  ZonesimRun in_place = RunZonesim({"convert", "--layout", "v5", c, "--in-place"});
  INFO(in_place.err);
  CHECK(in_place.status == 0);
  CHECK(Contains(RunZonesim({"info", c}).out, "layout: v5"));
  CHECK(!std::filesystem::exists(c + ".zonesim-convert.tmp"));
  // create --from a zoned image converts it too.
  const std::string d = dir.File("d.qcow2");
  ZonesimRun from = RunZonesim({"create", d, "--from", a, "--layout", "v11"});
  INFO(from.err);
  CHECK(from.status == 0);
  CHECK(Contains(RunZonesim({"check", d, "--expect-layout", "v11"}).out, "v11 (48-byte)"));
  CHECK(RunZonesim({"convert", "--help"}).status == 0);
}

TEST_CASE("cli revisions: the errno vocabulary of each revision, on the model and on an image") {
  testing::TestDir dir;
  const std::string img = dir.File("e.qcow2");
  Create(img, "v11");
  const std::string model = "size=64M,zone_size=4M,zone_capacity=3M,conventional_zones=1,profile=linux";
  for (const auto& [revision, text] : {std::pair{"v9", "Invalid argument"}, std::pair{"v11", "Input/output error"}}) {
    CAPTURE(revision);
    // A write off the write pointer.
    ZonesimRun m = RunZonesim({"io", "--model", model + ",revision=" + revision, "-c", "write 4M 4K", "-c",
                               "write 4M 4K"});
    CHECK(Contains(m.out, std::string("write failed: ") + text));
    ZonesimRun i = RunZonesim({"io", img, "--config", std::string("revision=") + revision, "-c", "write 8M 4K", "-c",
                               "write 8M 4K"});
    INFO(i.err);
    CHECK(Contains(i.out, std::string("write failed: ") + text));
  }
}

TEST_CASE("cli revisions: max_open_zones given alone, ignored up to v10 and honoured after, model and image alike") {
  testing::TestDir dir;
  const std::string img = dir.File("o.qcow2");
  ZonesimRun c = RunZonesim({"create", img, "-o", "size=64M,zone.size=4M,zone.max_open_zones=1", "--layout", "v11"});
  INFO(c.err);
  REQUIRE(c.status == 0);
  const std::string model = "size=64M,zone_size=4M,max_open_zones=1,profile=linux";
  for (const auto& [revision, second_open_fails] : {std::pair{"v9", false}, std::pair{"v11", true}}) {
    CAPTURE(revision);
    ZonesimRun m = RunZonesim({"io", "--model", model + ",revision=" + revision, "-c", "zo 4M 4M", "-c", "zo 8M 4M"});
    ZonesimRun i = RunZonesim({"io", img, "--config", std::string("revision=") + revision, "-c", "zo 4M 4M", "-c",
                               "zo 8M 4M"});
    CHECK(Contains(m.out, "failed") == second_open_fails);
    CHECK(i.out == m.out);
  }
}

}  // namespace
}  // namespace zonesim::test
