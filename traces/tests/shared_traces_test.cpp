// The real captures in ../shared/traces (third-party data, not in the
// project): record counts from its README. Every case returns early when the
// folder is absent, as it is in a user's clone.
#include <doctest/doctest.h>

#include "traces/blktrace_reader.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

TEST_CASE("shared: sample.blktrace.0 (every record says cpu 1) reads with one warning") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  std::vector<std::string> warnings;
  auto all = ReadTrace({dir + "/sample.blktrace.0"}, TraceFormat::kAuto, &warnings);
  CHECK(all.size() == 6743);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("sample.blktrace.0: record 0 says cpu 1 but the file name says cpu 0") !=
        std::string::npos);
  size_t remaps = 0, ra_reads = 0, queued = 0;
  for (const auto& e : all) {
    CHECK(e.ev.cpu == 1);
    remaps += e.action == "A";
    queued += e.action == "Q";
    ra_reads += e.action == "Q" && e.ev.op.kind == OpKind::kRead && (e.ev.flags & kFlagReadahead);
  }
  CHECK(remaps > 0);
  CHECK(queued >= 963);
  CHECK(ra_reads == 963);
  CHECK(all[0].ev.device == MakeDevice(259, 0));
}

TEST_CASE("shared: sda per-CPU files merge to 810 records, 113 queued writes") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  std::vector<std::string> warnings;
  auto all = ReadTrace({dir + "/sda"}, TraceFormat::kAuto, &warnings);
  CHECK(warnings.empty());
  CHECK(all.size() == 810);
  size_t q = 0, sync = 0, meta = 0, merges = 0, notify = 0, labelled = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& e = all[i];
    if (i > 0) CHECK(all[i - 1].ev.timestamp_ns <= e.ev.timestamp_ns);
    notify += e.action == "NP" || e.action == "NT" || e.action == "m";
    merges += e.action == "M";
    if (e.action != "Q") continue;
    ++q;
    CHECK(e.ev.op.kind == OpKind::kWrite);
    sync += (e.ev.flags & kFlagSync) != 0;
    meta += (e.ev.flags & kFlagMeta) != 0;
    labelled += !e.label.empty();
  }
  CHECK(q == 113);
  CHECK(sync > 0);
  CHECK(meta > 0);
  CHECK(merges == 4);
  CHECK(notify == 11);  // 810 records, 799 printed by blkparse
  CHECK(labelled == 113);
}

}  // namespace
}  // namespace zonesim
