// Refcounts: what the image stores (refcount table and blocks) and the
// comparison with the references the walk found, as QEMU's checker does it
// (block/qcow2-refcount.c check_refblocks and compare_refcounts): a refcount
// below the references is corruption, above them a leak; clusters past the
// end of the file are not compared.
#include <map>

#include "qcow2/check/check_context.h"

namespace zonesim::check {

using namespace qcow2;

namespace {
std::string N(uint64_t v) { return std::to_string(v); }
}  // namespace

void LoadStoredRefcounts(CheckContext& c) {
  if (!c.refcounts_readable) return;
  const Header& h = c.header;
  const uint64_t cs = c.cluster_size;
  const uint64_t bytes = uint64_t{h.refcount_table_clusters} * cs;  // <= 8 MiB, inside the file
  std::vector<uint8_t> raw(bytes);
  if (!c.Read(h.refcount_table_offset, bytes, raw.data())) return;
  c.refcount_table.assign(bytes / 8, 0);
  // Blocks by offset, so a block named by many entries is read once.
  std::map<uint64_t, std::vector<uint64_t>> users;
  for (uint64_t i = 0; i < c.refcount_table.size(); ++i) {
    const uint64_t e = LoadBE64(raw.data() + i * 8);
    if (e == 0) continue;
    if (e & 511) {
      c.findings.Add("refcount.table_reserved_bits",
                     "refcount table entry " + N(i) + " is " + Hex(e) + ": reserved bits 0-8 are set",
                     {{"index", i, ""}, {"entry", e, ""}});
      c.walk_complete = false;
      continue;
    }
    if (e & (cs - 1)) {
      c.findings.Add("refcount.block_unaligned",
                     "refcount table entry " + N(i) + ": refcount block offset " + Hex(e) +
                         " is not aligned to the cluster size " + N(cs),
                     {{"index", i, ""}, {"offset", e, ""}, {"cluster_size", cs, ""}});
      c.walk_complete = false;
      continue;
    }
    if (e >= c.file_size || c.file_size - e < cs) {
      c.findings.Add("refcount.block_out_of_bounds",
                     "refcount table entry " + N(i) + ": refcount block at " + Hex(e) +
                         " lies beyond the end of the file (size " + N(c.file_size) + ")",
                     {{"index", i, ""}, {"offset", e, ""}, {"file_size", c.file_size, ""}});
      c.walk_complete = false;
      continue;
    }
    c.refcount_table[i] = e;
    users[e].push_back(i);
  }
  const uint32_t order = h.refcount_order;
  c.entries_per_block = cs * 8 >> order;
  c.stored.assign(c.nb_clusters, 0);
  uint64_t beyond = 0, beyond_first = UINT64_MAX;
  std::vector<uint8_t> block(cs);
  for (const auto& [offset, indices] : users) {
    if (!c.Read(offset, cs, block.data())) return;
    for (uint64_t ti : indices) {
      const uint64_t first = ti * c.entries_per_block;
      for (uint64_t j = 0; j < c.entries_per_block; ++j) {
        const uint64_t v = GetRefcountEntry(block.data(), j, order);
        if (first + j < c.nb_clusters) {
          c.stored[first + j] = v;
        } else if (v != 0) {
          ++beyond;
          beyond_first = std::min(beyond_first, first + j);
        }
      }
    }
  }
  if (beyond > 0) {
    c.findings.Add("refcount.beyond_eof",
                   N(beyond) + " clusters past the end of the file (the first at " + Hex(beyond_first << c.cluster_bits) +
                       ") have non-zero refcounts",
                   {{"clusters", beyond, ""}, {"first_cluster_offset", beyond_first << c.cluster_bits, ""}});
  }
  c.stored_loaded = true;
}

void CompareRefcounts(CheckContext& c) {
  if (!c.stored_loaded) return;
  // Runs of neighbouring clusters with the same stored/found pair become one
  // finding (counted per cluster, as qemu-img counts them).
  struct Run {
    bool active = false;
    bool leak = false;
    uint64_t first = 0, n = 0, stored = 0, found = 0;
  } run;
  auto flush = [&] {
    if (!run.active) return;
    const uint64_t off = run.first << c.cluster_bits;
    const std::string where = run.n == 1 ? "cluster " + Hex(off)
                                         : N(run.n) + " clusters from " + Hex(off);
    std::vector<FindingValue> values = {{"cluster_offset", off, ""},
                                        {"clusters", run.n, ""},
                                        {"refcount", run.stored, ""},
                                        {"references", run.found, ""}};
    if (run.leak) {
      c.findings.Add("refcount.leak",
                     where + ": refcount " + N(run.stored) + ", referenced " + N(run.found) +
                         (run.found == 0 ? " times (leaked)" : " times"),
                     std::move(values), run.n);
    } else {
      c.findings.Add("refcount.too_low",
                     where + ": refcount " + N(run.stored) + " but referenced " + N(run.found) +
                         " times; such a cluster can be handed out again while in use",
                     std::move(values), run.n);
    }
    run.active = false;
  };
  for (uint64_t cl = 0; cl < c.nb_clusters; ++cl) {
    const uint64_t s = c.stored[cl];
    const uint64_t r = c.refs[cl];
    if (s == r || c.InZonedmeta(cl)) {  // the write-pointer table: check_zoned.cpp explains it
      flush();
      continue;
    }
    const bool leak = s > r;
    if (run.active && run.leak == leak && run.stored == s && run.found == r && run.first + run.n == cl) {
      ++run.n;
    } else {
      flush();
      run = {true, leak, cl, 1, s, r};
    }
    if (leak) c.report->leaked_clusters.push_back(cl);
  }
  flush();
}

}  // namespace zonesim::check
