// CheckImage: `zonesim check`, the regression gate for qcow2 images with the
// zoned extension (../shared/spec/qcow2-zoned.md). Unlike Qcow2Image::Open,
// which refuses an image at its first problem, the checker trusts nothing,
// keeps going and reports EVERY finding, each with a stable identifier, a
// severity, the rule it breaks and the offending values:
// - qcow2 structure the way `qemu-img check` sees it (QEMU
//   block/qcow2-refcount.c qcow2_check_refcounts): header sanity, L1/L2,
//   refcount table and blocks, snapshots, bitmaps, every cluster's refcount
//   against the references really found, overlaps, leaks, dirty/corrupt bits;
// - the zoned format: bit 5 and extension together, layout revision by
//   length, every field rule, the write-pointer table (placement, ownership
//   with refcount 1, every entry), data allocated beyond a write pointer;
//   the write-pointer table is never called leaked, and a table freed by
//   `qemu-img check -r leaks` is recognised and explained.
// Exit codes follow qemu-img check: 0 clean, 2 corruptions (errors), 3 leaks
// only, 1 the image could not be checked (unreadable, not qcow2, or a format
// feature the checker cannot follow). Warnings never change the exit code.
//
// The input is opened read-only; only CheckOptions::repair opens it for
// writing, and then only to fix what loses no written data (see
// check_repair.h), after which the image is checked again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/json_writer.h"
#include "common/status.h"
#include "qcow2/storage/qcow2_image.h"

namespace zonesim::check {

enum class Severity : uint8_t {
  kError,    // corruption: data may be lost or misread (exit 2)
  kLeak,     // space referenced by nothing (exit 3 when no error)
  kWarning,  // legal but suspicious, or ambiguous in the spec (exit unchanged)
};
std::string_view to_string(Severity s);  // "error", "leak", "warning"

struct FindingValue {
  std::string name;
  uint64_t number = 0;
  std::string text;  // used instead of number when non-empty
};

struct Finding {
  std::string id;        // stable, e.g. "zoned.nr_zones_mismatch", "refcount.leak"
  Severity severity = Severity::kError;
  std::string rule;      // the rule broken, one sentence (the same for every finding of this id)
  std::string message;   // what this image shows, with the values
  std::vector<FindingValue> values;
  uint64_t count = 1;    // instances this finding stands for (a run of clusters counts each)
};

struct CheckOptions {
  bool strict = false;  // add warnings for what the spec leaves ambiguous
  bool repair = false;  // fix leaks and a freed write-pointer table, then re-check
  // The zoned layout revision the image must have (`--expect-layout`): any
  // other is an error, and it decides a 48-byte extension both readings fit.
  std::optional<ZonedLayout> expect_layout;
  bool force_share = false;  // check an image another process holds (QEMU's -U)
};

struct CheckCounts {
  uint64_t errors = 0;    // sum of error findings' counts
  uint64_t leaks = 0;     // leaked clusters (sum of leak findings' counts)
  uint64_t warnings = 0;
  bool operator==(const CheckCounts&) const = default;
};

// What the image is, as far as the checker could tell.
struct ImageSummary {
  uint64_t file_size = 0;
  uint32_t version = 0;
  uint64_t virtual_size = 0;
  uint32_t cluster_size = 0;
  uint64_t file_clusters = 0;        // ceil(file_size / cluster_size)
  uint64_t referenced_clusters = 0;  // clusters with at least one reference found
  std::optional<ZonedExtension> zoned;  // decoded extension (model 1), whatever its validity
  uint32_t zoned_extension_length = 0;
};

struct CheckReport {
  std::string path;
  bool checked = false;       // false: could not check (exit 1); why is in `reason`
  std::string reason;
  ImageSummary summary;
  std::vector<Finding> findings;  // in discovery order; at most kMaxFindingsPerId per id
  std::map<std::string, uint64_t> omitted;  // id -> findings not listed (still counted)
  CheckCounts counts;
  std::vector<uint64_t> leaked_clusters;  // cluster indices (stored refcount > references)
  // --repair: what was changed, what could not be, and the counts before.
  std::vector<std::string> repairs;
  std::vector<std::string> not_repaired;
  std::optional<CheckCounts> before_repair;

  int exit_code() const;
  bool has(std::string_view id) const;  // a finding with this id (listed or omitted)
};

inline constexpr size_t kMaxFindingsPerId = 50;

// Checks the image at `path`. The returned Status is not ok only for a
// failure of the checker's own (e.g. --repair could not write); problems of
// the image are findings, and an unreadable image is report->checked == false.
Status CheckImage(Env* env, const std::string& path, const CheckOptions& options, CheckReport* report);

// Exit status for several images: the worst, with 1 (could not check, the
// verdict is unknown) above 2 (corruption) above 3 (leaks) above 0.
int WorstExitCode(const std::vector<int>& codes);

// Human output (one block per image) and the machine one (JsonWriter).
std::string FormatText(const CheckReport& r);
// `extra`, when given, adds fields to image i's object (after its findings).
std::string FormatJson(const std::vector<CheckReport>& reports, int exit_code,
                       const std::function<void(JsonWriter&, size_t)>& extra = {});

}  // namespace zonesim::check
