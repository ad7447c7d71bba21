// Which events stand for the I/Os: queue by default, issue when a capture
// has no queue events, completions when it has only those.
#include <doctest/doctest.h>

#include "traces/blktrace_format.h"
#include "traces/blktrace_writer.h"
#include "traces/io_selection.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;
using namespace blktrace;

// Writes a one-CPU trace of 3 writes logged at the given stages only.
std::string WriteStages(const testing::TestDir& t, const std::string& name, std::vector<uint16_t> codes) {
  std::unique_ptr<BlktraceWriter> w;
  REQUIRE(BlktraceWriter::Create(t.File(name), {}, &w).ok());
  uint64_t time = 0;
  for (int i = 0; i < 3; ++i) {
    for (uint16_t code : codes) {
      BlktraceWriter::IoInfo info;
      info.time_ns = time += 10;
      REQUIRE(w->WriteOperation(MakeOp(OpKind::kWrite, 4096 * i, 4096), code, info).ok());
    }
  }
  REQUIRE(w->Close().ok());
  return t.File(name);
}

IoStage Chosen(const std::string& prefix, size_t* count) {
  std::unique_ptr<IoEventFilter> r;
  IoStage stage;
  REQUIRE(OpenIoTrace({prefix}, {}, IoStage::kAuto, &r, &stage).ok());
  std::vector<OwnedEvent> ev;
  REQUIRE(ReadAllEvents(r.get(), &ev).ok());
  *count = ev.size();
  for (size_t i = 0; i < ev.size(); ++i) CHECK(ev[i].ev.op.offset == 4096 * i);
  CHECK(r->passed() == ev.size());
  return stage;
}

TEST_CASE("auto selection: queue, else issue, else complete") {
  testing::TestDir t;
  size_t n = 0;
  CHECK(Chosen(WriteStages(t, "qdc", {kActQueue, kActIssue, kActComplete}), &n) == IoStage::kQueue);
  CHECK(n == 3);
  CHECK(Chosen(WriteStages(t, "dc", {kActIssue, kActComplete}), &n) == IoStage::kIssue);
  CHECK(n == 3);
  CHECK(Chosen(WriteStages(t, "c", {kActComplete}), &n) == IoStage::kComplete);
  CHECK(n == 3);
}

TEST_CASE("selection on the fixtures") {
  std::unique_ptr<IoEventFilter> r;
  IoStage stage;
  REQUIRE(OpenIoTrace({Fixture("twocpu")}, {}, IoStage::kAuto, &r, &stage).ok());
  CHECK(stage == IoStage::kQueue);
  std::vector<OwnedEvent> ev;
  REQUIRE(ReadAllEvents(r.get(), &ev).ok());
  CHECK(ev.size() == 8);
  CHECK(r->skipped() == 21);

  REQUIRE(OpenIoTrace({Fixture("twocpu")}, {}, IoStage::kComplete, &r, &stage).ok());
  REQUIRE(ReadAllEvents(r.get(), &ev).ok());
  CHECK(ev.size() == 7);  // the two back-merged writes complete as one request
  for (const auto& e : ev) CHECK(e.action == "C");

  REQUIRE(OpenIoTrace({Fixture("fio-zoned.v3.iolog")}, {}, IoStage::kAuto, &r, &stage).ok());
  CHECK(stage == IoStage::kQueue);
  REQUIRE(ReadAllEvents(r.get(), &ev).ok());
  CHECK(ev.size() == 19);  // no add/open/close
}

TEST_CASE("stage names") {
  IoStage s;
  CHECK(IoStageFromString("D", &s));
  CHECK(s == IoStage::kIssue);
  CHECK(IoStageFromString("complete", &s));
  CHECK(s == IoStage::kComplete);
  CHECK_FALSE(IoStageFromString("X", &s));
  CHECK(to_string(IoStage::kQueue) == "queue");
}

TEST_CASE("the real captures pick queue events (skipped without ../shared)") {
  const std::string dir = SharedTraces();
  if (dir.empty()) return;
  std::unique_ptr<IoEventFilter> r;
  IoStage stage;
  REQUIRE(OpenIoTrace({dir + "/sda"}, {}, IoStage::kAuto, &r, &stage).ok());
  CHECK(stage == IoStage::kQueue);
  std::vector<OwnedEvent> ev;
  REQUIRE(ReadAllEvents(r.get(), &ev).ok());
  CHECK(ev.size() == 113);  // README: 113 queued writes
  for (const auto& e : ev) CHECK(e.ev.op.kind == OpKind::kWrite);
}

}  // namespace
}  // namespace zonesim
