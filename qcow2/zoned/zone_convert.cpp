#include "qcow2/zoned/zone_convert.h"

#include <algorithm>
#include <vector>

#include "qcow2/zoned/zone_config.h"

namespace zonesim {

namespace {

constexpr uint64_t kChunk = 1 << 20;

// Finds the first non-zero byte of the virtual range [a, b); *found = b if none.
Status FirstNonZero(Qcow2Image* image, uint64_t a, uint64_t b, uint64_t* found) {
  std::vector<uint8_t> buf(static_cast<size_t>(std::min(kChunk, b > a ? b - a : 1)));
  for (uint64_t at = a; at < b; at += buf.size()) {
    const uint64_t n = std::min<uint64_t>(buf.size(), b - at);
    Status s = image->Read(at, n, buf.data());
    if (!s.ok()) return s;
    auto it = std::find_if(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n),
                           [](uint8_t v) { return v != 0; });
    if (it != buf.begin() + static_cast<ptrdiff_t>(n)) {
      *found = at + static_cast<uint64_t>(it - buf.begin());
      return Status::Ok();
    }
  }
  *found = b;
  return Status::Ok();
}

// Opens src and decides, per sequential zone, whether it holds data.
Status Scan(Env* env, const std::string& src, const DeviceConfig& config,
            std::vector<bool>* has_data) {
  std::unique_ptr<Qcow2Image> image;
  Status s = Qcow2Image::Open(env, src, /*read_only=*/true, &image);
  if (!s.ok()) return s;
  if (image->zoned().has_value())
    return Status::InvalidArgument(src + ": already has a zoned extension");
  if (image->virtual_size() != config.size)
    return Status::InvalidArgument("size " + std::to_string(config.size) + " differs from " + src +
                                   "'s virtual size " + std::to_string(image->virtual_size()));
  has_data->assign(config.nr_zones(), false);
  for (uint32_t z = config.conventional_zones; z < config.nr_zones(); ++z) {
    const uint64_t start = config.zone_start(z);
    const uint64_t cap_end = start + config.zone_capacity_of(z);
    const uint64_t end = start + config.zone_length(z);
    uint64_t found = 0;
    s = FirstNonZero(image.get(), start, cap_end, &found);
    if (!s.ok()) return s;
    (*has_data)[z] = found < cap_end;
    s = FirstNonZero(image.get(), cap_end, end, &found);
    if (!s.ok()) return s;
    if (found < end)
      return Status::InvalidArgument(src + ": zone " + std::to_string(z) + " holds data at offset " +
                                     std::to_string(found) + ", past its capacity " +
                                     std::to_string(config.zone_capacity_of(z)) +
                                     " (it would become unreadable); use a larger zone.capacity");
  }
  return Status::Ok();
}

Status CopyFile(Env* env, const std::string& src, const std::string& dst, bool overwrite) {
  std::unique_ptr<File> in, out;
  Status s = env->OpenFile(src, OpenMode::kReadOnly, &in);
  if (!s.ok()) return s;
  uint64_t size = 0;
  s = in->Size(&size);
  if (!s.ok()) return s;
  s = env->CreateFile(dst, overwrite, &out);
  if (!s.ok()) return s;
  std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(kChunk, std::max<uint64_t>(size, 1))));
  for (uint64_t at = 0; at < size && s.ok(); at += buf.size()) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - at));
    s = in->Read(at, n, buf.data());
    if (s.ok()) s = out->Write(at, n, buf.data());
  }
  if (s.ok()) s = out->Flush();
  return s;
}

}  // namespace

Status CheckConvertible(Env* env, const std::string& src, const DeviceConfig& config) {
  std::vector<bool> has_data;
  return Scan(env, src, config, &has_data);
}

Status ConvertToZoned(Env* env, const std::string& src, const std::string& dst,
                      const DeviceConfig& config, ZonedLayout layout, bool overwrite,
                      ConvertSummary* summary) {
  if (src == dst) return Status::InvalidArgument("the new image and --from source are the same file: " + src);
  Status s = config.Validate();
  if (s.ok()) s = ValidateForImage(config, layout);
  if (!s.ok()) return s;
  std::vector<bool> has_data;
  s = Scan(env, src, config, &has_data);
  if (!s.ok()) return s;
  if (!overwrite && env->FileExists(dst))
    return Status::InvalidArgument(dst + " already exists (use --force to overwrite it)");

  // From here on dst exists: any error removes it.
  s = CopyFile(env, src, dst, overwrite);
  ConvertSummary result;
  if (s.ok()) {
    std::unique_ptr<Qcow2Image> image;
    s = Qcow2Image::Open(env, dst, /*read_only=*/false, &image);
    if (s.ok()) s = image->AddZonedExtension(ExtensionFromConfig(config, layout));
    for (uint32_t z = config.conventional_zones; s.ok() && z < config.nr_zones(); ++z) {
      if (!has_data[z]) {
        ++result.empty_zones;
        continue;
      }
      ++result.full_zones;
      s = image->WriteWritePointer(z, config.zone_start(z) + config.zone_capacity_of(z));
    }
    if (s.ok()) s = image->Flush();
  }
  if (!s.ok()) {
    (void)env->RemoveFile(dst);
    return s;
  }
  if (summary != nullptr) *summary = result;
  return Status::Ok();
}

}  // namespace zonesim
