#include "qcow2/zoned/layout_convert.h"

#include <algorithm>

#include "qcow2/storage/qcow2_validate.h"
#include "qcow2/storage/zoned_extension.h"

namespace zonesim {

namespace {

constexpr uint64_t kChunk = 1 << 20;

std::string N(uint64_t v) { return std::to_string(v); }

// The target extension: the source's geometry in layout `to`, validated as
// zonesim create validates options.
Status TargetExtension(const ZonedExtension& from, uint64_t virtual_size, ZonedLayout to, ZonedExtension* out,
                       std::vector<std::string>* notes) {
  ZonedExtension t = from;
  t.layout = to;
  t.zonedmeta_offset = 0;
  const uint32_t seq = t.nr_zones - t.conventional_zones;
  for (auto [limit, name] : {std::pair{&t.max_open_zones, "max_open_zones"},
                             std::pair{&t.max_active_zones, "max_active_zones"}}) {
    if (*limit > seq) {
      notes->push_back(std::string(name) + " " + N(*limit) + " exceeds the " + N(seq) +
                       " sequential zones; stored clamped (no limit)");
      *limit = seq;  // PrepareZonedOptions stores a limit equal to the count as 0
    }
  }
  if (to == ZonedLayout::kV12 && t.max_append_bytes != qcow2::V12MaxAppendBytes(t.zone_capacity)) {
    notes->push_back("max_append_bytes " + N(t.max_append_bytes) + " is not stored by the v12 layout; its readers use " +
                     N(qcow2::V12MaxAppendBytes(t.zone_capacity)));
    t.max_append_bytes = qcow2::V12MaxAppendBytes(t.zone_capacity);
  }
  Status s = qcow2::PrepareZonedOptions(virtual_size, &t);
  if (!s.ok()) return Status::InvalidArgument("cannot convert to the " + std::string(qcow2::ZonedLayoutName(to)) +
                                              " layout: " + s.message());
  *out = t;
  return Status::Ok();
}

// Copies the non-zero stretches of [a, b) from src to dst.
Status CopyRange(Qcow2Image* src, Qcow2Image* dst, uint64_t a, uint64_t b, std::vector<uint8_t>* buf,
                 uint64_t* copied) {
  for (uint64_t at = a; at < b;) {
    const uint64_t n = std::min(kChunk, b - at);
    buf->resize(n);
    Status s = src->Read(at, n, buf->data());
    if (!s.ok()) return s;
    if (std::any_of(buf->begin(), buf->end(), [](uint8_t v) { return v != 0; })) {
      s = dst->Write(at, n, buf->data());
      if (!s.ok()) return s;
      *copied += n;
    }
    at += n;
  }
  return Status::Ok();
}

Status Convert(Env* env, Qcow2Image* src, const std::string& dst_path, const ZonedExtension& target, bool overwrite,
               LayoutConvertSummary* sum) {
  const ZonedExtension& z = *src->zoned();
  const uint64_t vs = src->virtual_size();
  std::vector<uint64_t> entries;
  Status s = src->ReadWritePointers(&entries);
  if (!s.ok()) return s;
  Qcow2CreateOptions create;
  create.virtual_size = vs;
  create.cluster_size = src->cluster_size();
  create.zoned = target;
  s = Qcow2Image::Create(env, dst_path, create, overwrite);
  if (!s.ok()) return s;
  std::unique_ptr<Qcow2Image> dst;
  s = Qcow2Image::Open(env, dst_path, /*read_only=*/false, &dst);
  if (!s.ok()) return s;
  std::vector<uint8_t> buf;
  for (uint32_t zone = 0; zone < z.nr_zones; ++zone) {
    const uint64_t start = uint64_t{zone} * z.zone_size;
    const uint64_t len = std::min(z.zone_size, vs - start);
    uint64_t end = start + len;  // conventional: the whole zone
    if (zone >= z.conventional_zones) {
      end = std::min({entries[zone], start + std::min(z.zone_capacity, len)});
      if (entries[zone] != start) {
        s = dst->WriteWritePointer(zone, entries[zone]);
        if (!s.ok()) return s;
      }
    }
    const uint64_t before = sum->bytes_copied;
    s = CopyRange(src, dst.get(), start, end, &buf, &sum->bytes_copied);
    if (!s.ok()) return s;
    sum->zones_with_data += sum->bytes_copied != before;
  }
  return dst->Flush();
}

}  // namespace

Status ConvertLayout(Env* env, const std::string& src, const std::string& dst, ZonedLayout to, bool overwrite,
                     LayoutConvertSummary* summary) {
  if (src == dst) return Status::InvalidArgument("the source and the output are the same file: " + src);
  std::unique_ptr<Qcow2Image> in;
  Status s = Qcow2Image::Open(env, src, /*read_only=*/true, &in);
  if (!s.ok()) return s;
  if (!in->zoned().has_value())
    return Status::InvalidArgument(src + ": not a zoned image (use zonesim create --from to add the extension)");
  LayoutConvertSummary sum;
  sum.from = in->zoned()->layout;
  sum.to = to;
  sum.zones = in->zoned()->nr_zones;
  ZonedExtension target;
  s = TargetExtension(*in->zoned(), in->virtual_size(), to, &target, &sum.notes);
  if (!s.ok()) return s;
  if (!overwrite && env->FileExists(dst))
    return Status::InvalidArgument(dst + " already exists (use --force to overwrite it)");
  s = Convert(env, in.get(), dst, target, overwrite, &sum);
  if (!s.ok()) {
    (void)env->RemoveFile(dst);
    return s;  // the caller names both files
  }
  if (summary != nullptr) *summary = sum;
  return Status::Ok();
}

}  // namespace zonesim
