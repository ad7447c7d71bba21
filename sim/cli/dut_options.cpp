#include "sim/cli/dut_options.h"

#include "common/subprocess.h"
#include "zoned/script.h"

namespace po = boost::program_options;

namespace zonesim {

void AddDutOptions(po::options_description* desc, DutCliOptions* o) {
  desc->add_options()(
      "qemu-io", po::value<std::string>(&o->qemu_io),
      "check an external implementation: its qemu-io command line (split like a shell "
      "would, no shell run), to which the image path is appended, e.g. "
      "\"/opt/qemu/build/qemu-io\" or \"zonesim io --profile zns\"")(
      "qemu-img", po::value<std::string>(&o->qemu_img),
      "with --qemu-io: create each image with the implementation's own qemu-img "
      "(its header is read back and compared with what was asked)")(
      "errno", po::value<std::string>(&o->errno_vocabulary)->default_value("exact"),
      "with --qemu-io: how errnos are compared: exact (Linux's), qemu (QEMU's driver "
      "also answers EINVAL for writes off the write pointer), ignore (success/failure only)")(
      "timeout", po::value<int>(&o->timeout_ms)->default_value(20000),
      "with --qemu-io: milliseconds to wait for each answer before the implementation "
      "counts as hung");
}

Status ResolveDutOptions(const DutCliOptions& o, DeviceUnderTest* dut, ErrnoComparison* vocabulary) {
  auto v = errno_comparison_from_string(o.errno_vocabulary);
  if (!v) return Status::InvalidArgument("--errno '" + o.errno_vocabulary + "' is not one of exact|qemu|ignore");
  *vocabulary = *v;
  if (o.qemu_io.empty()) {
    if (!o.qemu_img.empty()) return Status::InvalidArgument("--qemu-img needs --qemu-io");
    return Status::Ok();
  }
  if (o.timeout_ms <= 0) return Status::InvalidArgument("--timeout must be a positive number of milliseconds");
  Status s = SplitCommandLine(o.qemu_io, &dut->qemu_io.command);
  if (!s.ok()) return Status::InvalidArgument("--qemu-io: " + s.message());
  dut->qemu_io.timeout_ms = o.timeout_ms;
  if (!o.qemu_img.empty()) {
    s = SplitCommandLine(o.qemu_img, &dut->qemu_img);
    if (!s.ok()) return Status::InvalidArgument("--qemu-img: " + s.message());
  }
  return Status::Ok();
}

Status CheckScriptForQemuIo(const std::vector<Operation>& ops) {
  for (size_t i = 0; i < ops.size(); ++i) {
    Status s = CheckQemuIoExpressible(ops[i]);
    if (!s.ok())
      return Status::InvalidArgument("operation " + std::to_string(i + 1) + " (" + FormatScriptLine(ops[i]) +
                                     "): " + s.message());
  }
  return Status::Ok();
}

}  // namespace zonesim
