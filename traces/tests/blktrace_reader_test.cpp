// The blktrace binary reader on the committed fixtures: per-CPU merge by
// time, notify records, every field of the I/O events, dumps, big-endian
// files, version 8 zone operations, CPU mismatches and malformed files.
#include <doctest/doctest.h>

#include "traces/blktrace_reader.h"
#include "traces/io_selection.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;

constexpr uint64_t KiB = 1024, MiB = 1024 * 1024;

std::string Actions(const std::vector<OwnedEvent>& events) {
  std::string s;
  for (const auto& e : events) s += (s.empty() ? "" : " ") + e.action;
  return s;
}

std::vector<OwnedEvent> QueueEvents(const std::vector<OwnedEvent>& all) {
  std::vector<OwnedEvent> q;
  for (const auto& e : all)
    if (e.ev.has_op && e.ev.stage == EventStage::kQueue) q.push_back(e);
  return q;
}

struct ExpectedIo {
  OpKind kind;
  uint64_t offset, length;
  uint32_t cpu, pid, flags;
  uint64_t time;
  const char* label;
  uint32_t file;
  uint64_t record;
};

// twocpu's queue events, in time order (see trace_fixture_gen.cpp).
const ExpectedIo kTwoCpuQueue[] = {
    {OpKind::kWrite, 0, 64 * KiB, 0, 100, kFlagSync, 1000, "fio", 0, 1},
    {OpKind::kRead, 1 * MiB, 4 * KiB, 1, 200, kFlagReadahead, 2500, "kworker/1:1H", 1, 2},
    {OpKind::kWrite, 64 * KiB, 64 * KiB, 0, 100, kFlagSync | kFlagFua, 10000, "fio", 0, 6},
    {OpKind::kWrite, 128 * KiB, 64 * KiB, 0, 100, kFlagSync | kFlagFua, 10400, "fio", 0, 7},
    {OpKind::kFlush, 0, 0, 1, 200, 0, 12000, "kworker/1:1H", 1, 5},
    {OpKind::kDiscard, 2 * MiB, 1 * MiB, 0, 100, 0, 16000, "fio", 0, 11},
    {OpKind::kWrite, 3 * MiB, 4 * KiB, 1, 200, kFlagPreflush | kFlagFua | kFlagSync | kFlagMeta, 17000,
     "kworker/1:1H", 1, 9},
    {OpKind::kWrite, 4 * MiB, 0, 0, 100, 0, 22000, "fio", 0, 14},
};

// per_cpu_files: read from twocpu.blktrace.{0,1}; otherwise from blkparse's
// dump, whose trace records (not its notify records) have times relative to
// the first event (1000 ns), as blkparse prints them.
void CheckTwoCpuQueue(const std::vector<OwnedEvent>& q, bool per_cpu_files) {
  REQUIRE(q.size() == std::size(kTwoCpuQueue));
  for (size_t i = 0; i < q.size(); ++i) {
    CAPTURE(i);
    const ExpectedIo& x = kTwoCpuQueue[i];
    const TraceEvent& e = q[i].ev;
    CHECK(e.op.kind == x.kind);
    CHECK(e.op.offset == x.offset);
    CHECK(e.op.length == x.length);
    CHECK(e.cpu == x.cpu);
    CHECK(e.pid == x.pid);
    CHECK(e.flags == x.flags);
    CHECK(e.timestamp_ns == (per_cpu_files ? x.time : x.time - 1000));
    CHECK(e.has_timestamp);
    CHECK(q[i].label == x.label);
    CHECK(q[i].action == "Q");
    CHECK(e.device == MakeDevice(259, 0));
    if (per_cpu_files) {
      CHECK(e.origin.file_index == x.file);
      CHECK(e.origin.index == x.record);
      CHECK(q[i].file == Fixture("twocpu.blktrace." + std::to_string(x.file)));
      if (x.kind == OpKind::kWrite) CHECK(e.op.payload == Payload::Seeded(PayloadSeedFor(e.origin)));
    }
  }
}

constexpr const char* kTwoCpuActions =
    "NP NP Q P D U A Q D C C Q Q M D Q D m C C Q D Q D C C Q D C";

TEST_CASE("blktrace: two per-CPU files merge by time into the exact event stream") {
  std::vector<std::string> warnings;
  auto all = ReadTrace({Fixture("twocpu.blktrace.0"), Fixture("twocpu.blktrace.1")}, TraceFormat::kAuto, &warnings);
  CHECK(warnings.empty());
  CHECK(all.size() == 29);
  CHECK(Actions(all) == kTwoCpuActions);
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].ev.timestamp_ns <= all[i].ev.timestamp_ns);
  CheckTwoCpuQueue(QueueEvents(all), true);

  // Notify records: names, no operation.
  CHECK(all[0].label == "fio");
  CHECK(all[1].label == "kworker/1:1H");
  CHECK_FALSE(all[0].ev.has_op);
  const OwnedEvent& msg = all[17];
  CHECK(msg.action == "m");
  CHECK(msg.label == "zonesim fixture");
  CHECK_FALSE(msg.ev.has_op);
  // Plug/unplug carry no request; the remap does, at stage "other".
  CHECK_FALSE(all[3].ev.has_op);
  CHECK_FALSE(all[5].ev.has_op);
  CHECK(all[6].action == "A");
  CHECK(all[6].ev.has_op);
  CHECK(all[6].ev.stage == EventStage::kOther);
  CHECK(all[6].ev.op.offset == 1 * MiB);
  // Completions: the merged issue completes as one 128 KiB write, sequence numbers per CPU.
  const OwnedEvent& c = all[19];
  CHECK(c.action == "C");
  CHECK(c.ev.stage == EventStage::kComplete);
  CHECK(c.ev.op.offset == 64 * KiB);
  CHECK(c.ev.op.length == 128 * KiB);
  CHECK(c.ev.pid == 0);
  CHECK(c.label.empty());
  CHECK(all[2].ev.sequence == 1);
  CHECK(all[4].ev.sequence == 3);
}

TEST_CASE("blktrace: a NAME prefix expands to the per-CPU files, sorted by CPU") {
  auto by_prefix = ReadTrace({Fixture("twocpu")});
  auto by_name = ReadTrace({Fixture("twocpu.blktrace.1"), Fixture("twocpu.blktrace.0")});
  REQUIRE(by_prefix.size() == 29);
  CHECK(Actions(by_prefix) == kTwoCpuActions);
  CHECK(by_prefix[2].file == Fixture("twocpu.blktrace.0"));
  // Given in the other order the merge is the same (file indices differ).
  CHECK(Actions(by_name) == kTwoCpuActions);
  auto trailing = ReadTrace({Fixture("twocpu.blktrace")});
  CHECK(trailing.size() == 29);
}

TEST_CASE("blktrace: a blkparse -d dump reads as the merged stream") {
  auto dump = ReadTrace({Fixture("twocpu.dump")});
  REQUIRE(dump.size() == 29);
  CHECK(Actions(dump) == kTwoCpuActions);
  CheckTwoCpuQueue(QueueEvents(dump), false);
  for (size_t i = 0; i < dump.size(); ++i) CHECK(dump[i].ev.origin.index == i);
}

TEST_CASE("blktrace: byte order is detected from the magic (big-endian file)") {
  std::unique_ptr<BlktraceReader> r;
  REQUIRE(BlktraceReader::Open({{Fixture("bigendian.blktrace.0"), 0}}, 1 << 20, &r).ok());
  std::vector<OwnedEvent> be;
  REQUIRE(ReadAllEvents(r.get(), &be).ok());
  CHECK(r->any_big_endian());
  CHECK(r->warnings().list().empty());
  auto le = ReadTrace({Fixture("twocpu")});
  REQUIRE(be.size() == le.size());
  for (size_t i = 0; i < be.size(); ++i) {
    CAPTURE(i);
    CHECK(be[i].action == le[i].action);
    CHECK(be[i].ev.op.kind == le[i].ev.op.kind);
    CHECK(be[i].ev.op.offset == le[i].ev.op.offset);
    CHECK(be[i].ev.op.length == le[i].ev.op.length);
    CHECK(be[i].ev.flags == le[i].ev.flags);
    CHECK(be[i].ev.timestamp_ns == le[i].ev.timestamp_ns);
    CHECK(be[i].label == le[i].label);
    CHECK(be[i].ev.cpu == 0);
  }
}

TEST_CASE("blktrace: version 8 records decode zone operations") {
  auto all = ReadTrace({Fixture("zoned_v8.blktrace.0")});
  CHECK(Actions(all) == "NP Q D C Q ZP ZU D C Q D C Q D C Q D C Q D C Q D C Q D C");
  auto q = QueueEvents(all);
  struct Z {
    OpKind kind;
    uint64_t offset, length;
  };
  const Z expected[] = {
      {OpKind::kWrite, 0, 64 * KiB},       {OpKind::kAppend, 1 * MiB, 64 * KiB},
      {OpKind::kOpen, 2 * MiB, 0},         {OpKind::kClose, 2 * MiB, 0},
      {OpKind::kFinish, 3 * MiB, 0},       {OpKind::kReset, 0, 0},
      {OpKind::kReset, 0, kZoneRangeAll},  {OpKind::kWrite, 4 * MiB, 4 * KiB},
  };
  REQUIRE(q.size() == std::size(expected));
  for (size_t i = 0; i < q.size(); ++i) {
    CAPTURE(i);
    CHECK(q[i].ev.op.kind == expected[i].kind);
    CHECK(q[i].ev.op.offset == expected[i].offset);
    CHECK(q[i].ev.op.length == expected[i].length);
    CHECK(q[i].ev.device == MakeDevice(259, 1));
    CHECK(q[i].label == "zbd-test");
  }
  CHECK(q[1].ev.op.payload == Payload::Seeded(PayloadSeedFor(q[1].ev.origin)));
  CHECK(q[7].ev.op.payload == Payload::Fill(0));
  CHECK(q[7].ev.flags == kFlagWriteZeroes);
  // The append's completion (BLK_TA_ZONE_APPEND) says where the data landed.
  const OwnedEvent& done = all[8];
  CHECK(done.action == "C");
  CHECK(done.ev.op.kind == OpKind::kAppend);
  CHECK(done.ev.op.offset == 1 * MiB + 128 * KiB);
  CHECK_FALSE(all[5].ev.has_op);  // ZP
  CHECK_FALSE(all[6].ev.has_op);  // ZU
}

TEST_CASE("blktrace: records naming another CPU than the file are read with one warning") {
  std::vector<std::string> warnings;
  auto all = ReadTrace({Fixture("mismatch.blktrace.1")}, TraceFormat::kAuto, &warnings);
  CHECK(all.size() == 3);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == Fixture("mismatch.blktrace.1") +
                           ": record 0 says cpu 0 but the file name says cpu 1; read anyway (blkparse "
                           "drops such records); later mismatches in this file are not reported");
  // A dump (no CPU in its name) is never checked.
  testing::TestDir t;
  WriteFile(t.File("mismatch.bin"), ReadFile(Fixture("mismatch.blktrace.1")));
  ReadTrace({t.File("mismatch.bin")}, TraceFormat::kAuto, &warnings);
  CHECK(warnings.empty());
}

TEST_CASE("blktrace: malformed files name the file, the record and the problem") {
  CHECK(ReadError({Fixture("truncated.blktrace.0")}) ==
        Fixture("truncated.blktrace.0") +
            ": record 16 (byte 792): truncated: the file ends 20 bytes into a 48-byte version 7 record");
  CHECK(ReadError({Fixture("badmagic.blktrace.0")}) ==
        Fixture("badmagic.blktrace.0") +
            ": record 3 (byte 160): bad magic 0x4b4e554a (expected 0x656174vv; corrupt or misaligned)");

  testing::TestDir t;
  std::string good = ReadFile(Fixture("twocpu.blktrace.0"));
  // The first record's 16-byte payload cut short.
  WriteFile(t.File("pdu.blktrace.0"), good.substr(0, 48 + 10));
  CHECK(ReadError({t.File("pdu.blktrace.0")}) ==
        t.File("pdu.blktrace.0") +
            ": record 0 (byte 0): truncated: the record's 16-byte payload has only 10 bytes before the end of the file");
  // An unknown version.
  std::string v9 = good;
  v9[0] = 0x09;
  WriteFile(t.File("v9.blktrace.0"), v9);
  CHECK(ReadError({t.File("v9.blktrace.0")}) ==
        t.File("v9.blktrace.0") + ": record 0 (byte 0): blktrace version 9 is not supported (7 and 8 are)");
  // Not a blktrace file at all, but named like one.
  WriteFile(t.File("text.blktrace.0"), "hello world\n");
  CHECK(ReadError({t.File("text.blktrace.0")}) ==
        t.File("text.blktrace.0") +
            ": record 0 (byte 0): bad magic 0x6c6c6568 (not a blktrace file: the magic is 0x656174vv)");
  // A little-endian record after big-endian ones.
  std::string mixed = ReadFile(Fixture("bigendian.blktrace.0")) + good;
  WriteFile(t.File("mixed.blktrace.0"), mixed);
  CHECK(ReadError({t.File("mixed.blktrace.0")}) ==
        t.File("mixed.blktrace.0") + ": record 29 (byte 1464): byte order changes in the middle of the file");
  // Fewer than 4 bytes.
  WriteFile(t.File("tiny.blktrace.0"), good.substr(0, 3));
  CHECK(ReadError({t.File("tiny.blktrace.0")}) ==
        t.File("tiny.blktrace.0") + ": record 0 (byte 0): truncated: the file ends 3 bytes into a record");
}

TEST_CASE("blktrace: an empty per-CPU file is a CPU without events") {
  testing::TestDir t;
  WriteFile(t.File("x.blktrace.0"), ReadFile(Fixture("twocpu.blktrace.0")));
  WriteFile(t.File("x.blktrace.1"), "");
  WriteFile(t.File("x.blktrace.2"), ReadFile(Fixture("twocpu.blktrace.1")));
  std::vector<std::string> warnings;
  auto all = ReadTrace({t.File("x")}, TraceFormat::kAuto, &warnings);
  CHECK(all.size() == 29);
  // File .2 holds cpu 1's records.
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("x.blktrace.2: record 0 says cpu 1 but the file name says cpu 2") != std::string::npos);
}

TEST_CASE("blktrace: reading uses bounded memory whatever the record count") {
  // A small buffer forces many refills and records straddling them.
  testing::TestDir t;
  std::string one = ReadFile(Fixture("twocpu.blktrace.0"));
  std::string big;
  for (int i = 0; i < 400; ++i) big += one;  // 336 KB, records of 48 and 64 bytes
  WriteFile(t.File("big.bin"), big);
  std::unique_ptr<BlktraceReader> r;
  REQUIRE(BlktraceReader::Open({{t.File("big.bin"), -1}}, 4096, &r).ok());
  std::vector<OwnedEvent> all;
  REQUIRE(ReadAllEvents(r.get(), &all).ok());
  CHECK(all.size() == 400 * 17);
  CHECK(all.back().ev.origin.index == 400 * 17 - 1);
}

}  // namespace
}  // namespace zonesim
