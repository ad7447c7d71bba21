#include "sim/gate/gate.h"

#include "common/env.h"
#include "common/subprocess.h"
#include "common/temp_dir.h"
#include "sim/devices/qemu_io_device.h"
#include "sim/devices/qemu_io_protocol.h"
#include "sim/gate/image_findings.h"
#include "sim/lockstep/fuzz_campaign.h"
#include "zoned/script.h"

namespace zonesim {

namespace {

constexpr int kToolTimeoutMs = 60000;

void Add(GateCase* c, std::string id, std::string summary, std::string detail = "") {
  c->findings.push_back({std::move(id), std::move(summary), std::move(detail)});
}

// The finding class of a divergence, from the checker's description.
std::string DivergenceId(const std::string& what) {
  if (what.rfind("the device failed to close", 0) == 0) return "process.quit";
  if (what.rfind("the device failed", 0) == 0) return "process.failed";
  if (IsErrnoDifference(what)) return "lockstep.errno";
  if (what.rfind("status differs", 0) == 0) return "lockstep.status";
  if (what.rfind("append LBA", 0) == 0) return "lockstep.append_lba";
  if (what.rfind("read data", 0) == 0) return "lockstep.data";
  if (what.rfind("reported zones", 0) == 0) return "lockstep.report";
  if (what.rfind("open/active counts", 0) == 0) return "lockstep.counts";
  return "lockstep.state";
}

DeviceUnderTest ForProfile(DeviceUnderTest dut, Profile p) {
  for (std::string& w : dut.qemu_io.command)
    for (size_t at; (at = w.find("{profile}")) != std::string::npos;) w.replace(at, 9, to_string(p));
  return dut;
}

// Whether the implementation opens a zoned image and knows the zone commands.
Status Probe(const GateOptions& o, const std::string& dir) {
  CampaignOptions c;
  c.config = DefaultFuzzDevice(Profile::kLinux);
  std::unique_ptr<Device> device;
  Status s = CreateDeviceUnderTest(ForProfile(o.dut, Profile::kLinux), c.config, dir + "/probe.qcow2", c.cluster_size, ZonedLayout::kLatest,
                                   /*overwrite=*/true, &device);
  const std::string hint = "zone commands not supported: this qemu-io has no zoned qcow2 driver";
  if (!s.ok()) {
    if (s.message().rfind("create: qemu-img refused", 0) == 0)
      return Status::NotSupported("zone options not supported: this qemu-img has no zoned qcow2 driver (" +
                                  s.message() + ")");
    if (s.message().rfind("create: ", 0) == 0) return Status::Ok();  // a create finding, reported later
    if (s.message().find("exited before its first prompt") != std::string::npos)
      return Status::NotSupported(hint + " (it refused a zoned image: " + s.message() + ")");
    return s;
  }
  std::vector<ZoneReportEntry> zones;
  bool partial = false;
  ZoneStatus st = device->Report(0, 1, ReportFilter::kAll, &zones, &partial);
  Status host = device->host_error();
  device->Close();
  if (st == ZoneStatus::kOk && zones.size() == 1) return Status::Ok();
  return Status::NotSupported(hint + " (zrp 0 1 gave " +
                              (host.ok() ? std::string(status_id(st)) : host.message()) + ")");
}

void RunCampaignCase(const GateOptions& o, Profile profile, const GateGeometry& g, uint64_t seed,
                     const std::string& dir, GateCase* out) {
  CampaignOptions c;
  c.config = DefaultFuzzDevice(profile);
  c.dut = ForProfile(o.dut, profile);
  c.errno_vocabulary = o.errno_vocabulary;
  c.ops = o.ops;
  c.workload.seed = seed;
  c.triple_summary = false;  // the gate reports findings, not coverage
  c.image_path = dir + "/case.qcow2";
  c.image_check = ImageFindings;
  Env::Default()->RemoveFile(c.image_path);
  std::vector<std::string> changes;
  if (!o.declared.empty()) changes.push_back(o.declared);
  if (!g.changes.empty()) changes.push_back(g.changes);
  if (!changes.empty()) {
    Status s = ApplyDeviceOptions(changes, &c.config);
    if (s.ok()) s = c.config.Validate();
    if (!s.ok()) {
      out->skipped = true;
      out->skip_reason = "not a " + std::string(to_string(profile)) + " geometry: " + s.message();
      return;
    }
  }
  CampaignResult r;
  Status s = RunCampaign(c, &r);
  Env::Default()->RemoveFile(c.image_path);
  if (!s.ok()) {
    const bool create = s.message().rfind("create: ", 0) == 0;
    Add(out, create ? "create.header" : "process.start", s.message());
    return;
  }
  out->ops = r.ops_run;
  if (r.divergence) {
    std::string detail = r.divergence_text + "zonesim reproducer (zonesim fuzz --config '" +
                         FormatDeviceConfig(c.config) + "' --qemu-io ... --replay repro.script):\n" +
                         FormatScript(r.reproducer) + "the implementation alone:\n" +
                         FormatQemuIoReproducer(c.dut, c.config, c.cluster_size, r.reproducer);
    Add(out, DivergenceId(r.divergence->what),
        r.divergence->what + " at operation " + std::to_string(r.divergence->index) + " (" +
            FormatScriptLine(r.divergence->op) + "); reproducer: " + std::to_string(r.reproducer.size()) +
            " operations",
        detail);
  }
  if (!r.close_error.empty()) Add(out, "process.quit", r.close_error);
  for (size_t at = 0; at < r.image_findings.size();) {
    size_t nl = r.image_findings.find('\n', at);
    std::string line = r.image_findings.substr(at, nl - at);
    at = nl == std::string::npos ? r.image_findings.size() : nl + 1;
    Add(out, "image." + line.substr(0, line.find(':')), line);
  }
}

// qemu-img must refuse a capacity larger than the zone and leave no file.
void RunCreateRefusalCase(const GateOptions& o, const std::string& dir, GateCase* out) {
  DeviceConfig bad = DefaultFuzzDevice(Profile::kLinux);
  bad.zone_capacity = bad.zone_size * 2;
  const std::string path = dir + "/invalid.qcow2";
  std::string so, se;
  Subprocess::ExitStatus e;
  Status s = Subprocess::Run(QemuImgCreateArgs(o.dut.qemu_img, bad, 65536, path), kToolTimeoutMs, &so, &se, &e);
  if (!s.ok()) return Add(out, "create.run", s.message());
  if (e.ok()) Add(out, "create.invalid_accepted", "qemu-img accepted zone.capacity > zone.size");
  if (Env::Default()->FileExists(path)) {
    Add(out, "create.file_left", "a refused create left " + path + " behind");
    Env::Default()->RemoveFile(path);
  }
}

// The implementation's own qemu-img on an image it wrote: check must pass,
// and check -r leaks must keep the write-pointer table.
void RunStockToolsCase(const GateOptions& o, const std::string& dir, GateCase* out) {
  CampaignOptions c;
  c.config = DefaultFuzzDevice(Profile::kLinux);
  c.dut = ForProfile(o.dut, Profile::kLinux);
  c.errno_vocabulary = o.errno_vocabulary;
  c.ops = std::min<uint64_t>(o.ops, 500);
  c.image_path = dir + "/stock.qcow2";
  c.shrink = false;
  c.triple_summary = false;
  Env::Default()->RemoveFile(c.image_path);
  CampaignResult r;
  if (Status s = RunCampaign(c, &r); !s.ok()) return Add(out, "stock.setup", s.message());
  out->ops = r.ops_run;
  std::string so, se;
  Subprocess::ExitStatus e;
  std::vector<std::string> argv = o.dut.qemu_img;
  argv.insert(argv.end(), {"check", "-f", "qcow2", c.image_path});
  Status s = Subprocess::Run(argv, kToolTimeoutMs, &so, &se, &e);
  if (!s.ok()) return Add(out, "stock.run", s.message());
  if (!e.ok()) Add(out, "stock.check", "qemu-img check exits " + e.Describe() + " on an image it wrote: " + so + se);
  argv = o.dut.qemu_img;
  argv.insert(argv.end(), {"check", "-r", "leaks", "-f", "qcow2", c.image_path});
  s = Subprocess::Run(argv, kToolTimeoutMs, &so, &se, &e);
  if (!s.ok()) return Add(out, "stock.run", s.message());
  std::string after = ImageFindings(c.image_path);
  if (after.find("zoned.wp_table_freed") != std::string::npos)
    Add(out, "stock.repair_frees_wp_table", "qemu-img check -r leaks freed the write-pointer table");
  Env::Default()->RemoveFile(c.image_path);
}

}  // namespace

const std::vector<GateGeometry>& GateGeometries() {
  static const std::vector<GateGeometry> g = {
      {"default", "capacity < zone size, a smaller last zone, conventional zones (not ZNS), open 3 / active 5", ""},
      {"capacity-not-pow2", "a zone capacity that is not a power of two", "zone_capacity=200K"},
      {"conventional-4", "more conventional zones", "conventional_zones=4"},
      {"zones-4g", "zones of 4 GiB, a smaller last zone", "size=18G,zone_size=4G,zone_capacity=3G,conventional_zones=0,max_open_zones=2,max_active_zones=3,max_append_bytes=64K"},
      {"tiny-limits", "one open and one active zone", "max_open_zones=1,max_active_zones=1"},
      {"open-below-active", "max_open < max_active", "max_open_zones=2,max_active_zones=6"},
      {"open-only", "max_open without max_active", "max_open_zones=3,max_active_zones=0"},
      {"no-limits", "no open or active limit", "max_open_zones=0,max_active_zones=0"},
      {"append-4k", "a small append limit", "max_append_bytes=4K"},
  };
  return g;
}

const std::vector<std::pair<std::string, std::string>>& GateFindingIds() {
  static const std::vector<std::pair<std::string, std::string>> ids = {
      {"lockstep.status", "an operation succeeded where the model fails it, or the reverse"},
      {"lockstep.errno", "both failed, with an errno the declared vocabulary (--errno) does not allow"},
      {"lockstep.append_lba", "a zone append landed elsewhere than the model says"},
      {"lockstep.data", "a read returned other bytes than were written (or than the fill)"},
      {"lockstep.report", "a zone report differs (condition, write pointer, capacity, type)"},
      {"lockstep.counts", "the open/active zones differ"},
      {"lockstep.state", "zone state differs after an operation"},
      {"process.failed", "the process died, hung past --timeout, or printed something unparseable"},
      {"process.quit", "the process did not quit cleanly at a power cycle or at the end"},
      {"process.start", "the process could not be started on an image"},
      {"image.<check id>", "zonesim check found corruption or a leak in an image the implementation wrote"},
      {"create.header", "the header its qemu-img created differs from what was asked"},
      {"create.invalid_accepted", "its qemu-img accepted an invalid geometry"},
      {"create.file_left", "a refused create left a file behind"},
      {"stock.check", "its qemu-img check rejects an image it wrote"},
      {"stock.repair_frees_wp_table", "its qemu-img check -r leaks freed the write-pointer table"},
  };
  return ids;
}

size_t GateResult::findings() const {
  size_t n = 0;
  for (const GateCase& c : cases) n += c.findings.size();
  return n;
}

Status RunGate(const GateOptions& o, GateResult* result) {
  if (!o.dut.external()) return Status::InvalidArgument("the gate needs --qemu-io");
  TempDir temp;
  if (!temp.ok()) return Status::IoError("cannot create a temporary directory");
  Status s = Probe(o, temp.path());
  if (!s.ok()) return s;
  for (Profile p : o.profiles) {
    for (const GateGeometry& g : GateGeometries()) {
      for (uint64_t seed : o.seeds) {
        GateCase c;
        c.name = std::string(to_string(p)) + "/" + g.name + "/seed" + std::to_string(seed);
        if (o.progress) o.progress(c.name);
        RunCampaignCase(o, p, g, seed, temp.path(), &c);
        result->cases.push_back(std::move(c));
      }
    }
  }
  if (!o.dut.qemu_img.empty()) {
    GateCase create{"create/refuses-invalid", false, "", 0, {}};
    if (o.progress) o.progress(create.name);
    RunCreateRefusalCase(o, temp.path(), &create);
    result->cases.push_back(std::move(create));
    GateCase stock{"stock/qemu-img-check", false, "", 0, {}};
    if (o.progress) o.progress(stock.name);
    RunStockToolsCase(o, temp.path(), &stock);
    result->cases.push_back(std::move(stock));
  }
  return Status::Ok();
}

}  // namespace zonesim
