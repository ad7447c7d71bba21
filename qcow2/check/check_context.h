// Internal state of one CheckImage run, shared by the check_*.cpp passes:
// the findings being collected, what was decoded from the header, the
// refcounts the image stores, and the references the walk really found
// (one counter and the first owner kind per cluster of the file).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/env.h"
#include "common/hex.h"
#include "qcow2/check/check_rules.h"
#include "qcow2/check/image_check.h"
#include "qcow2/storage/qcow2_format.h"
#include "qcow2/storage/qcow2_validate.h"

namespace zonesim::check {

// What a cluster is used for, as far as the walk has seen (the first user).
enum class Owner : uint8_t {
  kNone,
  kHeader,
  kRefcountTable,
  kL1,
  kZonedmeta,
  kSnapshotTable,
  kSnapshotL1,
  kBitmapDirectory,
  kBitmapTable,
  kRefcountBlock,
  kL2,
  kData,
  kCompressed,
  kBitmapData,
};
const char* OwnerName(Owner o);
// Kinds that may legitimately be referenced more than once: L2 tables and
// data shared with internal snapshots, compressed clusters packed together.
inline bool Shareable(Owner o) { return o == Owner::kL2 || o == Owner::kData || o == Owner::kCompressed; }

// Collects findings into a report: severity and rule from the rule table,
// strict-only rules dropped without --strict, at most kMaxFindingsPerId
// listed per id (the rest counted in report->omitted), counts kept exact.
class FindingSink {
 public:
  FindingSink(CheckReport* report, bool strict) : report_(report), strict_(strict) {}
  void Add(std::string_view id, std::string message, std::vector<FindingValue> values = {}, uint64_t count = 1);
  // A shared-rule violation (qcow2_validate.h); NotSupported ones are warnings
  // unless the rule table says the image cannot be checked.
  void Add(const qcow2::RuleViolation& v);
  // A sink for the shared rules that never stops them.
  qcow2::RuleSink Collector();
  // Marks the report unchecked (exit 1) with a finding saying why.
  void StopCheck(std::string_view id, std::string message, std::vector<FindingValue> values = {});

 private:
  CheckReport* report_;
  bool strict_;
  std::map<std::string, size_t, std::less<>> listed_;  // findings listed per id
};

struct ZonedmetaReuse {
  uint64_t cluster = 0;
  Owner other = Owner::kNone;
  std::string what;  // "the L2 table of L1 entry 0", "the data cluster of guest offset 0x10000"
};

struct CheckContext {
  CheckContext(File* f, uint64_t size, const CheckOptions& o, CheckReport* r)
      : file(f), file_size(size), options(o), report(r), findings(r, o.strict) {}

  File* file;
  uint64_t file_size;
  CheckOptions options;
  CheckReport* report;
  FindingSink findings;

  // ---- Header (check_header.cpp) ----
  qcow2::Header header;
  std::vector<qcow2::HeaderExtension> extensions;
  bool extensions_complete = true;  // the extension walk reached its end
  std::vector<qcow2::FeatureName> feature_names;
  uint32_t cluster_bits = 16;
  uint64_t cluster_size = 65536;
  uint64_t nb_clusters = 0;  // ceil(file_size / cluster_size)
  bool l1_placed = false;    // active L1 table valid and inside the file
  bool rt_placed = false;    // refcount table valid and inside the file
  bool refcounts_readable = false;  // refcount_order valid and table placed

  // ---- Stored refcounts (check_refcounts.cpp) ----
  std::vector<uint64_t> refcount_table;  // block offsets; 0 = none or unusable
  std::vector<uint64_t> stored;          // per cluster < nb_clusters
  bool stored_loaded = false;
  uint64_t entries_per_block = 0;

  // ---- References found (check_tables.cpp and others) ----
  std::vector<uint32_t> refs;  // saturating counters
  std::vector<Owner> owner;
  // False once a table that references clusters could not be walked: the
  // references are then incomplete, so "leaked" clusters may be in use and
  // --repair must not free them.
  bool walk_complete = true;
  uint64_t visits = 0;  // L1 + L2 entries walked, against kVisitBudget
  bool budget_exceeded = false;
  static constexpr uint64_t kVisitBudget = 1ull << 28;
  static constexpr uint64_t kMaxClusters = 1ull << 25;
  std::vector<uint64_t> guest_allocated;  // active table: guest clusters holding data, ascending

  // ---- Snapshots and bitmaps (check_snapshots.cpp, check_bitmaps.cpp) ----
  struct TableRef {
    uint64_t offset = 0;
    uint64_t entries = 0;
    std::string name;
  };
  std::vector<TableRef> snapshot_l1s;   // walkable snapshot L1 tables
  std::vector<TableRef> bitmap_tables;  // walkable bitmap tables

  // ---- Zoned (check_zoned.cpp) ----
  const qcow2::HeaderExtension* zoned_ext = nullptr;
  std::optional<ZonedExtension> zoned;  // decoded, model 1
  bool zonedmeta_placed = false;        // placement rules passed: registered as Owner::kZonedmeta
  uint64_t zonedmeta_begin = 0, zonedmeta_end = 0;  // cluster-rounded byte range
  std::vector<ZonedmetaReuse> zonedmeta_reuse;
  std::vector<uint64_t> zonedmeta_zeroed;  // freed clusters of the table that read as zeros

  bool InZonedmeta(uint64_t cluster) const {
    const uint64_t off = cluster << cluster_bits;
    return zonedmeta_placed && off >= zonedmeta_begin && off < zonedmeta_end;
  }
  bool Charge(uint64_t n);  // adds to visits; false (and a stop finding) past the budget

  // Reads n bytes at offset; a failure is a finding (io.unreadable) and false.
  bool Read(uint64_t offset, uint64_t n, uint8_t* out);

  // One reference to every cluster touched by [begin, end), which the caller
  // has checked lies inside the file. `describe` names the referrer; it is
  // called only when a conflict is found.
  template <class Describe>
  void Reference(uint64_t begin, uint64_t end, Owner kind, Describe&& describe) {
    if (end <= begin) return;
    const uint64_t first = begin >> cluster_bits;
    const uint64_t last = std::min<uint64_t>((end - 1) >> cluster_bits, nb_clusters - 1);
    for (uint64_t c = first; c <= last; ++c) {
      if (refs[c] != UINT32_MAX) ++refs[c];
      const Owner prev = owner[c];
      if (prev == Owner::kNone) {
        owner[c] = kind;
      } else if (prev != kind || !Shareable(kind)) {
        Conflict(c, prev, kind, describe());
      }
    }
  }
  void Conflict(uint64_t cluster, Owner first, Owner second, const std::string& what);
};

// The passes, in the order CheckImage runs them.
// Header, feature bits, extensions. False: nothing more can be checked.
bool CheckHeader(CheckContext& c);
// The zoned extension's presence, layout and field rules; decides whether the
// write-pointer table is placed well enough to be registered.
void CheckZonedExtension(CheckContext& c);
// Loads the refcount table and blocks (stored refcounts).
void LoadStoredRefcounts(CheckContext& c);
// Registers every reference: fixed metadata, zonedmeta, snapshots, bitmaps,
// refcount blocks, L2 tables, data.
void WalkReferences(CheckContext& c);
// Stored vs found, cluster by cluster (the write-pointer table excluded).
void CompareRefcounts(CheckContext& c);
// Ownership of the write-pointer table, every entry, data beyond write
// pointers, and the --strict ambiguities.
void CheckZonedTable(CheckContext& c);
// A write pointer for `zone` that hides no written data: a conventional
// zone's flagged start; for a sequential zone the end of its last allocated
// data cluster, capped at its capacity (its start if it holds none). Used by
// --repair for entries a stock tool discarded.
uint64_t RebuildWritePointer(const CheckContext& c, uint64_t zone);

// The snapshot table and each snapshot's L1 table (registered in
// snapshot_l1s, walked by WalkReferences like the active one).
void WalkSnapshotTable(CheckContext& c);
// The bitmap directory and tables (data_pass false), their data clusters (true).
void WalkBitmaps(CheckContext& c, bool data_pass);
// One L1 table's L2 tables (data_pass false) or their entries (true). The
// active table also gets the COPIED checks and fills guest_allocated.
void WalkL1(CheckContext& c, const CheckContext::TableRef& t, bool active, bool data_pass);

}  // namespace zonesim::check
