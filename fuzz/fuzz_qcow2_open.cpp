// libFuzzer: the qcow2 opener and the zone layer on arbitrary bytes. The
// input is an image file in a MemEnv; it is opened read-only (reads, the
// write-pointer table), read-write (a write, a discard, a flush) and as a
// zoned device (recovery, a report, a write at a write pointer, a reset,
// close). Anything may be refused; nothing may crash, hang or allocate
// without bound.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/mem_env.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/zoned/zoned_image.h"

using namespace zonesim;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemEnv env;
  const std::vector<uint8_t> bytes(data, data + size);
  std::vector<uint8_t> buf(64 * 1024);
  env.SetContents("ro", bytes);
  {
    std::unique_ptr<Qcow2Image> img;
    if (Qcow2Image::Open(&env, "ro", /*read_only=*/true, &img).ok()) {
      img->Read(0, std::min<uint64_t>(buf.size(), img->virtual_size()), buf.data()).ok();
      std::vector<uint64_t> wps;
      img->ReadWritePointers(&wps).ok();
    }
  }
  if (env.Contents("ro") != bytes) __builtin_trap();  // a read-only open never writes
  env.SetContents("rw", bytes);
  {
    std::unique_ptr<Qcow2Image> img;
    if (Qcow2Image::Open(&env, "rw", /*read_only=*/false, &img).ok()) {
      const uint64_t vs = img->virtual_size();
      if (vs >= 8192) {
        std::vector<uint8_t> d(4096, 0x5a);
        img->Write(vs / 2 & ~uint64_t{511}, d.size(), d.data()).ok();
        img->Discard(0, 4096).ok();
      }
      img->Flush().ok();
    }
  }
  env.SetContents("zoned", bytes);
  ZoneParams params = profile_params(Profile::kLinux);
  std::unique_ptr<ZonedImage> zi;
  if (ZonedImage::Open(&env, "zoned", params, &zi).ok()) {
    std::vector<ZoneReportEntry> zones;
    bool partial = false;
    zi->Report(0, 64, ReportFilter::kAll, &zones, &partial);
    for (const ZoneReportEntry& z : zones) {
      if (z.type != ZoneType::kSequentialWriteRequired) continue;
      std::vector<uint8_t> d(512, 0xa5);
      zi->Write(z.wp, d.size(), d.data());
      zi->Read(z.start, d.size(), d.data());
      zi->Flush();
      zi->Manage(ZoneAction::kReset, z.start);
      break;
    }
    zi->Close().ok();
  }
  return 0;
}
