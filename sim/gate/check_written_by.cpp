#include "sim/gate/check_written_by.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>

#include "common/env.h"
#include "common/hex.h"
#include "common/temp_dir.h"
#include "qcow2/zoned/zone_config.h"
#include "sim/lockstep/lockstep.h"
#include "sim/devices/model_device.h"
#include "sim/exec/op_outcome.h"
#include "sim/devices/qcow2_device.h"

namespace zonesim {

namespace {

constexpr uint64_t kReadChunk = 1 << 20;

void Add(WrittenByResult* r, std::string line, uint64_t* total) {
  ++*total;
  if (r->differences.size() < kMaxWrittenByDifferences) r->differences.push_back(std::move(line));
}

// The bytes a zone holds: a conventional zone all of it, a sequential zone
// everything below its write pointer (a FULL zone up to its capacity).
uint64_t WrittenLength(const ZoneReportEntry& z) {
  if (z.type == ZoneType::kConventional) return z.length;
  if (z.cond == ZoneCondition::kFull) return z.capacity;
  return z.wp > z.start ? std::min(z.wp - z.start, z.capacity) : 0;
}

// The first offset in [start, start + length) where the two devices' data
// differ, reading both in chunks; "" when equal.
std::string CompareData(Device& model, Device& image, uint64_t start, uint64_t length) {
  std::vector<uint8_t> a, b;
  for (uint64_t off = start; off < start + length; off += kReadChunk) {
    const uint64_t n = std::min(kReadChunk, start + length - off);
    a.assign(n, 0);
    b.assign(n, 0);
    const ZoneStatus ms = model.Read(off, n, a.data());
    const ZoneStatus is = image.Read(off, n, b.data());
    if (ms != is) {
      return "reading " + std::to_string(n) + " bytes at " + Hex(off) + ": model " + std::string(status_id(ms)) +
             ", image " + std::string(status_id(is));
    }
    if (a != b) {
      const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin());
      const uint64_t at = off + static_cast<uint64_t>(mismatch.first - a.begin());
      char bytes[64];
      std::snprintf(bytes, sizeof bytes, "model 0x%02x, image 0x%02x", *mismatch.first, *mismatch.second);
      return "data differs at " + Hex(at) + " (" + bytes + ")";
    }
  }
  return "";
}

}  // namespace

void CheckWrittenBy(const std::string& path, const ZonedExtension& ext, uint64_t virtual_size, Profile profile,
                    const std::vector<Operation>& ops, WrittenByResult* result) {
  *result = WrittenByResult{};
  for (const Operation& op : ops) {
    if (op.kind == OpKind::kInjectReadOnly || op.kind == OpKind::kInjectOffline) {
      result->error = "the script injects READ ONLY/OFFLINE zones, which an image cannot record";
      return;
    }
  }
  DeviceConfig config = ConfigFromExtension(ext, virtual_size, profile_params(profile));
  Status s = config.Validate();
  if (!s.ok() && ext.max_append_bytes == 0) {
    config.params.zone_append_supported = false;  // the format's "no zone append"
    s = config.Validate();
  }
  if (!s.ok()) {
    result->error = "the model refuses this geometry: " + s.message();
    return;
  }

  // The model: the script from a fresh device, then the image's close/reopen.
  ModelDevice model(config);
  for (const Operation& op : ops) {
    ApplyOperation(model, op);
    ++result->ops;
  }
  s = model.PowerCycle();
  if (!s.ok()) {
    result->error = "the model could not power cycle: " + s.message();
    return;
  }

  // The image, through a private copy.
  TempDir temp;
  if (!temp.ok()) {
    result->error = "cannot create a temporary directory";
    return;
  }
  const std::string copy = temp.path() + "/image.qcow2";
  std::error_code ec;
  std::filesystem::copy_file(path, copy, ec);
  if (ec) {
    result->error = "cannot copy " + path + ": " + ec.message();
    return;
  }
  std::unique_ptr<Device> image = OpenImageDevice(Env::Default(), copy, config.params, &s);
  if (!image) {
    result->error = "zonesim cannot open the image as a zoned drive: " + s.message();
    return;
  }

  uint64_t total = 0;
  std::vector<ZoneReportEntry> mr, ir;
  bool partial = false;
  model.Report(0, 0, ReportFilter::kAll, &mr, &partial);
  image->Report(0, 0, ReportFilter::kAll, &ir, &partial);
  if (mr.size() != ir.size()) {
    Add(result, "zone count: model " + std::to_string(mr.size()) + ", image " + std::to_string(ir.size()), &total);
  }
  for (size_t z = 0; z < std::min(mr.size(), ir.size()); ++z) {
    if (!(mr[z] == ir[z])) {
      Add(result,
          "zone " + std::to_string(z) + ": model " + FormatZoneEntry(mr[z]) + ", image " + FormatZoneEntry(ir[z]),
          &total);
      continue;
    }
    const std::string d = CompareData(model, *image, mr[z].start, WrittenLength(mr[z]));
    if (!d.empty()) Add(result, "zone " + std::to_string(z) + ": " + d, &total);
  }
  const ZoneCounts mc = model.Counts(), ic = image->Counts();
  if (mc != ic) {
    Add(result, "after reopening: model " + FormatZoneCounts(mc) + "; image " + FormatZoneCounts(ic), &total);
  }
  if (total > result->differences.size()) {
    result->differences.push_back("... and " + std::to_string(total - result->differences.size()) + " more");
  }
  result->passed = total == 0;
}

}  // namespace zonesim
