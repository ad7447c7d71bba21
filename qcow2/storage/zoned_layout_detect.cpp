#include "qcow2/storage/zoned_layout_detect.h"

#include <algorithm>

#include "qcow2/storage/zoned_extension.h"

namespace zonesim::qcow2 {

namespace {

std::string N(uint64_t v) { return std::to_string(v); }
constexpr uint64_t kChunk = 1ull << 20;  // table bytes read at a time

}  // namespace

std::string LayoutMisfit(const ZonedExtension& z, uint64_t virtual_size, uint64_t file_size, const FileReader& read) {
  if (z.zone_size == 0) return "zone_size is 0";
  const uint64_t expected = virtual_size / z.zone_size + (virtual_size % z.zone_size != 0);
  if (z.nr_zones != expected) {
    return "nr_zones " + N(z.nr_zones) + " is not ceil(virtual size " + N(virtual_size) + " / zone_size " +
           N(z.zone_size) + ") = " + N(expected);
  }
  if (z.zonedmeta_size != uint64_t{z.nr_zones} * 8) {
    return "zonedmeta_size " + N(z.zonedmeta_size) + " is not 8 * nr_zones " + N(z.nr_zones);
  }
  if (z.zonedmeta_offset == 0 || z.zonedmeta_offset > file_size || z.zonedmeta_size > file_size - z.zonedmeta_offset) {
    return "the table [" + N(z.zonedmeta_offset) + ", +" + N(z.zonedmeta_size) + ") is not inside the file (size " +
           N(file_size) + ")";
  }
  const uint64_t flag = ConventionalFlag(z.layout);
  std::vector<uint8_t> raw;
  for (uint64_t done = 0; done < z.zonedmeta_size;) {
    const uint64_t n = std::min(kChunk, z.zonedmeta_size - done);
    raw.resize(n);
    Status s = read(z.zonedmeta_offset + done, n, raw.data());
    if (!s.ok()) return "the table cannot be read: " + s.ToString();
    for (uint64_t i = 0; i < n / 8; ++i) {
      const uint64_t zone = done / 8 + i;
      const uint64_t e = LoadWritePointerEntry(raw.data() + i * 8, z.layout);
      const uint64_t start = zone * z.zone_size;
      const uint64_t len = std::min(z.zone_size, virtual_size - start);
      const uint64_t wp = e & ~flag;
      if (((e & flag) != 0) != (zone < z.conventional_zones)) {
        return "entry " + N(zone) + " " + ((e & flag) ? "carries" : "lacks") + " the conventional flag (bit " +
               (flag == kConventionalZoneFlag ? "59" : "63") + "), conventional_zones " + N(z.conventional_zones);
      }
      if (wp < start || wp - start > len) {
        return "entry " + N(zone) + " (" + N(wp) + ") lies outside its zone [" + N(start) + ", " + N(start + len) +
               "]";
      }
    }
    done += n;
  }
  return "";
}

LayoutDecision DecideZonedLayout(const uint8_t* data, size_t n, uint64_t virtual_size, uint64_t file_size,
                                 const FileReader& read) {
  std::vector<ZonedLayout> candidates;
  if (n == kZonedExtV5Length) {
    candidates = {ZonedLayout::kV5, ZonedLayout::kV11};
  } else {
    ZonedExtension z;
    if (DecodeZonedExtension(data, n, &z).ok()) candidates = {z.layout};
  }
  LayoutDecision d;
  for (ZonedLayout l : candidates) {
    ZonedExtension z;
    if (!DecodeZonedExtensionAs(data, n, l, &z).ok()) continue;
    const std::string why = LayoutMisfit(z, virtual_size, file_size, read);
    if (why.empty()) {
      d.fitting.push_back(l);
    } else {
      d.why_not += std::string(d.why_not.empty() ? "" : "; ") + "read as " + ZonedLayoutName(l) + ": " + why;
    }
  }
  return d;
}

Status ResolveZonedExtension(const uint8_t* data, size_t n, uint64_t virtual_size, uint64_t file_size,
                             const FileReader& read, std::optional<ZonedLayout> preferred, ZonedExtension* out) {
  if (n != kZonedExtV5Length || data[0] != 1) return DecodeZonedExtension(data, n, out);  // one reading only
  const LayoutDecision d = DecideZonedLayout(data, n, virtual_size, file_size, read);
  if (d.fitting.size() == 1) return DecodeZonedExtensionAs(data, n, d.fitting[0], out);
  if (d.fitting.empty()) {
    return Status::Corruption("zoned extension: 48 bytes long, so v5/v6 or about-v11, but the image fits neither (" +
                              d.why_not + ")");
  }
  if (preferred && std::count(d.fitting.begin(), d.fitting.end(), *preferred)) {
    return DecodeZonedExtensionAs(data, n, *preferred, out);
  }
  return Status::Corruption(
      "zoned extension: 48 bytes long and the image is consistent both as v5/v6 and as about-v11; refusing to "
      "guess which revision wrote it (name the expected revision, e.g. `zonesim check --expect-layout v11`)");
}

}  // namespace zonesim::qcow2
