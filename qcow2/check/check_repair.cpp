#include "qcow2/check/check_repair.h"

#include <algorithm>
#include <map>
#include <set>

#include "qcow2/storage/zoned_extension.h"

namespace zonesim::check {

using namespace qcow2;

namespace {
std::string N(uint64_t v) { return std::to_string(v); }
}  // namespace

RepairPlan PlanRepair(const CheckContext& c) {
  RepairPlan plan;
  if (!c.stored_loaded) {
    if (c.report->counts.leaks > 0 || c.report->has("zoned.wp_table_freed")) {
      plan.refused.push_back("the refcount table could not be read: nothing repaired");
    }
    return plan;
  }
  const bool has_leaks = !c.report->leaked_clusters.empty();
  if (has_leaks && c.report->has("qcow2.cluster_overlap")) {
    plan.refused.push_back(N(c.report->leaked_clusters.size()) +
                           " leaked clusters not repaired: clusters are claimed twice (qcow2.cluster_overlap), so "
                           "the references found do not say which refcount is right");
  } else if (has_leaks && !c.walk_complete) {
    plan.refused.push_back(N(c.report->leaked_clusters.size()) +
                           " leaked clusters not repaired: some tables could not be walked (see the errors), so a "
                           "cluster that looks leaked may be in use");
  } else if (has_leaks) {
    for (uint64_t cl : c.report->leaked_clusters) plan.set.emplace_back(cl, c.refs[cl]);
    plan.changes.push_back("lowered the refcount of " + N(c.report->leaked_clusters.size()) +
                           " leaked clusters to their number of references");
  }
  // The write-pointer table.
  if (c.zonedmeta_placed && c.zoned) {  // a table of a model-0 extension is not judged, nor repaired
    std::set<uint64_t> reused;
    for (const auto& r : c.zonedmeta_reuse) reused.insert(r.cluster);
    const uint64_t first = c.zonedmeta_begin >> c.cluster_bits;
    const uint64_t end = std::min<uint64_t>(c.zonedmeta_end >> c.cluster_bits, c.nb_clusters);
    uint64_t restored = 0, lowered = 0, missing_block = 0;
    for (uint64_t cl = first; cl < end; ++cl) {
      if (reused.count(cl) || c.stored[cl] == 1) continue;
      const uint64_t ti = cl / c.entries_per_block;
      if (ti >= c.refcount_table.size() || c.refcount_table[ti] == 0) {
        ++missing_block;
        continue;
      }
      (c.stored[cl] == 0 ? restored : lowered) += 1;
      plan.set.emplace_back(cl, 1);
    }
    // The entries in each discarded cluster (never more than the table holds:
    // nr_zones itself may be anything in a damaged image).
    const uint64_t entries = std::min<uint64_t>(c.zoned->nr_zones, c.zoned->zonedmeta_size / 8);
    for (uint64_t cl : c.zonedmeta_zeroed) {
      if (reused.count(cl)) continue;
      const uint64_t b = std::max(c.zonedmeta_begin, cl << c.cluster_bits) - c.zonedmeta_begin;
      const uint64_t e = ((cl + 1) << c.cluster_bits) - c.zonedmeta_begin;
      for (uint64_t zone = (b + 7) / 8; zone < std::min(entries, e / 8); ++zone) {
        plan.wps.emplace_back(zone, RebuildWritePointer(c, zone));
      }
    }
    if (!plan.wps.empty()) {
      uint64_t with_data = 0;
      for (const auto& [zone, wp] : plan.wps) with_data += zone >= c.zoned->conventional_zones && wp != zone * c.zoned->zone_size;
      plan.changes.push_back("rebuilt " + N(plan.wps.size()) + " discarded write-pointer entries from the data: " +
                             N(with_data) + " sequential zones hold data up to their new write pointer, the others are "
                             "EMPTY, conventional zones flagged");
    }
    if (restored) {
      plan.changes.push_back("restored refcount 1 on " + N(restored) + " cluster(s) of the write-pointer table at " +
                             Hex(c.zonedmeta_begin));
    }
    if (lowered) plan.changes.push_back("set refcount 1 on " + N(lowered) + " cluster(s) of the write-pointer table");
    if (missing_block) {
      plan.refused.push_back(N(missing_block) +
                             " cluster(s) of the write-pointer table are covered by no refcount block; creating one "
                             "is an allocation, left to a writer");
    }
    if (!reused.empty()) {
      plan.refused.push_back(N(reused.size()) +
                             " cluster(s) of the write-pointer table now hold other data; their write pointers "
                             "cannot be recovered");
    }
  }
  // Errors other than a freed table (handled above) stay: which data wins is
  // a decision for a person.
  uint64_t other_errors = 0;
  for (const Finding& f : c.report->findings) {
    if (f.severity == Severity::kError && f.id != "zoned.wp_table_freed") other_errors += f.count;
  }
  for (const auto& [id, n] : c.report->omitted) {
    if (Rule(id).severity == Severity::kError && id != "zoned.wp_table_freed") other_errors += n;
  }
  if (other_errors > 0) {
    plan.refused.push_back(N(other_errors) + " errors (corruption) not repaired: which data wins is a decision for a person");
  }
  std::sort(plan.set.begin(), plan.set.end());
  return plan;
}

Status ApplyRepair(File* file, const CheckContext& c, const RepairPlan& plan) {
  if (!plan.wps.empty()) {
    for (const auto& [zone, wp] : plan.wps) {
      uint8_t raw[8];
      StoreWritePointerEntry(raw, wp, c.zoned->layout);
      Status s = file->Write(c.zonedmeta_begin + zone * 8, 8, raw);
      if (!s.ok()) return s;
    }
    Status s = file->Flush();
    if (!s.ok()) return s;
  }
  std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> by_block;  // table index -> (entry, value)
  for (const auto& [cl, value] : plan.set) {
    by_block[cl / c.entries_per_block].emplace_back(cl % c.entries_per_block, value);
  }
  std::vector<uint8_t> block(c.cluster_size);
  for (const auto& [ti, entries] : by_block) {
    const uint64_t offset = c.refcount_table[ti];
    Status s = file->Read(offset, block.size(), block.data());
    if (!s.ok()) return s;
    for (const auto& [index, value] : entries) SetRefcountEntry(block.data(), index, c.header.refcount_order, value);
    s = file->Write(offset, block.size(), block.data());
    if (!s.ok()) return s;
  }
  return file->Flush();
}

}  // namespace zonesim::check
