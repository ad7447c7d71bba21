// The device a lockstep run checks: zonesim's own qcow2 layer on a fresh image
// (the default), or an external implementation driven through its qemu-io
// front end (--qemu-io), on an image zonesim creates or, with --qemu-img, one
// the implementation's own qemu-img creates.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"
#include "sim/devices/qemu_io_device.h"
#include "zoned/device.h"

namespace zonesim {

struct DeviceUnderTest {
  QemuIoOptions qemu_io;              // command empty: zonesim's own qcow2 layer
  std::vector<std::string> qemu_img;  // empty: zonesim creates the image
  bool external() const { return !qemu_io.command.empty(); }
};

// Creates a fresh image of config at path (replacing a file there only when
// overwrite) and opens the device under test on it. With qemu_img, a created
// header that differs from what was asked is an error whose message starts
// "create: " and names every field that differs.
Status CreateDeviceUnderTest(const DeviceUnderTest& dut, const DeviceConfig& config,
                             const std::string& path, uint32_t cluster_size, ZonedLayout layout,
                             bool overwrite, std::unique_ptr<Device>* out);

// `qemu-img create -f qcow2 -o zone.mode=host-managed,zone.size=...,... PATH SIZE`
// for config, in the latest revision's option spelling.
std::vector<std::string> QemuImgCreateArgs(const std::vector<std::string>& qemu_img,
                                           const DeviceConfig& config, uint32_t cluster_size,
                                           const std::string& path);

// A reproducer the implementation's developers can run without zonesim: the
// command that creates the image (their qemu-img, or `zonesim create` when
// zonesim created it), then one `qemu-io -c '...' ... IMAGE` per power-on
// (a power cycle is the end of one process and the start of the next).
std::string FormatQemuIoReproducer(const DeviceUnderTest& dut, const DeviceConfig& config, uint32_t cluster_size,
                                   const std::vector<Operation>& ops, const std::string& image = "repro.qcow2");

// One command in the form sent to qemu-io (zap always with -p, which QEMU's
// qemu-io requires).
std::string QemuIoLine(const Operation& op);

// Joins words into one shell command line, quoting where needed.
std::string ShellJoin(const std::vector<std::string>& words);

}  // namespace zonesim
