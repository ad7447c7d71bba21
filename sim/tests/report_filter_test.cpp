// Zone reports with reporting options and limits (issue 15 item 5): the script
// syntax `zrp -o OPTION OFFSET NR`, model against zonesim's qcow2 image on every
// option at the exact end of the matching zones, what `zonesim io` prints, the
// workload aiming at that edge, the qemu-io dialect that cannot say it, and a
// deliberately broken image that `zonesim fuzz` must find and shrink.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/test_files.h"
#include "sim/devices/lockstep_setup.h"
#include "sim/devices/model_device.h"
#include "sim/devices/qemu_io_device.h"
#include "sim/exec/io_runner.h"
#include "sim/exec/op_outcome.h"
#include "sim/lockstep/workload.h"
#include "sim/tests/zonesim_binary.h"
#include "zoned/device_config.h"
#include "zoned/script.h"

namespace zonesim {
namespace {

using testing::RunZonesim;
using testing::ZonesimRun;

DeviceConfig Config(std::string_view spec) {
  DeviceConfig c;
  Status s = ParseDeviceConfig(spec, &c);
  INFO(s.message());
  REQUIRE(s.ok());
  return c;
}

Operation Parse(std::string_view line) {
  std::optional<Operation> op;
  Status s = ParseScriptLine(line, &op);
  INFO(line, ": ", s.message());
  REQUIRE(s.ok());
  REQUIRE(op.has_value());
  return *op;
}

std::string ParseError(std::string_view line) {
  std::optional<Operation> op;
  Status s = ParseScriptLine(line, &op);
  CHECK_FALSE(s.ok());
  return s.message();
}

// 12 zones of 64K (capacity 48K), zones 0 and 1 conventional; the script
// leaves every condition in at least one zone, two in most.
constexpr std::string_view kSpec =
    "size=768K,zone_size=64K,zone_capacity=48K,conventional_zones=2,max_open_zones=3,"
    "max_active_zones=6,max_append_bytes=16K,profile=zns";
constexpr std::string_view kEveryCondition =
    "write 320K 8K\n"     // 5 -> CLOSED
    "zc 320K 64K\n"
    "write 384K 4K\n"     // 6 -> CLOSED
    "zc 384K 64K\n"
    "zf 448K 64K\n"       // 7 FULL
    "write 512K 48K\n"    // 8 FULL
    "write 128K 4K\n"     // 2 IMP_OPEN
    "zo 192K 64K\n"       // 3 EXP_OPEN
    "write 256K 4K\n"     // 4 IMP_OPEN
    "inject readonly 576K\n"  // 9 READONLY
    "inject offline 640K\n";  // 10 OFFLINE; 11 EMPTY

void RunScript(Device& d, std::string_view script) {
  std::vector<Operation> ops;
  REQUIRE(ParseScript(script, &ops).ok());
  for (const Operation& op : ops) {
    OpOutcome o = ApplyOperation(d, op);
    INFO(d.name(), ": ", FormatScriptLine(op), " -> ", o.Summary());
    REQUIRE(o.ok());
  }
}

}  // namespace

TEST_CASE("report options: zrp -o parses and formats back for every option") {
  for (ReportFilter f : kReportFilters) {
    const std::string word(report_option_name(f));
    CAPTURE(word);
    CHECK(report_filter_from_string(word) == f);
    for (const std::string& line : {"zrp -o " + word + " 128K 16", "zone_report -o" + word + " 131072 16"}) {
      Operation op = Parse(line);
      CHECK(op.kind == OpKind::kReport);
      CHECK(op.filter == f);
      CHECK(op.offset == 128 * 1024);
      CHECK(op.count == 16);
      const std::string canonical = FormatScriptLine(op);
      CHECK(canonical == (f == ReportFilter::kAll ? "zrp 128K 16" : "zrp -o " + word + " 128K 16"));
      CHECK(Parse(canonical) == op);
    }
  }
  // Without the option: qemu-io's zrp, every zone.
  CHECK(Parse("zrp 0 4").filter == ReportFilter::kAll);
  CHECK(FormatScriptLine(Parse("zrp 0 4")) == "zrp 0 4");
}

TEST_CASE("report options: a bad option is named, with the ones that exist") {
  const std::string e = ParseError("zrp -o shut 0 4");
  CHECK(e.find("zrp: reporting option 'shut' is not one of all|empty|imp_open|exp_open|closed|full|"
               "readonly|offline|not_wp") == 0);
  CHECK(ParseError("zrp -o").find("option -o needs a value") != std::string::npos);
  CHECK(ParseError("zrp -x 0 4").find("usage: zrp [-o OPTION] OFFSET NR") != std::string::npos);
  CHECK(ParseError("zo -o closed 0 64K").find("unknown option '-o'") != std::string::npos);
}

TEST_CASE("report options: the model and the qcow2 image agree on every option, offset and limit") {
  const DeviceConfig c = Config(kSpec);
  testing::TestDir dir;
  std::unique_ptr<Device> image;
  Status s = CreateLockstepDevice(c, dir.File("r.qcow2"), 65536, ZonedLayout::kLatest, false, &image);
  INFO(s.ToString());
  REQUIRE(s.ok());
  ModelDevice model(c);
  RunScript(model, kEveryCondition);
  RunScript(*image, kEveryCondition);

  int exact_end = 0, one_short = 0;
  for (ReportFilter f : kReportFilters) {
    CAPTURE(report_option_name(f));
    // The model is the specification: how many zones match from each zone.
    std::vector<ZoneReportEntry> all;
    REQUIRE(model.Report(0, 0, f, &all, nullptr) == ZoneStatus::kOk);
    CHECK(!all.empty());  // the script left every condition somewhere
    for (uint32_t z = 0; z < c.nr_zones(); ++z) {
      for (uint64_t offset : {c.zone_start(z), c.zone_start(z) + 4096}) {
        uint32_t remain = 0;
        for (const ZoneReportEntry& e : all) remain += e.start >= c.zone_start(z) ? 1 : 0;
        for (uint32_t count = 0; count <= remain + 1; ++count) {
          Operation op;
          op.kind = OpKind::kReport;
          op.offset = offset;
          op.count = count;
          op.filter = f;
          CAPTURE(FormatScriptLine(op));
          const OpOutcome m = ApplyOperation(model, op);
          const OpOutcome d = ApplyOperation(*image, op);
          REQUIRE(m.ok());
          CHECK(d.Summary() == m.Summary());
          CHECK(d.report == m.report);
          CHECK(d.partial == m.partial);
          if (count == 0) continue;
          // The edge itself, on both: a limit ending exactly at the last
          // matching zone is complete, one fewer is partial.
          if (count == remain) {
            CHECK(m.report.size() == remain);
            CHECK_FALSE(d.partial);
            ++exact_end;
          }
          if (count + 1 == remain) {
            CHECK(d.report.size() == count);
            CHECK(d.partial);
            ++one_short;
          }
        }
      }
    }
  }
  CHECK(exact_end > 100);
  CHECK(one_short > 40);
  // Past the end of the device: LBA out of range on both.
  Operation past = Parse("zrp -o closed 768K 2");
  CHECK(ApplyOperation(model, past).status == ZoneStatus::kLbaOutOfRange);
  CHECK(ApplyOperation(*image, past).status == ZoneStatus::kLbaOutOfRange);
  CHECK(image->Close().ok());
}

TEST_CASE("report options: zonesim io prints qemu-io's zone lines and whether the report is partial") {
  std::unique_ptr<Device> d = MakeModelDevice(Config(kSpec));
  RunScript(*d, kEveryCondition);
  std::ostringstream out;
  IoRunner runner(d.get());
  for (std::string_view line : {"zrp -o closed 0 2", "zrp -o closed 0 1", "zrp -o full 480K 3",
                                "zrp -o offline 704K 4", "zrp 320K 1"})
    CHECK(runner.Execute(Parse(line), out));
  CHECK(out.str() ==
        "start: 0x280, len 0x80, cap 0x60, wptr 0x290, zcond:4, [type: 2]\n"
        "start: 0x300, len 0x80, cap 0x60, wptr 0x308, zcond:4, [type: 2]\n"
        "zone report -o closed: 2 zones, complete\n"
        "start: 0x280, len 0x80, cap 0x60, wptr 0x290, zcond:4, [type: 2]\n"
        "zone report -o closed: 1 zone, partial (more match)\n"
        "start: 0x380, len 0x80, cap 0x60, wptr 0x400, zcond:14, [type: 2]\n"
        "start: 0x400, len 0x80, cap 0x60, wptr 0x480, zcond:14, [type: 2]\n"
        "zone report -o full: 2 zones, complete\n"
        "zone report -o offline: 0 zones, complete\n"
        "start: 0x280, len 0x80, cap 0x60, wptr 0x290, zcond:4, [type: 2]\n");
}

TEST_CASE("report options: the workload generates every option and aims at the end of the matches") {
  for (Profile p : {Profile::kLinux, Profile::kZns, Profile::kZbc}) {
    DeviceConfig c = Config(
        "size=8159232,zone_size=256K,zone_capacity=192K,conventional_zones=2,max_open_zones=3,"
        "max_active_zones=5,max_append_bytes=64K");
    c.params = profile_params(p);
    if (p == Profile::kZbc) {
      c.zone_capacity = c.zone_size;
      c.max_active_zones = 0;
    }
    REQUIRE(c.Validate().ok());
    ModelDevice model(c);
    WorkloadOptions o;
    o.seed = 7;
    o.fault_rate = 0.01;  // READ ONLY and OFFLINE zones to report
    WorkloadGenerator gen(c, o);
    std::map<ReportFilter, int> generated, nonempty, exact_end, one_short;
    int past_end = 0;
    for (int i = 0; i < 40000; ++i) {
      const Operation op = gen.Next(model.model());
      const OpOutcome out = ApplyOperation(model, op);
      if (op.kind != OpKind::kReport) continue;
      ++generated[op.filter];
      if (out.status == ZoneStatus::kLbaOutOfRange) ++past_end;
      if (out.report.empty()) continue;
      ++nonempty[op.filter];
      std::vector<ZoneReportEntry> rest;
      REQUIRE(model.Report(op.offset, 0, op.filter, &rest, nullptr) == ZoneStatus::kOk);
      if (op.count == rest.size()) ++exact_end[op.filter];
      if (op.count + 1 == rest.size()) ++one_short[op.filter];
    }
    std::string counts;
    for (ReportFilter f : kReportFilters)
      counts += " " + std::string(report_option_name(f)) + " " + std::to_string(generated[f]) + "/" +
                std::to_string(exact_end[f]) + "/" + std::to_string(one_short[f]);
    MESSAGE("profile ", to_string(p), ", 40000 operations, reports generated/at the exact end/one short:", counts,
            "; past the end ", past_end);
    for (ReportFilter f : kReportFilters) {
      CAPTURE(report_option_name(f));
      CHECK(generated[f] > 0);
      CHECK(nonempty[f] > 0);
      CHECK(exact_end[f] > 0);
      // Partial needs two matching zones: conventional zones (2) and the
      // common conditions have them.
      if (f != ReportFilter::kReadOnly && f != ReportFilter::kOffline) CHECK(one_short[f] > 0);
    }
    CHECK(past_end > 0);
  }
}

TEST_CASE("report options: the qemu-io dialect generates no option, and an option is refused for qemu-io") {
  const DeviceConfig c = Config(kSpec);
  ModelDevice model(c);
  WorkloadOptions o;
  o.qemu_io_dialect = true;
  WorkloadGenerator gen(c, o);
  int reports = 0, at_end = 0;
  for (int i = 0; i < 20000; ++i) {
    const Operation op = gen.Next(model.model());
    INFO(FormatScriptLine(op));
    REQUIRE(CheckQemuIoExpressible(op).ok());
    const OpOutcome out = ApplyOperation(model, op);
    if (op.kind != OpKind::kReport) continue;
    ++reports;
    CHECK(op.filter == ReportFilter::kAll);
    if (!out.report.empty() && out.report.back().start == c.zone_start(c.nr_zones() - 1)) ++at_end;
  }
  CHECK(reports > 100);
  CHECK(at_end > 10);  // the exact-end edge, at the device end
  const Status s = CheckQemuIoExpressible(Parse("zrp -o closed 0 4"));
  CHECK(s.message() ==
        "zrp -o closed has no qemu-io form: qemu-io's zrp has no reporting option (it reports every zone)");
  CHECK(CheckQemuIoExpressible(Parse("zrp -o all 0 4")).ok());
  CHECK(InQemuIoDialect(Parse("zrp -o full 0 4")) == Parse("zrp 0 4"));
}

TEST_CASE("report options: zonesim fuzz finds and shrinks an image that calls the exact end partial") {
  const std::string mutant = testing::ZonesimBinary() + "-mutant-report_partial";
  REQUIRE(std::filesystem::exists(mutant));
  testing::TestDir dir;
  const std::string cmd = testing::ShellQuote(mutant) + " fuzz --ops 20000 > " +
                          testing::ShellQuote(dir.File("out")) + " 2>&1";
  const int w = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(w));
  CHECK(WEXITSTATUS(w) == 1);
  const std::string out = testing::ReadFileText(dir.File("out"));
  INFO(out);
  CHECK(out.find("verdict: DIVERGENCE") != std::string::npos);
  const size_t at = out.find("DIVERGENCE at operation ");
  REQUIRE(at != std::string::npos);
  CHECK(out.find(": zrp -o ", at) == out.find(": ", at));  // the divergent operation is a filtered report
  CHECK(out.find("reported zones differ", at) != std::string::npos);
  // Shrunk to a handful of operations ending in the filtered report.
  const size_t repro = out.find("minimal reproducer (");
  REQUIRE(repro != std::string::npos);
  const int n = std::stoi(out.substr(repro + std::string("minimal reproducer (").size()));
  CHECK(n <= 10);
  const size_t script = out.find("repro.script:\n", repro);
  REQUIRE(script != std::string::npos);
  const size_t last = out.rfind("\n  zrp -o ");
  CHECK(last > script);
  // The correct build agrees with the model on the same campaign.
  ZonesimRun ok = RunZonesim({"fuzz", "--ops", "20000"});
  CHECK(ok.status == 0);
  CHECK(ok.out.find("verdict: CONFORMING") != std::string::npos);
}

}  // namespace zonesim
