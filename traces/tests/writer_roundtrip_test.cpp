// Writers: what the blktrace writer writes reads back equal (both versions,
// both byte orders, several CPUs) and Debian's blkparse agrees on it; fio
// iologs and scripts round-trip through their readers, and fio replays our
// iologs.
#include <doctest/doctest.h>

#include <random>

#include "traces/blktrace_format.h"
#include "traces/blktrace_writer.h"
#include "traces/fio_iolog_writer.h"
#include "traces/io_selection.h"
#include "traces/script_writer.h"
#include "traces/tests/traces_test_util.h"

namespace zonesim {
namespace {

using namespace tracetest;
using namespace blktrace;

struct Written {
  Operation op;
  uint16_t code;
  BlktraceWriter::IoInfo info;
};

// A seeded random workload: distinct increasing times, random CPUs, kinds
// and flags. Zone operations only for version 8.
std::vector<Written> RandomWorkload(uint64_t seed, size_t n, uint32_t cpus, bool zones) {
  std::mt19937_64 rng(seed);
  std::vector<Written> out;
  uint64_t time = 0;
  const OpKind data_kinds[] = {OpKind::kRead, OpKind::kWrite, OpKind::kDiscard, OpKind::kFlush};
  const OpKind zone_kinds[] = {OpKind::kAppend, OpKind::kReset, OpKind::kOpen, OpKind::kClose, OpKind::kFinish};
  const uint16_t codes[] = {kActQueue, kActIssue, kActComplete, kActBackmerge, kActGetRq, kActInsert};
  const uint32_t flag_bits[] = {kFlagSync, kFlagFua, kFlagMeta, kFlagReadahead};
  for (size_t i = 0; i < n; ++i) {
    Written w;
    OpKind kind = zones && rng() % 3 == 0 ? zone_kinds[rng() % 5] : data_kinds[rng() % 4];
    uint64_t offset = (rng() % (1u << 20)) * 512;
    uint64_t length = (1 + rng() % 256) * 512;
    if (kind == OpKind::kFlush) offset = length = 0;
    if (is_zone_management(kind)) {
      offset = (rng() % 64) << 20;
      length = 0;
      if (kind == OpKind::kReset && rng() % 4 == 0) {
        offset = 0;
        length = kZoneRangeAll;
      }
    }
    w.op = MakeOp(kind, offset, length);
    w.code = codes[rng() % 6];
    w.info.time_ns = time += 1 + rng() % 5000;
    w.info.cpu = static_cast<uint32_t>(rng() % cpus);
    w.info.pid = 1000 + static_cast<uint32_t>(rng() % 7);
    for (uint32_t f : flag_bits)
      if (rng() % 4 == 0) w.info.flags |= f;
    if (kind == OpKind::kWrite && rng() % 5 == 0) w.info.flags |= kFlagPreflush;
    w.info.error = w.code == kActComplete && rng() % 10 == 0 ? 5 : 0;
    out.push_back(w);
  }
  return out;
}

void WriteWorkload(const std::string& prefix, const BlktraceWriterOptions& o, const std::vector<Written>& ws) {
  std::unique_ptr<BlktraceWriter> w;
  REQUIRE(BlktraceWriter::Create(prefix, o, &w).ok());
  for (const Written& x : ws) REQUIRE(w->WriteOperation(x.op, x.code, x.info).ok());
  REQUIRE(w->Close().ok());
  CHECK(w->records_written() == ws.size());
}

void CheckReadBack(const std::vector<OwnedEvent>& got, const std::vector<Written>& ws) {
  REQUIRE(got.size() == ws.size());
  std::vector<uint32_t> seq(64, 0);
  for (size_t i = 0; i < ws.size(); ++i) {
    CAPTURE(i);
    const Written& w = ws[i];
    const TraceEvent& e = got[i].ev;
    REQUIRE(e.has_op);
    CHECK(e.op.kind == w.op.kind);
    CHECK(e.op.offset == w.op.offset);
    CHECK(e.op.length == w.op.length);
    CHECK(e.timestamp_ns == w.info.time_ns);
    CHECK(e.cpu == w.info.cpu);
    CHECK(e.pid == w.info.pid);
    CHECK(e.error == w.info.error);
    CHECK(e.sequence == ++seq[w.info.cpu]);
    CHECK(e.origin.file_index == w.info.cpu);
    uint32_t flags = w.info.flags;
    if (w.op.kind != OpKind::kWrite && w.op.kind != OpKind::kRead) flags &= ~kFlagPreflush;
    CHECK(e.flags == flags);
  }
}

TEST_CASE("blktrace writer -> reader: v7 little-endian, 4 CPUs") {
  testing::TestDir t;
  auto ws = RandomWorkload(7, 2000, 4, false);
  BlktraceWriterOptions o;
  o.cpus = 4;
  WriteWorkload(t.File("rt"), o, ws);
  CheckReadBack(ReadTrace({t.File("rt")}), ws);
}

TEST_CASE("blktrace writer -> reader: v8 big-endian with zone operations") {
  testing::TestDir t;
  auto ws = RandomWorkload(8, 2000, 3, true);
  BlktraceWriterOptions o;
  o.cpus = 3;
  o.version = kVersion8;
  o.byte_order = ByteOrder::kBig;
  WriteWorkload(t.File("rt8"), o, ws);
  CHECK(ReadFile(t.File("rt8.blktrace.0")).size() % 64 == 0);
  CheckReadBack(ReadTrace({t.File("rt8")}), ws);
}

TEST_CASE("blktrace writer: refusals") {
  testing::TestDir t;
  std::unique_ptr<BlktraceWriter> w;
  REQUIRE(BlktraceWriter::Create(t.File("r"), {}, &w).ok());
  BlktraceWriter::IoInfo info;
  Status s = w->WriteOperation(MakeOp(OpKind::kReset, 0, 0), kActQueue, info);
  CHECK(s.message() == "blktrace version 7 cannot record zone management or zone append; write version 8");
  s = w->WriteOperation(MakeOp(OpKind::kWrite, 100, 512), kActQueue, info);
  CHECK(s.message() == "blktrace writer: offset 100 is not a multiple of 512 (blktrace counts sectors)");
  s = w->WriteOperation(MakeOp(OpKind::kWrite, 0, 1ull << 32), kActQueue, info);
  CHECK(s.message() == "blktrace writer: length 4294967296 does not fit the 32-bit bytes field");
  s = w->WriteOperation(MakeOp(OpKind::kPowerCycle, 0, 0), kActQueue, info);
  CHECK(s.message() == "this operation has no block-layer request to trace");
  info.cpu = 1;
  s = w->WriteOperation(MakeOp(OpKind::kRead, 0, 512), kActQueue, info);
  CHECK(s.message() == "blktrace writer: cpu 1 out of range");
  BlktraceWriterOptions bad;
  bad.version = 6;
  CHECK(BlktraceWriter::Create(t.File("b"), bad, &w).message() == "blktrace version 6 cannot be written (7 or 8)");
}

TEST_CASE("blkparse agrees with the writer on event count and sectors") {
  if (!HaveTool("blkparse")) {
    MESSAGE("blkparse not installed: skipped");
    return;
  }
  testing::TestDir t;
  auto ws = RandomWorkload(11, 3000, 2, false);
  BlktraceWriterOptions o;
  o.cpus = 2;
  WriteWorkload(t.File("bp"), o, ws);
  std::string out;
  REQUIRE(Run("cd " + t.path() + " && blkparse -i bp -o bp.txt", &out) == 0);
  auto text = ReadTrace({t.File("bp.txt")});
  auto bin = ReadTrace({t.File("bp")});
  REQUIRE(text.size() == bin.size());
  REQUIRE(text.size() == ws.size());
  for (size_t i = 0; i < text.size(); ++i) {
    CAPTURE(i);
    CHECK(text[i].action == bin[i].action);
    CHECK(text[i].ev.cpu == bin[i].ev.cpu);
    CHECK(text[i].ev.sequence == bin[i].ev.sequence);
    CHECK(text[i].ev.op.kind == bin[i].ev.op.kind);
    CHECK(text[i].ev.op.length == bin[i].ev.op.length);
    if (bin[i].ev.op.length != 0) CHECK(text[i].ev.op.offset == bin[i].ev.op.offset);
    CHECK(text[i].ev.timestamp_ns == bin[i].ev.timestamp_ns - bin[0].ev.timestamp_ns);
    CHECK(text[i].ev.flags == bin[i].ev.flags);
  }
  // And blkparse's own count line.
  const std::string txt = ReadFile(t.File("bp.txt"));
  const size_t at = txt.find("Events (bp): ");
  REQUIRE(at != std::string::npos);
  std::string line = txt.substr(at, txt.find('\n', at) - at);
  std::erase(line, ',');  // thousands separators depend on the locale
  CHECK(line == "Events (bp): 3000 entries");
}

TEST_CASE("fio iolog writer -> reader, and fio replays it") {
  testing::TestDir t;
  FioIologWriterOptions o;
  o.file_name = t.File("target.dat");
  o.zone_size = 1 << 20;
  std::unique_ptr<FioIologWriter> w;
  REQUIRE(FioIologWriter::Create(t.File("w.iolog"), o, &w).ok());
  std::vector<Operation> ops = {
      MakeOp(OpKind::kWrite, 0, 65536),       MakeOp(OpKind::kWrite, 65536, 4096),
      MakeOp(OpKind::kRead, 0, 4096),         MakeOp(OpKind::kFlush, 0, 0),
      MakeOp(OpKind::kDiscard, 1 << 20, 8192), MakeOp(OpKind::kReset, 2 << 20, 0),
      MakeOp(OpKind::kAppend, 0, 4096),       MakeOp(OpKind::kOpen, 0, 0),
      MakeOp(OpKind::kReset, 0, kZoneRangeAll),
  };
  for (const Operation& op : ops) REQUIRE(w->Write(op).ok());
  REQUIRE(w->Close().ok());
  CHECK(w->written() == 6);
  CHECK(w->skipped() == 3);
  auto ev = ReadTrace({t.File("w.iolog")});
  REQUIRE(ev.size() == 9);  // add, open, 6 operations, close
  CHECK(ev[0].action == "add");
  CHECK(ev[0].target == o.file_name);
  const OpKind kinds[] = {OpKind::kWrite, OpKind::kWrite, OpKind::kRead, OpKind::kFlush, OpKind::kDiscard, OpKind::kDiscard};
  for (size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(ev[2 + i].ev.op.kind == kinds[i]);
    if (i != 3) CHECK(ev[2 + i].ev.op.offset == (i == 5 ? 2u << 20 : ops[i].offset));
  }
  CHECK(ev[7].ev.op.length == 1u << 20);  // the zone reset became a trim of the zone
  CHECK(ev[8].action == "close");

  FioIologWriterOptions strict = o;
  strict.strict = true;
  REQUIRE(FioIologWriter::Create(t.File("s.iolog"), strict, &w).ok());
  CHECK_FALSE(w->Write(MakeOp(OpKind::kAppend, 0, 4096)).ok());
  CHECK(w->Write(MakeOp(OpKind::kWrite, 0, 1ull << 32)).message() ==
        "fio iolog: length 4294967296 does not fit fio's 32-bit length");
  REQUIRE(w->Close().ok());

  if (!HaveTool("fio")) {
    MESSAGE("fio not installed: replay skipped");
    return;
  }
  // fio 3.33 skips trims when replaying; reads, writes and syncs are issued.
  WriteFile(t.File("target.dat"), std::string(4 << 20, '\0'));
  std::string out;
  REQUIRE(Run("cd " + t.path() + " && fio --name=replay --read_iolog=w.iolog --ioengine=psync", &out) == 0);
  CHECK(out.find("err= 0") != std::string::npos);
  CHECK(out.find("issued rwts: total=1,2,") != std::string::npos);
}

TEST_CASE("script writer -> script reader keeps every operation") {
  testing::TestDir t;
  ScriptWriterOptions o;
  o.zone_size = 1 << 20;
  o.device_size = 16 << 20;
  o.comment = "round trip";
  std::unique_ptr<ScriptWriter> w;
  REQUIRE(ScriptWriter::Create(t.File("x.script"), o, &w).ok());
  Operation seeded = MakeOp(OpKind::kWrite, 0, 8192);
  seeded.payload = Payload::Seeded(12345);
  Operation fill = MakeOp(OpKind::kWrite, 8192, 4096);
  fill.payload = Payload::Fill(0x5a);
  Operation append = MakeOp(OpKind::kAppend, 1 << 20, 4096);
  append.payload = Payload::Seeded(9);
  std::vector<Operation> ops = {seeded, fill, append, MakeOp(OpKind::kRead, 0, 4096), MakeOp(OpKind::kFlush, 0, 0),
                                MakeOp(OpKind::kDiscard, 2 << 20, 4096), MakeOp(OpKind::kReset, 3 << 20, 0),
                                MakeOp(OpKind::kFinish, 4 << 20, 2 << 20), MakeOp(OpKind::kReset, 0, kZoneRangeAll)};
  for (const Operation& op : ops) REQUIRE(w->Write(op).ok());
  REQUIRE(w->Close().ok());
  auto ev = ReadTrace({t.File("x.script")});
  REQUIRE(ev.size() == ops.size());
  for (size_t i = 0; i < 6; ++i) CHECK(ev[i].ev.op == ops[i]);
  CHECK(ev[6].ev.op == MakeOp(OpKind::kReset, 3 << 20, 1 << 20));
  CHECK(ev[7].ev.op == ops[7]);
  CHECK(ev[8].ev.op == MakeOp(OpKind::kReset, 0, 16 << 20));

  ScriptWriterOptions none;
  REQUIRE(ScriptWriter::Create(t.File("y.script"), none, &w).ok());
  CHECK(w->Write(MakeOp(OpKind::kReset, 0, 0)).message() ==
        "a zone operation from a trace (no length) needs the zone size to be written as a script");
  CHECK(w->Write(MakeOp(OpKind::kReset, 0, kZoneRangeAll)).message() ==
        "a zone operation on every zone needs the device size to be written as a script");
}

TEST_CASE("script writer: a length-0 zone operation on a smaller last zone ends at the device end") {
  testing::TestDir t;
  ScriptWriterOptions o;
  o.zone_size = 1 << 20;
  o.device_size = (15 << 20) + (256 << 10);  // 15 zones and a 256 KiB last zone
  std::unique_ptr<ScriptWriter> w;
  REQUIRE(ScriptWriter::Create(t.File("z.script"), o, &w).ok());
  REQUIRE(w->Write(MakeOp(OpKind::kFinish, 14 << 20, 0)).ok());
  REQUIRE(w->Write(MakeOp(OpKind::kReset, 15 << 20, 0)).ok());
  REQUIRE(w->Close().ok());
  auto ev = ReadTrace({t.File("z.script")});
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].ev.op == MakeOp(OpKind::kFinish, 14 << 20, 1 << 20));
  CHECK(ev[1].ev.op == MakeOp(OpKind::kReset, 15 << 20, 256 << 10));
}

}  // namespace
}  // namespace zonesim
