// Writes the seed images of fuzz/corpus/fuzz_qcow2_open and fuzz_check:
//   fuzz_seed_gen OUTDIR
// Small on purpose (512-byte clusters, 1 MiB virtual size): libFuzzer mutates
// every byte, so every byte should matter. See fuzz/README.md "Seeds".
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/mem_env.h"
#include "zoned/device_config.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_image.h"
#include "qcow2/zoned/zoned_image.h"

using namespace zonesim;

namespace {

bool Save(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return out.good();
}

Qcow2CreateOptions Options(bool zoned, ZonedLayout layout) {
  Qcow2CreateOptions o;
  o.virtual_size = 1 << 20;
  o.cluster_size = 512;
  if (zoned) {
    ZonedExtension z;
    z.zone_size = 128 << 10;
    z.zone_capacity = 96 << 10;
    z.conventional_zones = 1;
    z.max_open_zones = 2;
    z.max_active_zones = 3;
    z.max_append_bytes = 8192;
    z.layout = layout;
    o.zoned = z;
  }
  return o;
}

bool Zoned(MemEnv* env, const std::string& name, ZonedLayout layout) {
  if (!Qcow2Image::Create(env, name, Options(true, layout), false).ok()) return false;
  std::unique_ptr<ZonedImage> zi;
  if (!ZonedImage::Open(env, name, profile_params(Profile::kLinux), &zi).ok()) return false;
  std::vector<uint8_t> d(4096, 0x11);
  bool ok = zi->Write(0, d.size(), d.data()) == ZoneStatus::kOk;              // conventional zone 0
  ok = ok && zi->Write(128 << 10, d.size(), d.data()) == ZoneStatus::kOk;      // zone 1: CLOSED after close
  ok = ok && zi->Manage(ZoneAction::kFinish, 256 << 10) == ZoneStatus::kOk;    // zone 2: FULL
  return ok && zi->Close().ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seed_gen OUTDIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  MemEnv env;
  if (!Qcow2Image::Create(&env, "plain", Options(false, ZonedLayout::kLatest), false).ok()) return 1;
  {
    std::unique_ptr<Qcow2Image> img;
    if (!Qcow2Image::Open(&env, "plain", false, &img).ok()) return 1;
    std::vector<uint8_t> d(1536, 0x22);
    if (!img->Write(4096, d.size(), d.data()).ok()) return 1;
  }
  if (!Zoned(&env, "zoned", ZonedLayout::kLatest) || !Zoned(&env, "zoned_v5", ZonedLayout::kV5)) return 1;
  // The same zoned image after a stock tool freed the write-pointer table
  // (its refcount set to 0) - what `qemu-img check -r leaks` does.
  std::vector<uint8_t> freed = env.Contents("zoned");
  {
    std::unique_ptr<Qcow2Image> img;
    if (!Qcow2Image::Open(&env, "zoned", true, &img).ok()) return 1;
    const uint64_t meta = img->zoned()->zonedmeta_offset;
    const uint64_t rt = qcow2::LoadBE64(freed.data() + 48);
    const uint64_t block = qcow2::LoadBE64(freed.data() + rt);
    qcow2::StoreBE16(freed.data() + block + (meta / 512) * 2, 0);
  }
  bool ok = Save(dir + "/plain.qcow2", env.Contents("plain"));
  ok = ok && Save(dir + "/zoned.qcow2", env.Contents("zoned"));
  ok = ok && Save(dir + "/zoned_v5.qcow2", env.Contents("zoned_v5"));
  ok = ok && Save(dir + "/zoned_wp_freed.qcow2", freed);
  return ok ? 0 : 1;
}
