#include "sim/devices/device_under_test.h"

#include "common/env.h"
#include "zoned/script.h"
#include "qcow2/zoned/zone_config.h"
#include "sim/devices/image_setup.h"
#include "sim/devices/lockstep_setup.h"

namespace zonesim {

namespace {

// qemu-img runs in well under a second; this only bounds a hung one.
constexpr int kQemuImgTimeoutMs = 60000;

// Every field the implementation's qemu-img stored differently from what was
// asked ("" when they agree).
std::string DescribeCreated(const DeviceConfig& want, const DeviceConfig& got) {
  std::string out;
  auto field = [&](const char* name, uint64_t a, uint64_t b) {
    if (a != b)
      out += std::string(out.empty() ? "" : ", ") + name + " asked " + std::to_string(a) + ", image has " +
             std::to_string(b);
  };
  field("size", want.size, got.size);
  field("zone.size", want.zone_size, got.zone_size);
  field("zone.capacity", want.zone_capacity, got.zone_capacity);
  field("zone.conventional_zones", want.conventional_zones, got.conventional_zones);
  field("zone.max_open_zones", want.max_open_zones, got.max_open_zones);
  field("zone.max_active_zones", want.max_active_zones, got.max_active_zones);
  field("zone.max_append_bytes", want.max_append_bytes, got.max_append_bytes);
  return out;
}

Status CreateWithQemuImg(const DeviceUnderTest& dut, const DeviceConfig& config, const std::string& path,
                         uint32_t cluster_size, bool overwrite) {
  Env* env = Env::Default();
  if (env->FileExists(path)) {
    if (!overwrite) return Status::InvalidArgument(path + " exists: refusing to overwrite it");
    Status s = env->RemoveFile(path);
    if (!s.ok()) return s;
  }
  std::string out, err;
  Subprocess::ExitStatus e;
  Status s = Subprocess::Run(QemuImgCreateArgs(dut.qemu_img, config, cluster_size, path), kQemuImgTimeoutMs,
                             &out, &err, &e);
  if (!s.ok()) return Status::IoError("--qemu-img: " + s.message());
  if (!e.ok()) {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return Status::InvalidArgument("create: qemu-img refused the geometry (" + e.Describe() + "): " + err);
  }
  std::unique_ptr<Qcow2Image> image;
  s = Qcow2Image::Open(env, path, /*read_only=*/true, &image);
  if (!s.ok()) return Status::Corruption("create: the image qemu-img created does not open: " + s.ToString());
  if (!image->zoned()) return Status::Corruption("create: qemu-img created no zoned extension (option dropped?)");
  DeviceConfig got = ConfigFromExtension(*image->zoned(), image->virtual_size(), config.params);
  // The format stores a limit equal to the sequential zone count as 0.
  DeviceConfig want = ConfigFromExtension(ExtensionFromConfig(config, ZonedLayout::kLatest), config.size,
                                          config.params);
  std::string diff = DescribeCreated(want, got);
  if (!diff.empty()) return Status::Corruption("create: the created header differs: " + diff);
  return Status::Ok();
}

}  // namespace

std::vector<std::string> QemuImgCreateArgs(const std::vector<std::string>& qemu_img, const DeviceConfig& c,
                                           uint32_t cluster_size, const std::string& path) {
  std::vector<std::string> argv = qemu_img;
  auto opt = [&](const std::string& kv) {
    argv.push_back("-o");
    argv.push_back(kv);
  };
  argv.insert(argv.end(), {"create", "-f", "qcow2"});
  opt("cluster_size=" + std::to_string(cluster_size));
  opt("zone.mode=host-managed");
  opt("zone.size=" + std::to_string(c.zone_size));
  opt("zone.capacity=" + std::to_string(c.zone_capacity));
  opt("zone.conventional_zones=" + std::to_string(c.conventional_zones));
  opt("zone.max_append_bytes=" + std::to_string(c.max_append_bytes));
  opt("zone.max_open_zones=" + std::to_string(c.max_open_zones));
  opt("zone.max_active_zones=" + std::to_string(c.max_active_zones));
  argv.push_back(path);
  argv.push_back(std::to_string(c.size));
  return argv;
}

Status CreateDeviceUnderTest(const DeviceUnderTest& dut, const DeviceConfig& config, const std::string& path,
                             uint32_t cluster_size, ZonedLayout layout, bool overwrite,
                             std::unique_ptr<Device>* out) {
  if (!dut.external()) return CreateLockstepDevice(config, path, cluster_size, layout, overwrite, out);
  Status s = dut.qemu_img.empty()
                 ? CreateZonedImage(Env::Default(), path, config, cluster_size, layout, overwrite)
                 : CreateWithQemuImg(dut, config, path, cluster_size, overwrite);
  if (!s.ok()) return s;
  std::unique_ptr<QemuIoDevice> d;
  s = QemuIoDevice::Open(dut.qemu_io, path, config, &d);
  if (!s.ok()) return s;
  *out = std::move(d);
  return Status::Ok();
}

std::string ShellJoin(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ' ';
    bool plain = !w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                   "0123456789-_./=,:+@%") == std::string::npos;
    if (plain) {
      out += w;
      continue;
    }
    out += '\'';
    for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

std::string QemuIoLine(const Operation& op) {
  std::string line = FormatScriptLine(op);
  if (op.kind == OpKind::kAppend && line.rfind("zap -p ", 0) != 0) line = "zap -p " + line.substr(4);
  return line;
}

std::string FormatQemuIoReproducer(const DeviceUnderTest& dut, const DeviceConfig& config, uint32_t cluster_size,
                                   const std::vector<Operation>& ops, const std::string& image) {
  std::string out;
  if (!dut.qemu_img.empty()) {
    out += ShellJoin(QemuImgCreateArgs(dut.qemu_img, config, cluster_size, image)) + "\n";
  } else {
    out += "zonesim create " + image + " -o size=" + std::to_string(config.size) +
           ",zone.mode=host-managed,zone.size=" + std::to_string(config.zone_size) +
           ",zone.capacity=" + std::to_string(config.zone_capacity) +
           ",zone.conventional_zones=" + std::to_string(config.conventional_zones) +
           ",zone.max_open_zones=" + std::to_string(config.max_open_zones) +
           ",zone.max_active_zones=" + std::to_string(config.max_active_zones) +
           ",zone.max_append_bytes=" + std::to_string(config.max_append_bytes) +
           ",cluster_size=" + std::to_string(cluster_size) + "\n";
  }
  std::vector<std::string> argv = dut.qemu_io.command;
  auto flush_process = [&] {
    argv.push_back(image);
    out += ShellJoin(argv) + "\n";
    argv = dut.qemu_io.command;
  };
  for (const Operation& op : ops) {
    if (op.kind == OpKind::kPowerCycle || op.kind == OpKind::kPowerLoss) {
      flush_process();
      // The line above quits cleanly; the device under test was killed instead.
      if (op.kind == OpKind::kPowerLoss) out += "# power loss: kill -9 (no quit: nothing unwritten is persisted)\n";
      continue;
    }
    argv.push_back("-c");
    argv.push_back(QemuIoLine(op));
  }
  // The last process ends with the zone report the model's expectation is
  // stated against (the zonesim reproducer says what the model expected).
  argv.push_back("-c");
  argv.push_back("zrp 0 " + std::to_string(config.nr_zones()));
  flush_process();
  return out;
}

}  // namespace zonesim
